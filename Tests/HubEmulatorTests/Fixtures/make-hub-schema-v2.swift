// How Fixtures/hub-schema-v2.sqlite and hub-schema-v2.renderings.txt were made: this test, added to
// HubEmulatorTests at commit 0fd7308 (the store before typed records), run once. Not compiled (Fixtures is excluded).

import Foundation
import GRDB
import JSON
import Testing
@testable import HubEmulator

/// Throwaway: writes a v2 database with every kind of row, with the code before typed records.
@Suite struct GenerateV2Fixture {
    @Test func generate() throws {
        let f = try ProvisioningServiceTests.Fixture(retryAfter: 3)
        let core = f.hubs
        let key = "cGtwa3BrcGtwa3BrcGtwa3BrcGtwa3BrcGtwa3BrcGs="
        // Hub CA certificate, verified, and one unverified.
        let up = try core.uploadCertificate(hub: "hub1", name: "hub-root", pem: f.pki.root.pem, verified: false)
        let coded = try core.generateVerificationCode(hub: "hub1", name: "hub-root", etag: up.etag)
        _ = try core.verifyCertificate(hub: "hub1", name: "hub-root", etag: coded.etag, verificationPEM: try f.pki.verification(coded.verificationCode!).pem)
        _ = try core.uploadCertificate(hub: "hub1", name: "hub-sub", pem: f.pki.sub.pem, verified: false)
        // Devices.
        _ = try core.putDevice(hub: "hub1", id: "sas-dev", body: try JSONValue.parse(#"{"authentication":{"type":"sas","symmetricKey":{"primaryKey":"\#(key)","secondaryKey":"\#(key)"}},"status":"disabled","statusReason":"maintenance"}"#), ifMatch: nil)
        _ = try core.putDevice(hub: "hub1", id: "self-dev", body: try JSONValue.parse(#"{"authentication":{"type":"selfSigned","x509Thumbprint":{"primaryThumbprint":"AABBCCDDEEFF00112233445566778899AABBCCDD","secondaryThumbprint":null}}}"#), ifMatch: nil)
        _ = try core.putDevice(hub: "hub2", id: "ca-dev", body: try JSONValue.parse(#"{"authentication":{"type":"certificateAuthority"}}"#), ifMatch: nil)
        _ = try core.putDevice(hub: "hub1", id: "sas-dev", body: try JSONValue.parse(#"{"authentication":{"type":"sas","symmetricKey":{"primaryKey":"\#(key)","secondaryKey":"\#(key)"}},"status":"disabled","statusReason":"maintenance"}"#), ifMatch: "*")
        // Twin: tags and desired (members out of alphabetical order), reported.
        _ = try core.patchTwin(hub: "hub1", id: "self-dev", body: try JSONValue.parse(#"{"tags":{"zone":"b","area":{"floor":3,"room":"r1"}},"properties":{"desired":{"telemetryInterval":30,"led":{"on":true,"color":"red"},"alpha":null}}}"#), ifMatch: nil, replace: false)
        let identity = DeviceSessionIdentity(hub: "hub1", hostname: "hub1.azure-devices.net", deviceID: "self-dev", authMethod: "x509", expiresAt: nil)
        #expect(core.reportProperties(identity: identity, payload: Array(#"{"firmware":"1.2.3","battery":{"level":87.5,"charging":false},"list":[1,"two",null]}"#.utf8)).status == 204)
        // C2D: two messages, one with a property without value, a binary body.
        _ = try core.sendCloudToDevice(hub: "hub1", id: "self-dev", body: Array("first message".utf8), properties: [("color", "blue"), ("flag", nil), ("$.ct", "text/plain")], ttlSeconds: 3600)
        _ = try core.sendCloudToDevice(hub: "hub1", id: "self-dev", body: [0, 1, 2, 0xFE, 0xFF], properties: [], ttlSeconds: nil)
        _ = try core.sendCloudToDevice(hub: "hub2", id: "ca-dev", body: Array("third".utf8), properties: [("k", "v")], ttlSeconds: 60)
        let queued = try f.store.queued(hub: "hub1", device: "self-dev")
        _ = try f.store.markDelivered(sequence: queued[0].sequence)
        _ = try f.store.markDelivered(sequence: queued[0].sequence)
        // Sessions.
        try f.store.saveSession(hub: "hub1", client: "self-dev", subscriptions: ["devices/self-dev/messages/devicebound/#", "$iothub/methods/POST/#"])
        // DPS: certificates, groups, individual enrollment, a finished registration and a pending one.
        try f.verifyRoot()
        _ = try f.dps.uploadCertificate(dps: "dps1", name: "dps-sub", pem: f.pki.sub.pem, verified: false)
        try f.group("x509-group", certificate: f.pki.sub, extra: [("initialTwin", try JSONValue.parse(#"{"tags":{"k":"v"},"properties":{"desired":{"b":2,"a":1}}}"#))])
        _ = try f.dps.putEnrollment(.group, dps: "dps1", id: "sym-group", body: try JSONValue.parse(#"{"attestation":{"type":"symmetricKey"},"reprovisionPolicy":{"migrateDeviceData":false,"updateHubAssignment":true}}"#), ifMatch: nil)
        let leaf = try f.pki.leaf("Dev-Individual")
        _ = try f.dps.putEnrollment(.individual, dps: "dps1", id: "Dev-Individual", body: .object(JSONObject([
            ("attestation", .object(JSONObject([("type", .string("x509")), ("x509", .object(JSONObject([
                ("clientCertificates", .object(JSONObject([("primary", .object(JSONObject([("certificate", .string(leaf.pem))])))]))),
            ])))]))), ("deviceId", .string("individual-device")),
        ])), ifMatch: nil)
        let grouped = try f.pki.leaf("grouped-dev")
        let reply = f.provision("grouped-dev", chain: [grouped, f.pki.sub])
        #expect(reply.status == 200)
        let started = f.dps.register(f.attempt("Dev-Individual", chain: [leaf, f.pki.sub]), body: Array(#"{"registrationId":"Dev-Individual","payload":{"model":"x","n":[1,2]}}"#.utf8))
        #expect(started.status == 202)
        _ = try f.dps.createInstance(name: "dps2")
        // The API's renderings, as this code gives them.
        var expected = JSONObject()
        for (hub, id) in [("hub1", "sas-dev"), ("hub1", "self-dev"), ("hub1", "grouped-dev"), ("hub2", "ca-dev")] {
            expected["device \(hub)/\(id)"] = try core.deviceJSON(hub: hub, id: id)
            expected["twin \(hub)/\(id)"] = try core.twinJSON(hub: hub, id: id)
        }
        for id in ["x509-group", "sym-group"] { expected["group \(id)"] = try f.dps.enrollment(.group, dps: "dps1", id: id) }
        expected["enrollment Dev-Individual"] = try f.dps.enrollment(.individual, dps: "dps1", id: "Dev-Individual")
        expected["registrations"] = .array(try f.dps.registrations(dps: "dps1", groupID: nil))
        try expected.members.map { "\($0.key)\t\($0.value.text)" }.joined(separator: "\n").write(toFile: "/tmp/store-gen/hub-schema-v2.renderings.txt", atomically: true, encoding: .utf8)
        // Checkpoint and copy.
        let out = "/tmp/store-gen/hub-schema-v2.sqlite"
        try? FileManager.default.removeItem(atPath: out)
        _ = try DatabaseQueue(path: f.directory + "/hub.sqlite").writeWithoutTransaction { try $0.checkpoint(.truncate) }
        try DatabaseQueue(path: f.directory + "/hub.sqlite").writeWithoutTransaction { try $0.execute(sql: "VACUUM INTO '\(out)'") }
    }
}
