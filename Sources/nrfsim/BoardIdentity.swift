import Foundation
import Secrets
import SimCore

/// Identity of a board without a modem: its network MAC address, made once per state directory.
enum BoardIdentity {
    /// `<state-dir>/mac-address`: six bytes as hex, locally administered, created on first use.
    static func macAddress(stateDirectory: String, rng: SeededGenerator) throws -> [UInt8] {
        let path = URL(fileURLWithPath: stateDirectory).appendingPathComponent("mac-address").path
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            let bytes = stride(from: 0, to: 12, by: 2).compactMap { offset -> UInt8? in
                let start = text.index(text.startIndex, offsetBy: offset, limitedBy: text.endIndex) ?? text.endIndex
                let end = text.index(start, offsetBy: 2, limitedBy: text.endIndex) ?? text.endIndex
                return UInt8(text[start..<end], radix: 16)
            }
            if bytes.count == 6 { return bytes }
        }
        var rng = rng
        var bytes = rng.bytes(6)
        bytes[0] = (bytes[0] & 0xFC) | 0x02
        try DurableFile.makeDirectory(stateDirectory)
        try DurableFile.write(bytes.map { String(format: "%02x", $0) }.joined(), to: path, mode: DurableFile.publicMode)
        return bytes
    }
}
