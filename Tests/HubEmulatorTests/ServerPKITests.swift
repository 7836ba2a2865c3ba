import Foundation
import Logging
import SwiftASN1
import Testing
import X509

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

    private static let v6Loopback = [UInt8](repeating: 0, count: 15) + [1]

    /// The IP addresses among the server certificate's SANs, as their octets.
    private func ipAddresses(_ pki: ServerPKI) throws -> Set<[UInt8]> {
        let certificate = try Certificate(pemEncoded: pki.certificateChainPEM)
        let sans = try #require(try certificate.extensions.subjectAlternativeNames)
        return Set(sans.compactMap { san -> [UInt8]? in
            guard case .ipAddress(let octets) = san else { return nil }
            return Array(octets.bytes)
        })
    }

    @Test("a listen address is an IP SAN: the certificate is reissued (same root) when it is not covered, kept when it is")
    func listenAddressIsCovered() throws {
        defer { try? FileManager.default.removeItem(atPath: (self.directory as NSString).deletingLastPathComponent) }
        let first = try ServerPKI.loadOrCreate(directory: self.directory, hostnames: ["127.0.0.1"], logger: self.logger)
        #expect(try self.ipAddresses(first) == [[127, 0, 0, 1], Self.v6Loopback])
        let moved = try ServerPKI.loadOrCreate(directory: self.directory, hostnames: ["127.0.0.7"], logger: self.logger)
        #expect(moved.certificateChainPEM != first.certificateChainPEM && moved.rootPEM == first.rootPEM)
        #expect(try self.ipAddresses(moved) == [[127, 0, 0, 1], [127, 0, 0, 7], Self.v6Loopback])
        let again = try ServerPKI.loadOrCreate(directory: self.directory, hostnames: ["127.0.0.7"], logger: self.logger)
        #expect(again.certificateChainPEM == moved.certificateChainPEM)
        // Names and the wildcard listen address need nothing new.
        let wildcard = try ServerPKI.loadOrCreate(directory: self.directory, hostnames: ["0.0.0.0", "::", "localhost"], logger: self.logger)
        #expect(wildcard.certificateChainPEM == moved.certificateChainPEM)
        let v6 = try ServerPKI.loadOrCreate(directory: self.directory, hostnames: ["fd00::7"], logger: self.logger)
        #expect(try self.ipAddresses(v6).contains([0xFD] + [UInt8](repeating: 0, count: 14) + [7]))
    }

    @Test("names and address literals are told apart as inet_pton(3) reads them")
    func names() {
        let names = ServerCertificateNames(["127.0.0.7", "myhub.azure-devices.net", "::1", "127.0.0.300", "", "0.0.0.0"])
        #expect(names.dnsNames == ["myhub.azure-devices.net", "127.0.0.300"])
        #expect(names.ipAddresses == [[127, 0, 0, 1], [127, 0, 0, 7], Self.v6Loopback])
    }

    @Test("a hub server listening on 127.0.0.7 (ports 0) serves a certificate that covers 127.0.0.7")
    func serverCoversItsHost() async throws {
        defer { try? FileManager.default.removeItem(atPath: (self.directory as NSString).deletingLastPathComponent) }
        var options = HubServer.Options(dataDirectory: self.directory)
        (options.host, options.mqttPort, options.httpsPort) = ("127.0.0.7", 0, 0)
        let server = try await HubServer.start(options, logger: self.logger)
        let covered = Result { try self.ipAddresses(server.pki) }
        #expect(server.mqttPort != 0 && server.httpsPort != 0 && server.mqttAddress.hasPrefix("127.0.0.7:"))
        await server.close()
        #expect(try covered.get().contains([127, 0, 0, 7]))
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
