import MQTTCodec
import Testing

@testable import HubEmulator

/// `nrfsim hub --refuse-subscription`: the patterns, and the SUBACK a refused filter gets.
@Suite("Refused subscriptions")
struct SubscriptionRefusalTests {
    @Test("a pattern matches level by level, '+' one level, a final '#' the rest", arguments: [
        ("devices/+/messages/devicebound/#", "devices/dev1/messages/devicebound/#", true),
        ("devices/+/messages/devicebound/#", "devices/dev1/messages/devicebound/", true),
        ("devices/+/messages/devicebound/#", "devices/dev1/messages/events/", false),
        ("$iothub/twin/res/#", "$iothub/twin/res/#", true),
        ("$iothub/twin/res/#", "$iothub/methods/POST/#", false),
        ("$dps/registrations/res/#", "$dps/registrations/res/#", true),
        ("devices/dev1", "devices/dev1/messages", false),
        ("#", "anything/at/all", true),
    ])
    func matching(_ pattern: String, _ filter: String, _ refused: Bool) {
        #expect(SubscriptionRefusals([pattern]).refuses(filter) == refused)
    }

    @Test("a refused filter gets 0x80 and is not taken; the others in the same SUBSCRIBE are granted")
    func suback() throws {
        var options = HubCore.Options()
        options.refusedSubscriptions = SubscriptionRefusals(["devices/+/messages/devicebound/#"])
        let fixture = try CoreFixture(options: options)
        try fixture.device("dev1")
        let session = try SessionHarness(fixture: fixture)
        _ = try session.connect("dev1")
        #expect(try session.subscribe([CoreFixture.c2dFilter("dev1"), "$iothub/twin/res/#"]) == [.suback(packetID: 1, returnCodes: [0x80, 1])])
        _ = try fixture.core.sendCloudToDevice(hub: "myhub", id: "dev1", body: Array("kept".utf8), properties: [], ttlSeconds: nil)
        #expect(try session.received().isEmpty)  // not subscribed: the message stays queued
    }
}
