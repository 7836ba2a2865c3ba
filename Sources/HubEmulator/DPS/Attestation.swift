import Crypto
import Foundation
import JSON
import SwiftASN1
import X509

/// What a device presented to DPS: its registration id (the CONNECT client id and user name), its SAS token and its
/// TLS client chain (leaf first).
public struct ProvisioningAttempt: Sendable {
    public var dps: String
    public var registrationID: String
    public var password: [UInt8]?
    public var chain: [Certificate]
    public var peer: String

    public init(dps: String, registrationID: String, password: [UInt8]?, chain: [Certificate], peer: String) {
        self.dps = dps
        self.registrationID = registrationID
        self.password = password
        self.chain = chain
        self.peer = peer
    }
}

/// The enrollment a registration matched.
struct EnrollmentReference: Equatable, Sendable {
    var kind: ProvisioningService.EnrollmentKind
    var id: String
}

/// Attestation ("X.509 certificate attestation", learn.microsoft.com/azure/iot-dps/concepts-x509-attestation): which
/// enrollment a device's credentials match. The most specific wins: an individual enrollment, then the group of the
/// first certificate up the presented chain.
extension ProvisioningService {
    /// The matching enrollment, or the 401 reply (its message starts with the service's text, then says why).
    func attest(_ attempt: ProvisioningAttempt, state: InstanceState) -> Result<EnrollmentReference, ProvisioningReply> {
        if let leaf = attempt.chain.first {
            return self.attestX509(attempt, leaf: leaf, state: state)
        }
        if let password = attempt.password {
            return self.attestSymmetricKey(attempt, password: password, state: state)
        }
        return .failure(self.errorReply(401, 401002, "Unauthorized: neither a client certificate nor a SAS token was presented"))
    }

    private func attestX509(_ attempt: ProvisioningAttempt, leaf: Certificate, state: InstanceState) -> Result<EnrollmentReference, ProvisioningReply> {
        func invalid(_ reason: String) -> Result<EnrollmentReference, ProvisioningReply> {
            .failure(self.errorReply(401, 401002, "Invalid certificate: \(reason)"))
        }
        let now = self.credentialNow()
        guard leaf.commonName == attempt.registrationID else {
            return invalid("the certificate's CN '\(leaf.commonName ?? "")' is not the registration id '\(attempt.registrationID)'")
        }
        guard leaf.notValidBefore <= now + 300, leaf.notValidAfter >= now else { return invalid("the certificate is outside its validity period") }
        if let individual = state.enrollments[attempt.registrationID.lowercased()], individual.attestationType == "x509" {
            let presented = thumbprint(leaf, sha256: true)
            guard individual.sha256Thumbprints.contains(presented) else {
                return invalid("it is not the certificate of enrollment '\(attempt.registrationID)'")
            }
            return .success(EnrollmentReference(kind: .individual, id: attempt.registrationID))
        }
        guard let path = CertificateProof.path(from: attempt.chain, to: state.certificates.verifiedAnchors, now: now) else {
            if let unverifiedPath = CertificateProof.path(from: attempt.chain, to: state.certificates.uploaded, now: now), let top = unverifiedPath.last,
                let name = state.certificates.records.values.first(where: { $0.thumbprint == thumbprint(top, sha256: false) })?.name
            {
                return invalid("the chain ends at DPS certificate '\(name)', which is not verified")
            }
            return invalid("the chain does not reach a verified DPS certificate (send the leaf and every intermediate)")
        }
        // A group naming a DPS certificate (`--ca-name`) counts only once that certificate is verified.
        let referenced = { (name: String) in state.certificates[name].flatMap { $0.verified ? $0.thumbprint : nil } }
        for certificate in path.dropFirst() {
            let sha1 = thumbprint(certificate, sha256: false)
            let group = state.groups.keys.sorted().first { id in
                let group = state.groups[id]!
                return group.attestationType == "x509"
                    && (group.sha1Thumbprints.contains(sha1) || group.caReferences.contains { referenced($0) == sha1 })
            }
            if let group { return .success(EnrollmentReference(kind: .group, id: group)) }
        }
        return .failure(self.errorReply(401, 401002, "Unauthorized: no enrollment matches registration '\(attempt.registrationID)'"))
    }

    private func attestSymmetricKey(_ attempt: ProvisioningAttempt, password: [UInt8], state: InstanceState) -> Result<EnrollmentReference, ProvisioningReply> {
        func unauthorized(_ reason: String) -> Result<EnrollmentReference, ProvisioningReply> {
            .failure(self.errorReply(401, 401002, "Unauthorized: \(reason)"))
        }
        guard let text = String(validating: password, as: UTF8.self), let token = try? SASToken.parse(text) else {
            return unauthorized("the password is not a SAS token")
        }
        guard token.expiry > Int64(self.credentialNow().timeIntervalSince1970) else { return unauthorized("the SAS token expired") }
        guard token.grants("\(state.record.idScope)/registrations/\(attempt.registrationID)") else {
            return unauthorized("the SAS token's resource '\(token.resource)' is not '\(state.record.idScope)/registrations/\(attempt.registrationID)'")
        }
        if let individual = state.enrollments[attempt.registrationID.lowercased()], individual.attestationType == "symmetricKey" {
            guard individual.symmetricKeys.contains(where: token.isSigned(byKey:)) else {
                return unauthorized("the SAS token is not signed with the keys of enrollment '\(attempt.registrationID)'")
            }
            return .success(EnrollmentReference(kind: .individual, id: attempt.registrationID))
        }
        for id in state.groups.keys.sorted() where state.groups[id]!.attestationType == "symmetricKey" {
            let keys = state.groups[id]!.symmetricKeys.map { derivedDeviceKey(groupKey: $0, registrationID: attempt.registrationID) }
            if keys.contains(where: token.isSigned(byKey:)) { return .success(EnrollmentReference(kind: .group, id: id)) }
        }
        return unauthorized("no enrollment matches registration '\(attempt.registrationID)'")
    }

    /// A DPS error body: `{"errorCode","trackingId","message","timestampUtc"}`.
    func errorReply(_ status: Int, _ code: Int, _ message: String) -> ProvisioningReply {
        ProvisioningReply(status: status, body: .object(JSONObject([
            ("errorCode", .integer(Int64(code))), ("trackingId", .string(UUID().uuidString.lowercased())),
            ("message", .string(message)), ("timestampUtc", .string(self.timestamp())),
        ])))
    }
}

/// A symmetric-key group's device key: `base64(HMAC-SHA256(base64decode(groupKey), registrationId))`.
public func derivedDeviceKey(groupKey: String, registrationID: String) -> String {
    guard let key = Data(base64Encoded: groupKey) else { return "" }
    return Data(HMAC<SHA256>.authenticationCode(for: Data(registrationID.utf8), using: SymmetricKey(data: key))).base64EncodedString()
}
