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

@Suite("The emulator's two server roots")
struct ServerRootTests {
    private let directory = NSTemporaryDirectory() + "nrfsim-roots-" + UUID().uuidString + "/hub"
    private let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test("a DigiCert G2-style and a Baltimore-style root, each signing its own server chain; both in server-roots.pem")
    func twoRoots() throws {
        defer { try? FileManager.default.removeItem(atPath: (self.directory as NSString).deletingLastPathComponent) }
        let now = Date()
        let pki = try ServerPKI.loadOrCreate(directory: self.directory, hostnames: [], now: now, logger: self.logger)
        let digicert = try Certificate(pemEncoded: pki.chain(.digicertG2).rootPEM)
        let baltimore = try Certificate(pemEncoded: pki.chain(.baltimore).rootPEM)
        #expect(digicert.subject.description == "CN=DigiCert Global Root G2,OU=nrfsim local emulator,O=DigiCert Inc,C=US")
        #expect(baltimore.subject.description == "CN=Baltimore CyberTrust Root,OU=CyberTrust (nrfsim local emulator),O=Baltimore,C=IE")
        #expect(abs(digicert.notValidAfter.timeIntervalSince(now) - 3 * 365 * 86400) < 5)
        for (root, issuer) in [(ServerRoot.digicertG2, digicert), (.baltimore, baltimore)] {
            let server = try Certificate(pemEncoded: pki.chain(root).certificateChainPEM)
            #expect(server.issuer == issuer.subject && issuer.publicKey.isValidSignature(server.signature, for: server))
            #expect(abs(server.notValidAfter.timeIntervalSince(now) - 365 * 86400) < 5)
        }
        #expect(pki.chain(.baltimore).rootCertificatePath == self.directory + "/server-root-baltimore.pem")
        #expect(pki.rootCertificatePath == self.directory + "/server-root-ca.pem")
        let bundle = try String(contentsOfFile: pki.bundlePath, encoding: .utf8)
        #expect(bundle == pki.chain(.digicertG2).rootPEM + pki.chain(.baltimore).rootPEM)
        // Loaded again: the same chains.
        let again = try ServerPKI.loadOrCreate(directory: self.directory, hostnames: [], now: now + 60, logger: self.logger)
        #expect(again.chain(.baltimore).certificateChainPEM == pki.chain(.baltimore).certificateChainPEM)
        // A server certificate within a day of its end is reissued, under the same root.
        let late = try ServerPKI.loadOrCreate(directory: self.directory, hostnames: [], now: now + 365 * 86400 - 3600, logger: self.logger)
        #expect(late.chain(.digicertG2).certificateChainPEM != pki.chain(.digicertG2).certificateChainPEM)
        #expect(late.chain(.digicertG2).rootPEM == pki.chain(.digicertG2).rootPEM)
    }

    @Test("an expired root is an error naming its file, never replaced")
    func expiredRoot() throws {
        defer { try? FileManager.default.removeItem(atPath: (self.directory as NSString).deletingLastPathComponent) }
        _ = try ServerPKI.loadOrCreate(directory: self.directory, hostnames: [], logger: self.logger)
        let expired = try #require(throws: ServerPKIError.self) {
            try ServerPKI.loadOrCreate(directory: self.directory, hostnames: [], now: Date() + 4 * 365 * 86400, logger: self.logger)
        }
        #expect(expired.path == self.directory + "/server-root-ca.pem" && expired.reason.hasPrefix("expired on "))
    }

    @Test("--server-root values: digicert-g2 or baltimore; anything else is named in the error")
    func parsing() throws {
        #expect(try ServerRoot(parsing: "baltimore") == .baltimore)
        #expect(throws: ServerRootError.unknown("DigiCert")) { try ServerRoot(parsing: "DigiCert") }
        #expect("\(ServerRootError.unknown("x"))" == "'x' is not a server root: expected 'digicert-g2' or 'baltimore'")
    }
}
