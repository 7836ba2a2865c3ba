import Foundation
import IoTHubTopics
import MQTTCodec
import Testing

@testable import HubEmulator

@Suite("C2D delivery under concurrency")
struct CloudToDeviceRaceTests {
    @Test("a service send racing a SUBSCRIBE delivers the message exactly once")
    func sendRacesSubscribe() async throws {
        let fixture = try CoreFixture()
        for round in 0..<40 {
            let identity = try fixture.device("race-\(round)")
            let link = RecordingLink(rendezvous: Rendezvous())
            _ = try fixture.core.register(link, identity: identity, cleanSession: true)
            let core = fixture.core
            async let sent: String = Task.detached {
                try core.sendCloudToDevice(hub: "myhub", id: identity.deviceID, body: Array("m\(round)".utf8), properties: [], ttlSeconds: nil)
            }.value
            async let subscribed: Void = Task.detached {
                try core.saveSubscriptions([CoreFixture.c2dFilter(identity.deviceID)], kinds: [.cloudToDevice], identity: identity, link: link)
                core.deliverQueued(hub: identity.hub, deviceID: identity.deviceID)
            }.value
            let messageID = try await sent
            try await subscribed
            let deliveries = link.published.filter { $0.topic.contains("%24.mid=\(messageID)") || $0.topic.contains("$.mid=\(messageID)") }
            #expect(deliveries.count == 1, "round \(round): delivered \(deliveries.count) times")
        }
    }


    @Test("a delivery that read the queue before a completion does not send the completed message")
    func completedMeanwhile() throws {
        let (fixture, failing) = try CoreFixture.withFailingStore()
        let identity = try fixture.device("dev1")
        let link = RecordingLink()
        _ = try fixture.core.register(link, identity: identity, cleanSession: true)
        try fixture.core.saveSubscriptions([CoreFixture.c2dFilter("dev1")], kinds: [.cloudToDevice], identity: identity, link: link)
        _ = try fixture.core.sendCloudToDevice(hub: "myhub", id: "dev1", body: [1], properties: [], ttlSeconds: nil)
        #expect(link.published.count == 1)
        // The delivery below sees the queue as it was before the PUBACK's completion.
        try failing.freezeQueue(hub: "myhub", device: "dev1")
        let sequence = try #require(link.acknowledge(1))
        fixture.core.completeCloudToDevice(sequence: sequence)
        link.release(sequence)
        fixture.core.deliverQueued(hub: "myhub", deviceID: "dev1")
        #expect(link.published.count == 1)
    }
}
