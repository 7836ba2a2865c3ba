import Crypto
import Foundation
import SwiftASN1
import Testing
import X509
@testable import CertTool

/// cert_tool.py's outputs: names, validity, extensions and signatures, with the clock fixed.
@Suite("cert-tool")
struct CertToolTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000.75)

    final class Scratch {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("certtool-\(UUID().uuidString)").path
        var messages: [String] = []
        func file(_ name: String) -> String { self.path + "/" + name }
        deinit { try? FileManager.default.removeItem(atPath: self.path) }
    }

    func tool(_ scratch: Scratch) -> CertTool {
        CertTool(now: { Self.start }, print: { scratch.messages.append($0) })
    }

    func makeChain(_ scratch: Scratch, commonName: String = "my-device") throws {
        let tool = self.tool(scratch)
        try tool.rootCA(keyPath: scratch.file("ca/root-ca-key.pem"), certificatePath: scratch.file("ca/root-ca-cert.pem"), commonName: "Test Root CA")
        try tool.subCA(
            keyPath: scratch.file("ca/sub-ca-key.pem"), certificatePath: scratch.file("ca/sub-ca-cert.pem"),
            rootKeyPath: scratch.file("ca/root-ca-key.pem"), rootCertificatePath: scratch.file("ca/root-ca-cert.pem"))
        try tool.clientKey(path: scratch.file("certs/private-key.pem"))
        try tool.csr(keyPath: scratch.file("certs/private-key.pem"), csrPath: scratch.file("certs/client-csr.pem"), commonName: commonName)
        try tool.sign(
            csrPath: scratch.file("certs/client-csr.pem"), certificatePath: scratch.file("certs/client-cert.pem"),
            signerKeyPath: scratch.file("ca/sub-ca-key.pem"), signerCertificatePath: scratch.file("ca/sub-ca-cert.pem"))
    }

    func certificate(_ path: String) throws -> Certificate { try Certificate(pemEncoded: try String(contentsOfFile: path, encoding: .utf8)) }

    @Test("the root, sub CA and client certificate chain, with cert_tool.py's names, validity and extensions")
    func chain() throws {
        let scratch = Scratch()
        try self.makeChain(scratch)
        let root = try self.certificate(scratch.file("ca/root-ca-cert.pem"))
        let sub = try self.certificate(scratch.file("ca/sub-ca-cert.pem"))
        let leaf = try self.certificate(scratch.file("certs/client-cert.pem"))
        #expect(root.subject.description == "CN=Test Root CA,O=Test Organization,L=Test,ST=Test,C=US")
        #expect(root.issuer == root.subject && sub.issuer == root.subject && leaf.issuer == sub.subject)
        #expect(sub.subject.description == "CN=Subordinate CA,O=Test Organization,L=Test,ST=Test,C=US")
        #expect(leaf.subject.description == "CN=my-device,O=Test Organization,L=Test,ST=Test,C=US")
        let whole = Date(timeIntervalSince1970: 1_800_000_000)
        for certificate in [root, sub, leaf] {
            #expect(certificate.notValidBefore == whole)
            #expect(certificate.notValidAfter == whole + 365 * 24 * 3600)
            #expect(certificate.signatureAlgorithm == .ecdsaWithSHA256)
        }
        // CA certificates: BasicConstraints(ca=True, no path length), critical, and nothing else.
        for ca in [root, sub] {
            #expect(Array(ca.extensions).count == 1)
            #expect(try ca.extensions.basicConstraints == .isCertificateAuthority(maxPathLength: nil))
            #expect(ca.extensions.first?.critical == true)
        }
        #expect(root.publicKey.isValidSignature(sub.signature, for: sub))
        #expect(sub.publicKey.isValidSignature(leaf.signature, for: leaf))
        // Client certificate: five extensions in cert_tool.py's order and criticality.
        #expect(Array(leaf.extensions).map(\.critical) == [true, false, false, false, true])
        #expect(try leaf.extensions.basicConstraints == .notCertificateAuthority)
        #expect(try leaf.extensions.extendedKeyUsage == ExtendedKeyUsage([.clientAuth]))
        #expect(try leaf.extensions.keyUsage == KeyUsage(digitalSignature: true, keyEncipherment: true))
        let leafKey = try #require(P256.Signing.PublicKey(leaf.publicKey))
        let subKey = try #require(P256.Signing.PublicKey(sub.publicKey))
        #expect(try leaf.extensions.subjectKeyIdentifier?.keyIdentifier == ArraySlice(Insecure.SHA1.hash(data: leafKey.x963Representation)))
        #expect(try leaf.extensions.authorityKeyIdentifier?.keyIdentifier == ArraySlice(Insecure.SHA1.hash(data: subKey.x963Representation)))
        #expect(scratch.messages.contains("Signing certificate with CN: my-device"))
        #expect(scratch.messages.last == "Signed client certificate saved as \(scratch.file("certs/client-cert.pem"))")
    }

    @Test("keys are unencrypted PKCS#8 PEM")
    func keyFormat() throws {
        let scratch = Scratch()
        try self.tool(scratch).clientKey(path: scratch.file("certs/private-key.pem"))
        let text = try String(contentsOfFile: scratch.file("certs/private-key.pem"), encoding: .utf8)
        #expect(text.hasPrefix("-----BEGIN PRIVATE KEY-----\n") && text.hasSuffix("-----END PRIVATE KEY-----\n"))
        // Private keys are the owner's alone (cert_tool.py leaves them to the umask; a key is a secret).
        let mode = try FileManager.default.attributesOfItem(atPath: scratch.file("certs/private-key.pem"))[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        #expect(scratch.messages == ["\(scratch.file("certs/private-key.pem")) generated successfully!"])
    }

    @Test("bad input: a missing file, a file that is not a key, a CSR whose signature does not verify")
    func badInput() throws {
        let scratch = Scratch()
        let tool = self.tool(scratch)
        #expect(throws: CertToolError("cannot read \(scratch.file("nope.pem")): No such file or directory")) {
            try tool.csr(keyPath: scratch.file("nope.pem"), csrPath: scratch.file("x.csr"), commonName: "x")
        }
        try self.makeChain(scratch)
        #expect {
            try tool.sign(
                csrPath: scratch.file("certs/client-csr.pem"), certificatePath: scratch.file("out.pem"),
                signerKeyPath: scratch.file("ca/sub-ca-cert.pem"), signerCertificatePath: scratch.file("ca/sub-ca-cert.pem"))
        } throws: { error in
            "\(error)".hasPrefix("\(scratch.file("ca/sub-ca-cert.pem")) is not a PEM EC P-256 private key")
        }
        // A CSR signed by another key: swap the public key of a valid request.
        let other = P256.Signing.PrivateKey()
        let request = try CertificateSigningRequest(pemEncoded: try String(contentsOfFile: scratch.file("certs/client-csr.pem"), encoding: .utf8))
        let forged = try CertificateSigningRequest(
            version: .v1, subject: request.subject, privateKey: Certificate.PrivateKey(other),
            attributes: .init(), signatureAlgorithm: .ecdsaWithSHA256)
        var der = try forged.serializeAsPEM().derBytes
        der[der.count - 5] ^= 0x01  // corrupt the signature
        let pem = PEMDocument(type: "CERTIFICATE REQUEST", derBytes: der).pemString
        try pem.write(toFile: scratch.file("forged.pem"), atomically: true, encoding: .utf8)
        #expect(throws: (any Error).self) {
            try tool.sign(
                csrPath: scratch.file("forged.pem"), certificatePath: scratch.file("out.pem"),
                signerKeyPath: scratch.file("ca/sub-ca-key.pem"), signerCertificatePath: scratch.file("ca/sub-ca-cert.pem"))
        }
        #expect(!FileManager.default.fileExists(atPath: scratch.file("out.pem")))
    }

    @Test("csr does not create directories, as cert_tool.py")
    func csrNoDirectories() throws {
        let scratch = Scratch()
        let tool = self.tool(scratch)
        try tool.clientKey(path: scratch.file("k.pem"))
        #expect {
            try tool.csr(keyPath: scratch.file("k.pem"), csrPath: scratch.file("missing/dir/c.pem"), commonName: "x")
        } throws: { error in
            "\(error)".hasPrefix("cannot write \(scratch.file("missing/dir/c.pem"))")
        }
    }
}
