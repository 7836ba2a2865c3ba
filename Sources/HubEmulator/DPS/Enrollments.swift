import Foundation
import JSON
import Logging
import SwiftASN1
import X509

/// An enrollment as DPS works with it: the stored ``EnrollmentRecord``'s document and certificates, the certificates
/// parsed.
struct StoredEnrollment: Sendable {
    var document: JSONObject
    /// Primary and secondary certificates (signing certificates of a group, client certificates of an individual
    /// enrollment), PEM.
    let certificates: [String]
    var etagCounter: Int
    /// The certificates parsed, with their SHA-1 and SHA-256 thumbprints (attestation reads them on every
    /// registration).
    let x509Certificates: [Certificate]
    let sha1Thumbprints: [String]
    let sha256Thumbprints: [String]

    /// An enrollment whose certificates were parsed already (``ProvisioningService/putEnrollment``'s).
    init(document: JSONObject, certificates: [String], parsed: [Certificate], etagCounter: Int) {
        self.document = document
        self.certificates = certificates
        self.etagCounter = etagCounter
        self.x509Certificates = parsed
        self.sha1Thumbprints = parsed.map { thumbprint($0, sha256: false) }
        self.sha256Thumbprints = parsed.map { thumbprint($0, sha256: true) }
    }

    /// A stored enrollment (at load). - Throws: when one of its certificates does not parse (`dps` names the row).
    init(loading record: EnrollmentRecord, dps: String) throws(HubStoreError) {
        var parsed: [Certificate] = []
        for (index, pem) in record.certificates.enumerated() {
            do {
                parsed.append(try Certificate(pemEncoded: pem))
            } catch {
                throw .corruptRow(
                    table: EnrollmentRow.databaseTableName, key: "\(dps)/\(EnrollmentKindColumn(record.kind).rawValue)/\(record.id)",
                    reason: "certificate \(index) is not PEM: \(error)")
            }
        }
        self.init(document: record.document, certificates: record.certificates, parsed: parsed, etagCounter: record.etagCounter)
    }

    /// The record the store keeps, under `id` (the group id, or the registration id lower-cased).
    func record(_ kind: ProvisioningService.EnrollmentKind, id: String) -> EnrollmentRecord {
        EnrollmentRecord(kind: kind, id: id, document: self.document, certificates: self.certificates, etagCounter: self.etagCounter)
    }

    var enabled: Bool { self.document["provisioningStatus"]?.stringValue != "disabled" }
    var attestationType: String { self.document["attestation"]?["type"]?.stringValue ?? "" }
    /// The symmetric keys (primary, secondary).
    var symmetricKeys: [String] {
        ["primaryKey", "secondaryKey"].compactMap { self.document["attestation"]?["symmetricKey"]?[$0]?.stringValue }
    }
    /// Names of DPS certificates a group refers to (`--ca-name`).
    var caReferences: [String] {
        ["primary", "secondary"].compactMap { self.document["attestation"]?["x509"]?["caReferences"]?[$0]?.stringValue }
    }
    var allocationPolicy: String { self.document["allocationPolicy"]?.stringValue ?? "hashed" }
    var iotHubs: [String] { self.document["iotHubs"]?.arrayValue?.compactMap(\.stringValue) ?? [] }
    var initialTwin: JSONValue? { self.document["initialTwin"].flatMap { $0 == .null ? nil : $0 } }
    var updateHubAssignment: Bool { self.document["reprovisionPolicy"]?["updateHubAssignment"]?.boolValue ?? true }
    var migrateDeviceData: Bool { self.document["reprovisionPolicy"]?["migrateDeviceData"]?.boolValue ?? true }
}

/// Individual enrollments and enrollment groups (`az iot dps enrollment …`, `az iot dps enrollment-group …`), with
/// the service API's document shapes.
extension ProvisioningService {
    public enum EnrollmentKind: Sendable {
        case group
        case individual

        var idKey: String { self == .group ? "enrollmentGroupId" : "registrationId" }
        var x509Key: String { self == .group ? "signingCertificates" : "clientCertificates" }
        var label: String { self == .group ? "enrollment group" : "enrollment" }
    }

    /// Creates or replaces an enrollment from its service document. A certificate is given as PEM (or base64 DER) in
    /// `attestation.x509.{signingCertificates|clientCertificates}.{primary|secondary}.certificate`. Replacing needs
    /// `If-Match` (`*` or the etag).
    public func putEnrollment(_ kind: EnrollmentKind, dps: String, id: String, body: JSONValue, ifMatch: String?) throws -> JSONValue {
        guard case .object(let object) = body else { throw IoTHubError.argumentInvalid("the \(kind.label) is not a JSON object") }
        return try self.withInstance(dps) { state in
            let key = kind == .group ? id : id.lowercased()
            let previous = kind == .group ? state.groups[key] : state.enrollments[key]
            if let previous {
                guard let ifMatch else {
                    throw IoTHubError.conflict("the \(kind.label) '\(id)' already exists")
                }
                let unquoted = ifMatch.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                if unquoted != "*", unquoted != base64(bigEndian: UInt64(previous.etagCounter)) {
                    throw IoTHubError.preconditionFailed("the etag '\(unquoted)' does not match")
                }
            }
            let stored = try self.normalize(kind, id: id, object, state: state, previous: previous)
            try self.store.save(stored.record(kind, id: key), dps: state.record.name)
            if kind == .group { state.groups[key] = stored } else { state.enrollments[key] = stored }
            self.logger.info("\(kind.label) saved", metadata: ["dps": "\(state.record.name)", "id": "\(id)", "attestation": "\(stored.attestationType)"])
            return .object(stored.document)
        }
    }

    public func enrollment(_ kind: EnrollmentKind, dps: String, id: String) throws -> JSONValue {
        try self.withInstance(dps) { state in .object(try Self.enrollment(kind, state, id).document) }
    }

    public func enrollments(_ kind: EnrollmentKind, dps: String) throws -> [JSONValue] {
        try self.withInstance(dps) { state in
            let all = kind == .group ? state.groups : state.enrollments
            return all.keys.sorted().map { .object(all[$0]!.document) }
        }
    }

    public func deleteEnrollment(_ kind: EnrollmentKind, dps: String, id: String) throws {
        try self.withInstance(dps) { state in
            _ = try Self.enrollment(kind, state, id)
            let key = kind == .group ? id : id.lowercased()
            try self.store.deleteEnrollment(kind, id: key, dps: state.record.name)
            if kind == .group { state.groups[key] = nil } else { state.enrollments[key] = nil }
        }
    }

    static func enrollment(_ kind: EnrollmentKind, _ state: InstanceState, _ id: String) throws -> StoredEnrollment {
        let found = kind == .group ? state.groups[id] : state.enrollments[id.lowercased()]
        guard let found else {
            throw IoTHubError.provisioningNotFound("no \(kind.label) '\(id)' in '\(state.record.name)'")
        }
        return found
    }

    /// Validates a document and fills in what the service fills in (defaults, certificate info, keys, times, etag).
    private func normalize(_ kind: EnrollmentKind, id: String, _ body: JSONObject, state: InstanceState, previous: StoredEnrollment?) throws -> StoredEnrollment {
        func invalid(_ reason: String) -> IoTHubError { IoTHubError.argumentInvalid("\(kind.label) '\(id)': \(reason)") }
        if kind == .individual {
            guard Self.validRegistrationID(id) else { throw invalid("'\(id)' is not a valid registration id") }
        } else if id.isEmpty || id.utf8.count > 128 {
            throw invalid("the enrollment group id must be 1-128 characters")
        }
        let now = self.timestamp()
        var certificates: [String] = []
        var parsed: [Certificate] = []
        var attestation = JSONObject()
        switch body["attestation"]?["type"]?.stringValue {
        case "x509":
            let x509 = body["attestation"]?["x509"]
            var entries = JSONObject()
            for slot in ["primary", "secondary"] {
                guard let text = x509?[kind.x509Key]?[slot]?["certificate"]?.stringValue else { continue }
                let (pem, certificate) = try Self.parseCertificate(text, invalid: invalid)
                certificates.append(pem)
                parsed.append(certificate)
                entries[slot] = .object(JSONObject([("certificate", .null), ("info", Self.certificateInfo(certificate))]))
            }
            var references = JSONObject()
            if kind == .group {
                for slot in ["primary", "secondary"] {
                    guard let name = x509?["caReferences"]?[slot]?.stringValue else { continue }
                    guard state.certificates[name] != nil else { throw invalid("no DPS certificate named '\(name)'") }
                    references[slot] = .string(name)
                }
            }
            guard !certificates.isEmpty || !references.isEmpty else { throw invalid("an X.509 attestation needs a certificate") }
            attestation["type"] = .string("x509")
            attestation["x509"] = .object(JSONObject([
                ("caReferences", references.isEmpty ? .null : .object(references)),
                ("clientCertificates", kind == .individual ? .object(entries) : .null),
                ("signingCertificates", kind == .group && !entries.isEmpty ? .object(entries) : .null),
            ]))
            attestation["symmetricKey"] = .null
        case "symmetricKey":
            var keys = JSONObject()
            for slot in ["primaryKey", "secondaryKey"] {
                let given = body["attestation"]?["symmetricKey"]?[slot]?.stringValue ?? ""
                let key = given.isEmpty ? randomKey(bytes: 64) : given
                guard let decoded = Data(base64Encoded: key), decoded.count >= 16 else { throw invalid("the \(slot) is not a base64 key of 16-64 bytes") }
                keys[slot] = .string(key)
            }
            attestation["type"] = .string("symmetricKey")
            attestation["x509"] = .null
            attestation["symmetricKey"] = .object(keys)
        case "tpm":
            throw invalid("TPM attestation is not supported over MQTT")
        case let other:
            throw invalid("unknown attestation type '\(other ?? "")' (x509 or symmetricKey)")
        }
        attestation["tpm"] = .null

        let status = body["provisioningStatus"]?.stringValue ?? "enabled"
        guard status == "enabled" || status == "disabled" else { throw invalid("provisioningStatus is '\(status)' (enabled or disabled)") }
        let policy = body["allocationPolicy"]?.stringValue ?? "hashed"
        guard ["hashed", "static", "geoLatency"].contains(policy) else {
            throw invalid("allocation policy '\(policy)' is not supported (hashed, static or geoLatency)")
        }
        var hubs = body["iotHubs"]?.arrayValue?.compactMap(\.stringValue) ?? []
        if hubs.isEmpty, let single = body["iotHubHostName"]?.stringValue, !single.isEmpty { hubs = [single] }
        for hub in hubs where !state.record.linkedHubs.contains(where: { $0.hostname.lowercased() == hub.lowercased() }) {
            throw invalid("the IoT hub '\(hub)' is not linked to '\(state.record.name)'")
        }
        if policy == "static", hubs.count != 1 { throw invalid("the static allocation policy needs exactly one IoT hub") }
        if let twin = body["initialTwin"], twin != .null {
            guard twin.objectValue != nil, twin["tags"].map({ $0 == .null || $0.objectValue != nil }) ?? true,
                twin["properties"]?["desired"].map({ $0 == .null || $0.objectValue != nil }) ?? true
            else { throw invalid("initialTwin must be {\"tags\": {…}, \"properties\": {\"desired\": {…}}}") }
        }
        let reprovision = body["reprovisionPolicy"]
        let etagCounter = (previous?.etagCounter ?? 0) + 1

        var document = JSONObject()
        if kind == .individual {
            document["registrationId"] = .string(id)
            document["deviceId"] = body["deviceId"].flatMap { $0 == .null ? nil : $0 } ?? .null
        } else {
            document["enrollmentGroupId"] = .string(id)
        }
        document["attestation"] = .object(attestation)
        document["capabilities"] = .object(JSONObject([("iotEdge", .bool(body["capabilities"]?["iotEdge"]?.boolValue ?? false))]))
        document["etag"] = .string(base64(bigEndian: UInt64(etagCounter)))
        document["provisioningStatus"] = .string(status)
        document["reprovisionPolicy"] = .object(JSONObject([
            ("migrateDeviceData", .bool(reprovision?["migrateDeviceData"]?.boolValue ?? true)),
            ("updateHubAssignment", .bool(reprovision?["updateHubAssignment"]?.boolValue ?? true)),
        ]))
        document["createdDateTimeUtc"] = previous?.document["createdDateTimeUtc"] ?? .string(now)
        document["lastUpdatedDateTimeUtc"] = .string(now)
        document["allocationPolicy"] = .string(policy)
        document["iotHubs"] = hubs.isEmpty ? .null : .array(hubs.map(JSONValue.string))
        document["iotHubHostName"] = hubs.first.map(JSONValue.string) ?? .null
        document["customAllocationDefinition"] = .null
        document["initialTwin"] = body["initialTwin"] ?? .null
        return StoredEnrollment(document: document, certificates: certificates, parsed: parsed, etagCounter: etagCounter)
    }

    /// Registration ids: alphanumerics and `- . _ :`, the last character alphanumeric or `-`, at most 128.
    static func validRegistrationID(_ id: String) -> Bool {
        guard let last = id.last, id.utf8.count <= 128 else { return false }
        let allowed = Set("-._:")
        return id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || allowed.contains($0)) }
            && last.isASCII && (last.isLetter || last.isNumber || last == "-")
    }

    private static func parseCertificate(_ text: String, invalid: (String) -> IoTHubError) throws -> (String, Certificate) {
        var pem = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if !pem.hasPrefix("-----BEGIN") {
            guard let der = Data(base64Encoded: pem, options: .ignoreUnknownCharacters),
                let certificate = try? Certificate(derEncoded: Array(der)),
                let encoded = try? certificate.serializeAsPEM().pemString
            else { throw invalid("the certificate is neither PEM nor base64 DER") }
            return (encoded, certificate)
        }
        pem += "\n"
        do {
            return (pem, try Certificate(pemEncoded: pem))
        } catch {
            throw invalid("the certificate is not a PEM X.509 certificate: \(error)")
        }
    }

    /// The `info` the service shows for an enrollment's certificate.
    static func certificateInfo(_ certificate: Certificate) -> JSONValue {
        .object(JSONObject([
            ("issuerName", .string(certificate.issuer.description)), ("notAfterUtc", .string(iso8601(certificate.notValidAfter))),
            ("notBeforeUtc", .string(iso8601(certificate.notValidBefore))),
            ("serialNumber", .string(certificate.serialNumber.bytes.map { String(format: "%02X", $0) }.joined())),
            ("sha1Thumbprint", .string(thumbprint(certificate, sha256: false))), ("sha256Thumbprint", .string(thumbprint(certificate, sha256: true))),
            ("subjectName", .string(certificate.subject.description)), ("version", .integer(3)),
        ]))
    }
}
