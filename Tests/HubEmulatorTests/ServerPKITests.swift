import Foundation
import Logging
import Testing

@testable import HubEmulator

@Suite("The emulator's own PKI and admin token on disk")
struct ServerPKITests {
    private let directory = NSTemporaryDirectory() + "nrfsim-pki-" + UUID().uuidString + "/hub"
    private let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    private func mode(_ path: String) throws -> Int {
        try #require((FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue)
    }

    @Test("made once: private keys 0600, certificates 0644, in a 0700 directory; loaded unchanged afterwards")
    func createAndReload() throws {
        defer { try? FileManager.default.removeItem(atPath: (self.directory as NSString).deletingLastPathComponent) }
        let first = try ServerPKI.loadOrCreate(directory: self.directory, hostnames: ["myhub.azure-devices.net"], logger: self.logger)
        #expect(try self.mode(self.directory) == 0o700)
        for name in ["server-root-ca-key.pem", "server-key.pem"] { #expect(try self.mode(self.directory + "/" + name) == 0o600) }
        for name in ["server-root-ca.pem", "server-cert.pem"] { #expect(try self.mode(self.directory + "/" + name) == 0o644) }
        let second = try ServerPKI.loadOrCreate(directory: self.directory, hostnames: ["myhub.azure-devices.net"], logger: self.logger)
        #expect(second.rootPEM == first.rootPEM && second.certificateChainPEM == first.certificateChainPEM)
    }

    @Test("a root CA whose key is missing or damaged is an error naming the file, never replaced")
    func damagedRoot() throws {
        defer { try? FileManager.default.removeItem(atPath: (self.directory as NSString).deletingLastPathComponent) }
        _ = try ServerPKI.loadOrCreate(directory: self.directory, hostnames: [], logger: self.logger)
        let keyPath = self.directory + "/server-root-ca-key.pem"
        let rootPath = self.directory + "/server-root-ca.pem"
        let root = try String(contentsOfFile: rootPath, encoding: .utf8)
        try "not a key\n".write(toFile: keyPath, atomically: true, encoding: .utf8)
        let damaged = try #require(throws: ServerPKIError.self) {
            try ServerPKI.loadOrCreate(directory: self.directory, hostnames: [], logger: self.logger)
        }
        #expect(damaged.path == keyPath)
        try FileManager.default.removeItem(atPath: keyPath)
        let missing = try #require(throws: ServerPKIError.self) {
            try ServerPKI.loadOrCreate(directory: self.directory, hostnames: [], logger: self.logger)
        }
        #expect(missing.path == keyPath && "\(missing)".contains("missing"))
        #expect(try String(contentsOfFile: rootPath, encoding: .utf8) == root)
    }

    @Test("the admin token: 24 CSPRNG bytes in hex, made once, mode 0600; an empty token file is an error")
    func adminToken() throws {
        defer { try? FileManager.default.removeItem(atPath: (self.directory as NSString).deletingLastPathComponent) }
        try FileManager.default.createDirectory(atPath: self.directory, withIntermediateDirectories: true)
        let path = self.directory + "/admin-token"
        let token = try HubServer.adminToken(at: path, logger: self.logger)
        #expect(token.count == 48 && token.allSatisfy(\.isHexDigit))
        #expect(try self.mode(path) == 0o600)
        #expect(try HubServer.adminToken(at: path, logger: self.logger) == token)
        let other = self.directory + "/other-token"
        #expect(try HubServer.adminToken(at: other, logger: self.logger) != token)
        try "".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: AdminTokenError.self) { try HubServer.adminToken(at: path, logger: self.logger) }
    }
}
