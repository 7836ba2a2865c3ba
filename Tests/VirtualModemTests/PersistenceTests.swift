import Foundation
import InMemoryLogging
import Logging
import Secrets
import SimCore
import Testing
@testable import VirtualModem

@Suite("The modem's non-volatile store")
struct PersistenceTests {
    private let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    private func open(_ directory: TemporaryDirectory, seed: UInt64 = 3) throws -> Modem {
        try Modem.open(stateDirectory: directory.path, profile: .nrf9161, secrets: .reproducible(seed: seed), logger: self.quiet)
    }

    @Test("credentials and identity survive a restart; a new seed does not replace the identity")
    func survivesRestart() throws {
        let directory = TemporaryDirectory()
        let first = try self.open(directory)
        #expect(first.execute("AT%CMNG=0,16842753,0,\"root\nCA\"") == "OK\r\n")
        #expect(first.execute("AT%KEYGEN=16842753,2,0").hasSuffix("OK\r\n"))
        let list = first.execute("AT%CMNG=1")
        let identity = first.identity

        let second = try self.open(directory, seed: 99)
        #expect(second.execute("AT%CMNG=1") == list)
        #expect(second.identity == identity)
    }

    @Test("the store file is private to its owner")
    func fileMode() throws {
        let directory = TemporaryDirectory()
        _ = try self.open(directory)
        let attributes = try FileManager.default.attributesOfItem(atPath: directory.path + "/modem-nvm.json")
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }

    @Test("a corrupt store is reported and left untouched")
    func corruptStore() throws {
        let directory = TemporaryDirectory()
        _ = try self.open(directory)
        let path = directory.path + "/modem-nvm.json"
        let garbage = Data("{\"version\":1,\"identity\":".utf8)
        try garbage.write(to: URL(fileURLWithPath: path))
        #expect(throws: ModemStoreError.self) { try self.open(directory) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == garbage)
    }

    @Test("a store whose SHA does not match its content is refused")
    func tamperedStore() throws {
        let directory = TemporaryDirectory()
        let modem = try self.open(directory)
        _ = modem.execute("AT%CMNG=0,1,0,\"abc\"")
        let path = directory.path + "/modem-nvm.json"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let tampered = text.replacingOccurrences(of: Data("abc".utf8).base64EncodedString(), with: Data("abd".utf8).base64EncodedString())
        #expect(tampered != text)
        try tampered.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ModemStoreError.self) { try self.open(directory) }
    }

    @Test("a failed write is rolled back and answered ERROR")
    func failedWriteRollsBack() throws {
        let directory = TemporaryDirectory()
        let modem = try self.open(directory)
        _ = modem.execute("AT%CMNG=0,1,0,\"kept\"")
        // Make the temporary file impossible to create: a directory stands in its way.
        try FileManager.default.createDirectory(atPath: directory.path + "/modem-nvm.json.tmp", withIntermediateDirectories: false)
        #expect(modem.execute("AT%CMNG=0,2,0,\"lost\"") == "ERROR\r\n")
        #expect(modem.execute("AT%CMNG=1,2") == "OK\r\n")
        try FileManager.default.removeItem(atPath: directory.path + "/modem-nvm.json.tmp")
        #expect(try self.open(directory).execute("AT%CMNG=1,1").hasPrefix("%CMNG: 1,0,"))
    }

    @Test("private keys and credential content never reach the log")
    func secretsNotLogged() throws {
        let handler = InMemoryLogHandler()
        var logHandler = handler
        logHandler.logLevel = .trace
        let logger = Logger(label: "test", factory: { _ in logHandler })
        let directory = TemporaryDirectory()
        let modem = try Modem.open(stateDirectory: directory.path, profile: .nrf9160, secrets: .reproducible(seed: 5), logger: logger)
        let secret = "SECRET-KEY-MATERIAL-0123456789"
        _ = modem.execute("AT%CMNG=0,9,2,\"\(secret)\"")
        _ = modem.execute("AT%CMNG=0,9,2,\"\(secret)\"x")  // malformed: still must not log the content
        _ = modem.execute("AT%KEYGEN=10,2,0")
        // An unquoted PSK, well-formed and malformed: still never logged.
        let psk = "00112233445566778899AABBCCDDEEFF"
        _ = modem.execute("AT%CMNG=0,11,3,\(psk)")
        _ = modem.execute("AT%CMNG=0,11,3,\(psk)\"")
        _ = modem.execute("AT%CMNG=0,11,4,\"identity\",\(psk)")
        let scalar = try #require(modem.snapshot.credentials.entry(tag: 10, type: .clientPrivateKey)).content
        let logged = handler.entries.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
        #expect(!handler.entries.isEmpty)
        #expect(!logged.contains(secret))
        #expect(!logged.contains(psk) && !logged.contains(psk.prefix(12)))
        #expect(!logged.contains(Hex.upper(scalar)) && !logged.contains(Data(scalar).base64EncodedString()))
    }
}
