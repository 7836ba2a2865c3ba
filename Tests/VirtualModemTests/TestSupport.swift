import Foundation
import Logging
import Secrets
import SimCore
@testable import VirtualModem

/// A fresh in-memory modem for tests.
func makeModem(profile: ModemProfile = .nrf9160, seed: UInt64 = 1, options: ModemCore.Options = .init()) -> Modem {
    Modem(
        core: .factoryNew(profile: profile, secrets: .reproducible(seed: seed), options: options), storeFile: nil,
        logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
}

/// The quoted value of a `%KEYGEN: "…"` or `%ATTESTTOKEN: "…"` reply, split at its dot and base64url-decoded.
func decodeTwoPartReply(_ reply: String) -> (part1: [UInt8], part2: [UInt8])? {
    guard let open = reply.firstIndex(of: "\""), let close = reply[reply.index(after: open)...].firstIndex(of: "\"")
    else { return nil }
    let parts = reply[reply.index(after: open)..<close].split(separator: ".")
    guard parts.count == 2, let first = base64URLDecode(String(parts[0])), let second = base64URLDecode(String(parts[1]))
    else { return nil }
    return (first, second)
}

func base64URLDecode(_ text: String) -> [UInt8]? {
    var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    while standard.count % 4 != 0 { standard += "=" }
    return Data(base64Encoded: standard).map(Array.init)
}

func hex(_ text: String) -> [UInt8] {
    Hex.decode(text.replacingOccurrences(of: " ", with: ""))!
}

/// A temporary directory removed when the value is dropped at the end of a test.
final class TemporaryDirectory {
    let path: String
    init() {
        self.path = NSTemporaryDirectory() + "nrfsim-test-" + UUID().uuidString
    }
    deinit {
        try? FileManager.default.removeItem(atPath: self.path)
    }
}
