import Foundation
import Logging
import Secrets
import SimCore
import Synchronization
import Testing
@testable import VirtualModem

/// Golden AT transcripts: every command's success and error paths, as a user would see them on the UART.
///
/// Each file in `Transcripts/` holds `> command` lines followed by the modem's reply lines. `@profile` and `@seed`
/// choose the modem. Signatures are random, so `%KEYGEN`/`%ATTESTTOKEN` COSE parts and CSRs are masked; their
/// structure is checked in `KeygenTests`. Set `RECORD_TRANSCRIPTS=1` to rewrite the files from the modem.
@Suite("Golden AT transcripts")
struct TranscriptTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Transcripts")

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: Self.directory.path)) ?? []).filter { $0.hasSuffix(".txt") }.sorted()
    }

    @Test("there are transcripts")
    func transcriptsExist() {
        #expect(Self.files.count >= 8)
    }

    @Test("transcript matches", arguments: TranscriptTests.files)
    func transcript(_ name: String) throws {
        let url = Self.directory.appendingPathComponent(name)
        let expected = try String(contentsOf: url, encoding: .utf8)
        let actual = TranscriptRunner.run(expected)
        if ProcessInfo.processInfo.environment["RECORD_TRANSCRIPTS"] == "1" {
            try actual.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        #expect(actual == expected, "transcript \(name) differs; rerun with RECORD_TRANSCRIPTS=1 and review the diff")
    }
}

/// Replays the commands of a transcript against a fresh in-memory modem and renders the session.
enum TranscriptRunner {
    static func run(_ transcript: String) -> String {
        var seed: UInt64 = 1
        var profile = ModemProfile.nrf9160
        var options = ModemCore.Options()
        var network = NetworkPolicy()
        for line in transcript.split(separator: "\n") {
            if line.hasPrefix("@seed ") { seed = UInt64(line.dropFirst(6)) ?? 1 }
            if line.hasPrefix("@profile ") {
                switch line.dropFirst(9) {
                case "nrf9161": profile = .nrf9161
                case "nrf9151": profile = .nrf9151
                default: profile = .nrf9160
                }
            }
            if line == "@keygen-overwrite" { options.keygenOverwritesKeys = true }
            if line == "@power-off-warning" { options.powerOffWarning = true }
            if line.hasPrefix("@network ") { Self.apply(line.dropFirst(9).split(separator: " ").map(String.init), to: &network) }
        }
        var core = ModemCore.factoryNew(profile: profile, secrets: .reproducible(seed: seed), options: options)
        core.network = network
        let clock = ManualClock()
        let modem = Modem(
            core: core, storeFile: nil, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
            clock: clock)
        let spontaneous = Mutex<[String]>([])
        modem.onNotification { line in spontaneous.withLock { $0.append("~ " + line) } }
        var out = ""
        for line in transcript.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("> ") {
                out += line + "\n"
                let command = Self.unescape(String(line.dropFirst(2)))
                let reply = String(decoding: modem.handle(line: Array(command.utf8)), as: UTF8.self)
                for replyLine in reply.components(separatedBy: "\r\n").dropLast() {
                    out += Self.mask(Self.escape(replyLine), command: command) + "\n"
                }
                spontaneous.withLock { $0 = [] }  // written inline above
            } else if line.hasPrefix("@advance ") || line == "@uplink" || line.hasPrefix("@downlink ") {
                // Radio steps: time passes, or data moves; what the modem notifies is written as "~ " lines.
                out += line + "\n"
                if line.hasPrefix("@advance "), let seconds = Int(line.dropFirst(9)) {
                    clock.advance(by: .seconds(seconds))
                    modem.poll()
                } else if line == "@uplink" {
                    if !modem.uplink() { spontaneous.withLock { $0.append("= uplink refused: LTE off") } }
                } else if let bytes = Int(line.dropFirst(10)) {
                    let fate = modem.downlink(byteCount: bytes) { spontaneous.withLock { $0.append("= \(bytes) bytes delivered") } }
                    spontaneous.withLock { $0.append("= downlink \(fate)") }
                }
                out += spontaneous.withLock { lines in
                    defer { lines = [] }
                    return lines.map { $0 + "\n" }.joined()
                }
                out += "= radio \(modem.radioStatus.state.rawValue)\n"
            } else if line.isEmpty || line.hasPrefix("#") || line.hasPrefix("@") {
                out += line + "\n"
            }
            // Any other line is a recorded reply; it is produced again above.
        }
        while out.hasSuffix("\n\n") { out.removeLast() }
        if !out.hasSuffix("\n") { out += "\n" }
        return out
    }

    /// `@network psm-deny`, `@network psm-grant <tau> <active>`, `@network edrx-deny`, `@network rrc-inactivity <s>`.
    static func apply(_ words: [String], to network: inout NetworkPolicy) {
        switch words.first {
        case "psm-deny": network.psm = .deny
        case "psm-grant":
            network.psm = .grant(
                periodicTAU: try! GPRSTimer(kind: .periodicTAU, bits: words[1]), activeTime: try! GPRSTimer(kind: .activeTime, bits: words[2]))
        case "edrx-deny": network.edrx = .deny
        case "rrc-inactivity": network.rrcInactivity = .seconds(Int(words[1])!)
        default: Issue.record("unknown @network directive \(words)")
        }
    }

    static func unescape(_ text: String) -> String {
        var out = ""
        var escaping = false
        for character in text {
            if escaping {
                switch character {
                case "r": out.append("\r")
                case "n": out.append("\n")
                case "0": out.append("\0")
                default: out.append(character)
                }
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else {
                out.append(character)
            }
        }
        return out
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\r", with: "\\r")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    /// Masks the parts of `%KEYGEN` and `%ATTESTTOKEN` that carry random ECDSA signatures.
    /// Hides what differs between runs of a seeded modem: signatures, and nonces the modem draws from the CSPRNG.
    static func mask(_ line: String, command: String) -> String {
        if line.hasPrefix("%KEYGEN: \"") {
            return "%KEYGEN: \"<csr or public key>.<cose>\""
        }
        let prefix = "%ATTESTTOKEN: \""
        if line.hasPrefix(prefix), let dot = line.firstIndex(of: ".") {
            let body = String(line[line.index(line.startIndex, offsetBy: prefix.count)..<dot])
            // Without a challenge the modem's own 16-byte nonce ends the identity message.
            if command.uppercased() == "AT%ATTESTTOKEN", let bytes = base64URLDecode(body), bytes.count > 16 {
                return prefix + Base64URL.encode(Array(bytes.dropLast(16))) + "<16-byte nonce>.<cose>\""
            }
            return String(line[..<dot]) + ".<cose>\""
        }
        return line
    }
}
