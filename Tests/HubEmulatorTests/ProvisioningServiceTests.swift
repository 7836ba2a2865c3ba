import Foundation
import JSON
import Logging
import NIOConcurrencyHelpers
import Testing
import X509
@testable import HubEmulator

/// The DPS emulator's rules, driven directly with certificates made in the test and an injected clock.
@Suite("DPS")
struct ProvisioningServiceTests {
    final class Clock: Sendable {
        let box = NIOLockedValueBox(Date(timeIntervalSince1970: 1_800_000_000))
        var now: Date { self.box.withLockedValue { $0 } }
        func advance(_ seconds: Double) { self.box.withLockedValue { $0 += seconds } }
    }

    struct Fixture {
        let directory: String
        let store: any HubStore
        let hubs: HubCore
        let dps: ProvisioningService
        let clock: Clock
        let pki: TestPKI

        init(retryAfter: Int = 3) throws {
            self.directory = NSTemporaryDirectory() + "dps-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: self.directory, withIntermediateDirectories: true)
            self.clock = Clock()
            self.store = try SQLiteHubStore(path: self.directory + "/hub.sqlite")
            let clock = self.clock
            self.hubs = try HubCore(store: self.store, logger: Logger(label: "test"), now: { clock.now })
            self.dps = try ProvisioningService(
                hubCore: self.hubs, store: self.store, logger: Logger(label: "test"), retryAfter: retryAfter, now: { clock.now })
            self.pki = try TestPKI(now: self.clock.now)
            _ = try self.hubs.createHub(name: "hub1")
            _ = try self.hubs.createHub(name: "hub2")
            _ = try self.dps.createInstance(name: "dps1")
            _ = try self.dps.linkHub(dps: "dps1", hub: "hub1", allocationWeight: nil, applyAllocationPolicy: true)
            _ = try self.dps.linkHub(dps: "dps1", hub: "hub2", allocationWeight: nil, applyAllocationPolicy: true)
        }

        /// Uploads the root and proves possession.
        func verifyRoot() throws {
            let uploaded = try self.dps.uploadCertificate(dps: "dps1", name: "root", pem: self.pki.root.pem, verified: false)
            let coded = try self.dps.generateVerificationCode(dps: "dps1", name: "root", etag: uploaded.etag)
            _ = try self.dps.verifyCertificate(dps: "dps1", name: "root", etag: coded.etag, verificationPEM: try self.pki.verification(coded.verificationCode!).pem)
        }

        func group(_ id: String, certificate: Certificate, hubs: [String] = ["hub1.azure-devices.net"], policy: String = "static", extra: [(String, JSONValue)] = []) throws {
            var document = JSONObject([
                ("attestation", .object(JSONObject([("type", .string("x509")), ("x509", .object(JSONObject([
                    ("signingCertificates", .object(JSONObject([("primary", .object(JSONObject([("certificate", .string(certificate.pem))])))]))),
                ])))]))),
                ("iotHubs", .array(hubs.map(JSONValue.string))), ("allocationPolicy", .string(policy)),
            ])
            for (key, value) in extra { document[key] = value }
            _ = try self.dps.putEnrollment(.group, dps: "dps1", id: id, body: .object(document), ifMatch: "*")
        }

        func attempt(_ id: String, chain: [Certificate]) -> ProvisioningAttempt {
            ProvisioningAttempt(dps: "dps1", registrationID: id, password: nil, chain: chain, peer: "test")
        }

        /// Registers and polls once the operation is due; returns the final reply.
        func provision(_ id: String, chain: [Certificate]) -> ProvisioningReply {
            let started = self.dps.register(self.attempt(id, chain: chain), body: [])
            guard started.status == 202, let operation = started.body["operationId"]?.stringValue else { return started }
            self.clock.advance(Double(self.dps.retryAfter))
            return self.dps.operationStatus(self.attempt(id, chain: chain), operationID: operation)
        }
    }

    @Test("the most specific enrollment wins: individual, then the first group up the presented chain")
    func selection() throws {
        let f = try Fixture()
        try f.verifyRoot()
        try f.group("by-root", certificate: f.pki.root)
        try f.group("by-sub", certificate: f.pki.sub)
        let viaSub = try f.pki.leaf("dev-sub")
        let viaRoot = try f.pki.leaf("dev-root", byRoot: true)
        #expect(f.provision("dev-sub", chain: [viaSub, f.pki.sub]).body["registrationState"]?["x509"]?["enrollmentGroupId"] == .string("by-sub"))
        #expect(f.provision("dev-root", chain: [viaRoot]).body["registrationState"]?["x509"]?["enrollmentGroupId"] == .string("by-root"))
        let individual = try f.pki.leaf("dev-one")
        _ = try f.dps.putEnrollment(.individual, dps: "dps1", id: "dev-one", body: .object(JSONObject([
            ("attestation", .object(JSONObject([("type", .string("x509")), ("x509", .object(JSONObject([
                ("clientCertificates", .object(JSONObject([("primary", .object(JSONObject([("certificate", .string(individual.pem))])))]))),
            ])))]))),
        ])), ifMatch: nil)
        let reply = f.provision("dev-one", chain: [individual, f.pki.sub])
        #expect(reply.status == 200 && reply.body["status"] == .string("assigned"))
        #expect(reply.body["registrationState"]?["x509"]?["enrollmentGroupId"] == .null)
        // Another certificate with the individual enrollment's CN does not pass as it.
        let impostor = try f.pki.leaf("dev-one")
        #expect(f.dps.register(f.attempt("dev-one", chain: [impostor, f.pki.sub]), body: []).status == 401)
    }

    @Test("a group that names a verified DPS certificate (--ca-name) matches chains up to it; an unverified one does not")
    func caReference() throws {
        let f = try Fixture(retryAfter: 0)
        _ = try f.dps.uploadCertificate(dps: "dps1", name: "unverified-sub", pem: f.pki.sub.pem, verified: false)
        try f.verifyRoot()
        for (id, name) in [("by-name", "root"), ("by-unverified", "unverified-sub")] {
            _ = try f.dps.putEnrollment(.group, dps: "dps1", id: id, body: .object(JSONObject([
                ("attestation", .object(JSONObject([("type", .string("x509")), ("x509", .object(JSONObject([
                    ("caReferences", .object(JSONObject([("primary", .string(name))]))),
                ])))]))),
            ])), ifMatch: nil)
        }
        // The sub-CA is a DPS certificate, but unverified: the path runs on to the verified root, whose group matches.
        let reply = f.provision("dev-ref", chain: [try f.pki.leaf("dev-ref"), f.pki.sub])
        #expect(reply.body["registrationState"]?["x509"]?["enrollmentGroupId"] == .string("by-name"))
        let shown = try f.dps.enrollment(.group, dps: "dps1", id: "by-name")
        #expect(shown["attestation"]?["x509"]?["caReferences"]?["primary"] == .string("root"))
        #expect(shown["attestation"]?["x509"]?["signingCertificates"] == .null)
    }

    @Test("assigning until retry-after has passed, then assigned with the device created in the hub")
    func timing() throws {
        let f = try Fixture(retryAfter: 3)
        try f.verifyRoot()
        try f.group("g", certificate: f.pki.sub, extra: [("initialTwin", .object(JSONObject([
            ("tags", .object(JSONObject([("site", .string("lab"))]))),
            ("properties", .object(JSONObject([("desired", .object(JSONObject([("interval", .integer(60))])))]))),
        ])))])
        let leaf = try f.pki.leaf("dev-t")
        let attempt = f.attempt("dev-t", chain: [leaf, f.pki.sub])
        let started = f.dps.register(attempt, body: Array(#"{"registrationId":"dev-t","payload":{"a":1}}"#.utf8))
        #expect(started.status == 202 && started.retryAfter == 3 && started.body["status"] == .string("assigning"))
        let operation = try #require(started.body["operationId"]?.stringValue)
        #expect(operation.hasPrefix("4.") && operation.split(separator: ".").count == 3)
        f.clock.advance(1)
        let early = f.dps.operationStatus(attempt, operationID: operation)
        #expect(early.status == 202 && early.retryAfter == 2 && early.body["registrationState"]?["status"] == .string("assigning"))
        #expect(throws: IoTHubError.self) { try f.hubs.device(hub: "hub1", id: "dev-t") }
        f.clock.advance(2)
        let done = f.dps.operationStatus(attempt, operationID: operation)
        #expect(done.status == 200 && done.retryAfter == nil)
        let state = try #require(done.body["registrationState"])
        #expect(state["assignedHub"] == .string("hub1.azure-devices.net") && state["deviceId"] == .string("dev-t"))
        #expect(state["substatus"] == .string("initialAssignment"))
        let device = try f.hubs.device(hub: "hub1", id: "dev-t")
        #expect(device.authentication == .selfSigned(primaryThumbprint: thumbprint(leaf, sha256: false), secondaryThumbprint: nil))
        #expect(device.twin.tags["site"] == .string("lab") && device.twin.desired["interval"] == .integer(60))
        // Another registration id cannot read the operation.
        #expect(f.dps.operationStatus(f.attempt("someone", chain: []), operationID: operation).status == 404)
    }

    @Test("a symmetric-key group's device key is HMAC-SHA256(group key, registration id)")
    func derivedKey() throws {
        let group = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw=="
        #expect(derivedDeviceKey(groupKey: group, registrationID: "dev-derived") == "zHsFdOEsg3lnpipJgdTr8AY70d7pZLx4goaip443Mcc=")
        let f = try Fixture(retryAfter: 0)
        _ = try f.dps.putEnrollment(.group, dps: "dps1", id: "sym", body: .object(JSONObject([
            ("attestation", .object(JSONObject([("type", .string("symmetricKey")), ("symmetricKey", .object(JSONObject([("primaryKey", .string(group))])))]))),
        ])), ifMatch: nil)
        let scope = try f.dps.instance(named: "dps1").idScope
        func attempt(_ key: String) -> ProvisioningAttempt {
            let token = SASToken.make(resource: "\(scope)/registrations/dev-derived", base64Key: key, expiry: Int64(f.clock.now.timeIntervalSince1970) + 60)!
            return ProvisioningAttempt(dps: "dps1", registrationID: "dev-derived", password: Array(token.utf8), chain: [], peer: "test")
        }
        #expect(f.dps.register(attempt(group), body: []).status == 401)  // the group key itself is not the device's
        let started = f.dps.register(attempt("zHsFdOEsg3lnpipJgdTr8AY70d7pZLx4goaip443Mcc="), body: [])
        #expect(started.status == 202)
        let done = f.dps.operationStatus(attempt("zHsFdOEsg3lnpipJgdTr8AY70d7pZLx4goaip443Mcc="), operationID: started.body["operationId"]!.stringValue!)
        #expect(done.body["registrationState"]?["symmetricKey"]?["enrollmentGroupId"] == .string("sym"))
        let hub = done.body["registrationState"]!["assignedHub"]!.stringValue!.hasPrefix("hub1") ? "hub1" : "hub2"
        guard case .sas(let primary, _) = try f.hubs.device(hub: hub, id: "dev-derived").authentication else {
            Issue.record("not a SAS device")
            return
        }
        #expect(primary == "zHsFdOEsg3lnpipJgdTr8AY70d7pZLx4goaip443Mcc=")
    }

    @Test("hashed allocation is stable and follows the allocation weights")
    func hashed() throws {
        let hubs = [
            ProvisioningInstance.LinkedHub(hubName: "a", hostname: "a.azure-devices.net", allocationWeight: 1, applyAllocationPolicy: true),
            ProvisioningInstance.LinkedHub(hubName: "b", hostname: "b.azure-devices.net", allocationWeight: 3, applyAllocationPolicy: true),
            ProvisioningInstance.LinkedHub(hubName: "c", hostname: "c.azure-devices.net", allocationWeight: 5, applyAllocationPolicy: false),
        ]
        let enrollment = StoredEnrollment(document: JSONObject([("allocationPolicy", .string("hashed"))]), certificates: [], parsed: [], etagCounter: 1)
        var counts: [String: Int] = [:]
        for index in 0..<4000 {
            let id = "device-\(index)"
            let hub = try #require(ProvisioningService.allocate(id, enrollment: enrollment, linkedHubs: hubs))
            #expect(ProvisioningService.allocate(id.uppercased(), enrollment: enrollment, linkedHubs: hubs) == hub)
            counts[hub.hubName, default: 0] += 1
        }
        #expect(counts["c"] == nil)  // not applying allocation policies
        #expect((900...1100).contains(counts["a"] ?? 0) && (2900...3100).contains(counts["b"] ?? 0))
    }

    @Test("reprovisioning: migrate data, reset data, or never move", arguments: [
        ("reprovisionandmigratedata", true, true, "deviceDataMigrated", "hub2"),
        ("reprovisionandresetdata", true, false, "deviceDataReset", "hub2"),
        ("never", false, false, "initialAssignment", "hub1"),
    ])
    func reprovision(_ name: String, _ update: Bool, _ migrate: Bool, _ substatus: String, _ hub: String) throws {
        let f = try Fixture(retryAfter: 0)
        try f.verifyRoot()
        let policy = JSONValue.object(JSONObject([("updateHubAssignment", .bool(update)), ("migrateDeviceData", .bool(migrate))]))
        let twin = JSONValue.object(JSONObject([("tags", .object(JSONObject([("initial", .bool(true))])))]))
        try f.group("g", certificate: f.pki.sub, extra: [("reprovisionPolicy", policy), ("initialTwin", twin)])
        let leaf = try f.pki.leaf("dev-m")
        #expect(f.provision("dev-m", chain: [leaf, f.pki.sub]).body["registrationState"]?["assignedHub"] == .string("hub1.azure-devices.net"))
        _ = try f.hubs.patchTwin(hub: "hub1", id: "dev-m", body: .object(JSONObject([("tags", .object(JSONObject([("moved", .bool(true))])))])), ifMatch: nil, replace: false)
        try f.group("g", certificate: f.pki.sub, hubs: ["hub2.azure-devices.net"], extra: [("reprovisionPolicy", policy), ("initialTwin", twin)])
        let state = try #require(f.provision("dev-m", chain: [leaf, f.pki.sub]).body["registrationState"])
        #expect(state["assignedHub"] == .string("\(hub).azure-devices.net") && state["substatus"] == .string(substatus))
        let tags = try f.hubs.device(hub: hub, id: "dev-m").twin.tags
        #expect(tags["moved"] == (migrate || !update ? .bool(true) : nil))
    }

    @Test("enrollments, certificates, registrations and pending operations survive a restart")
    func persistence() throws {
        let f = try Fixture(retryAfter: 5)
        try f.verifyRoot()
        try f.group("g", certificate: f.pki.sub)
        let leaf = try f.pki.leaf("dev-p")
        let attempt = f.attempt("dev-p", chain: [leaf, f.pki.sub])
        let operation = try #require(f.dps.register(attempt, body: []).body["operationId"]?.stringValue)
        let clock = f.clock
        let reopened = try ProvisioningService(hubCore: f.hubs, store: SQLiteHubStore(path: f.directory + "/hub.sqlite"), logger: Logger(label: "test"), now: { clock.now })
        #expect(try reopened.certificate(dps: "dps1", name: "root").verified)
        #expect(try reopened.enrollment(.group, dps: "dps1", id: "g") == f.dps.enrollment(.group, dps: "dps1", id: "g"))
        f.clock.advance(5)
        let done = reopened.operationStatus(attempt, operationID: operation)
        #expect(done.status == 200 && done.body["status"] == .string("assigned"))
        #expect(try reopened.registrations(dps: "dps1", groupID: "g").count == 1)
    }

    @Test("a bad enrollment is refused with a message naming what is wrong", arguments: [
        (#"{"attestation":{"type":"tpm"}}"#, "TPM attestation is not supported over MQTT"),
        (#"{"attestation":{"type":"symmetricKey","symmetricKey":{"primaryKey":"not base64!"}}}"#, "the primaryKey is not a base64 key"),
        (#"{"attestation":{"type":"symmetricKey"},"iotHubs":["nowhere.azure-devices.net"]}"#, "the IoT hub 'nowhere.azure-devices.net' is not linked to 'dps1'"),
        (#"{"attestation":{"type":"symmetricKey"},"allocationPolicy":"static","iotHubs":["hub1.azure-devices.net","hub2.azure-devices.net"]}"#, "the static allocation policy needs exactly one IoT hub"),
        (#"{"attestation":{"type":"x509","x509":{"signingCertificates":{"primary":{"certificate":"garbage"}}}}}"#, "the certificate is neither PEM nor base64 DER"),
        (#"{"attestation":{"type":"x509","x509":{"caReferences":{"primary":"missing"}}}}"#, "no DPS certificate named 'missing'"),
        (#"{"attestation":{"type":"symmetricKey"},"initialTwin":[1]}"#, "initialTwin must be"),
    ])
    func badEnrollment(_ body: String, _ message: String) throws {
        let f = try Fixture()
        do {
            _ = try f.dps.putEnrollment(.group, dps: "dps1", id: "bad", body: try JSONValue.parse(body), ifMatch: nil)
            Issue.record("accepted: \(body)")
        } catch let error as IoTHubError {
            #expect(error.status == 400 && error.message.contains(message) && error.message.contains("enrollment group 'bad'"))
        }
        #expect(try f.dps.enrollments(.group, dps: "dps1").isEmpty)
    }
}
