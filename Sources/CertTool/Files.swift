import Crypto
import Foundation
import Secrets
import SwiftASN1
import X509

/// A failure with a message naming the file and what was wrong.
public struct CertToolError: Error, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension CertTool {
    static func read(_ path: String) throws(CertToolError) -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw CertToolError("cannot read \(path): \(Self.reason(error))")
        }
    }

    /// Writes `text` through ``DurableFile``: private keys mode 0600 (`secret`), certificates and CSRs 0644. A
    /// directory it creates is mode 0700.
    static func write(_ text: String, to path: String, createDirectory: Bool, secret: Bool = false) throws(CertToolError) {
        do {
            if createDirectory {
                try DurableFile.makeDirectory((path as NSString).deletingLastPathComponent)
            }
            try DurableFile.write(text, to: path, mode: secret ? DurableFile.privateMode : DurableFile.publicMode)
        } catch {
            throw CertToolError("\(error)")
        }
    }

    static func readKey(_ path: String) throws(CertToolError) -> P256.Signing.PrivateKey {
        let text = try Self.read(path)
        do {
            return try P256.Signing.PrivateKey(pemRepresentation: text)
        } catch {
            throw CertToolError("\(path) is not a PEM EC P-256 private key (\(error))")
        }
    }

    static func readCertificate(_ path: String) throws(CertToolError) -> Certificate {
        let text = try Self.read(path)
        do {
            return try Certificate(pemEncoded: text)
        } catch {
            throw CertToolError("\(path) is not a PEM certificate (\(error))")
        }
    }

    static func readCSR(_ path: String) throws(CertToolError) -> CertificateSigningRequest {
        let text = try Self.read(path)
        do {
            return try CertificateSigningRequest(pemEncoded: text)
        } catch {
            throw CertToolError("\(path) is not a PEM certificate signing request (\(error))")
        }
    }

    static func pem<Value: PEMSerializable>(_ value: Value) throws(CertToolError) -> String {
        do {
            return try value.serializeAsPEM().pemString + "\n"
        } catch {
            throw CertToolError("cannot encode PEM: \(error)")
        }
    }

    private static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if nsError.domain == NSCocoaErrorDomain, nsError.code == NSFileReadNoSuchFileError || nsError.code == NSFileNoSuchFileError {
            return "No such file or directory"
        }
        return nsError.localizedDescription
    }
}
