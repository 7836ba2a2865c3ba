import Foundation
import MQTTCodec
import NIOCore
import NIOEmbedded
import Testing

@testable import HubEmulator

/// The session handlers frame TLS plaintext themselves (no decoder handler in the pipeline): reads that split a
/// packet, reads that hold several, malformed bytes, and a first packet that is not CONNECT.
@Suite("MQTT framing in the session handlers")
struct MQTTFramingTests {
    static let publish = MQTTPacket.publish(Publish(
        topic: "devices/dev1/messages/events/", payload: Array(repeating: 0x41, count: 300), qos: .atLeastOnce, packetID: 7))

    @Test("framing: several packets in one read come out in order; a packet split across reads comes out once whole")
    func framing() throws {
        var framing = MQTTFraming()
        let allocator = ByteBufferAllocator()
        framing.append(allocator.buffer(bytes: MQTTPacket.pingreq.encoded() + Self.publish.encoded() + MQTTPacket.puback(packetID: 9).encoded()))
        #expect(try framing.next() == .pingreq)
        #expect(try framing.next() == Self.publish)
        #expect(try framing.next() == .puback(packetID: 9))
        #expect(try framing.next() == nil)

        let bytes = Self.publish.encoded()
        for split in [1, 2, 3, 40, bytes.count - 1] {
            framing.append(allocator.buffer(bytes: bytes[..<split]))
            #expect(try framing.next() == nil, "split at \(split)")
            framing.append(allocator.buffer(bytes: bytes[split...]))
            #expect(try framing.peek() == Self.publish)
            #expect(try framing.next() == Self.publish)
            #expect(try framing.next() == nil)
        }
    }

    @Test("framing: an oversize packet is refused at its header, before its body arrives; a malformed one names the fault")
    func refusals() throws {
        var framing = MQTTFraming(maximumRemainingLength: 100)
        framing.append(ByteBufferAllocator().buffer(bytes: Self.publish.encoded().prefix(4)))
        #expect(throws: MQTTDecodeError.self) { try framing.next() }

        var reserved = MQTTFraming()
        reserved.append(ByteBufferAllocator().buffer(bytes: [0xF0, 0x00]))
        #expect(throws: MQTTDecodeError(packetType: nil, offset: 0, reason: "reserved packet type 15")) { try reserved.next() }
    }

    @Test("a session: a PUBLISH split across two reads is acknowledged once, after its last byte; two in one read, both")
    func splitPublish() throws {
        let fixture = try CoreFixture()
        try fixture.device("dev1")
        let session = try SessionHarness(fixture: fixture)
        _ = try session.connect("dev1")
        let bytes = Self.publish.encoded()
        try session.channel.writeInbound(session.channel.allocator.buffer(bytes: bytes[..<100]))
        session.channel.pipeline.fireChannelReadComplete()
        #expect(try session.received().isEmpty)
        try session.channel.writeInbound(session.channel.allocator.buffer(bytes: bytes[100...] + bytes))
        session.channel.pipeline.fireChannelReadComplete()
        #expect(try session.received() == [.puback(packetID: 7), .puback(packetID: 7)])
        #expect(session.isOpen)
    }

    @Test("a CONNECT split across reads is routed once whole; bytes after it in the same read reach the session")
    func splitConnect() throws {
        let fixture = try CoreFixture()
        try fixture.device("dev1")
        let session = try SessionHarness(fixture: fixture)
        let connect = SessionHarness.connectPacket("dev1").encoded()
        try session.channel.writeInbound(session.channel.allocator.buffer(bytes: connect[..<10]))
        #expect(try session.received().isEmpty)
        try session.channel.writeInbound(session.channel.allocator.buffer(bytes: connect[10...] + MQTTPacket.pingreq.encoded()))
        session.channel.pipeline.fireChannelReadComplete()
        #expect(try session.received() == [.connack(sessionPresent: false, returnCode: .accepted), .pingresp])
    }

    @Test("a first packet that is not CONNECT closes the connection at its first byte; malformed bytes after CONNECT close it too")
    func violations() throws {
        let fixture = try CoreFixture()
        try fixture.device("dev1")
        let first = try SessionHarness(fixture: fixture)
        try first.channel.writeInbound(first.channel.allocator.buffer(bytes: [0x30]))
        first.loop.run()
        #expect(!first.isOpen)
        #expect(try first.received().isEmpty)

        let after = try SessionHarness(fixture: fixture)
        _ = try after.connect("dev1")
        try after.channel.writeInbound(after.channel.allocator.buffer(bytes: [0xF0, 0x00]))
        after.loop.run()
        #expect(!after.isOpen)
    }
}
