import Foundation
import IoTHubTopics
import JSON
import MQTTCodec
import NIOCore
import NIOPosix
import NIOConcurrencyHelpers
import Testing

@testable import HubEmulator

/// A device that answers as a well-behaved client would: each direct method with 200, each C2D message with a PUBACK
/// (from another thread, as a real connection's would arrive).
final class AnsweringLink: DeviceLink {
    let core: HubCore
    let identity: DeviceSessionIdentity
    /// Where the device's answers come from: a thread of its own, as a real connection's would arrive.
    let answers: any EventLoop
    private let state = NIOLockedValueBox<(published: [Publish], inflight: [UInt16: Int64], next: UInt16)>(([], [:], 0))

    init(core: HubCore, identity: DeviceSessionIdentity, answers: any EventLoop) {
        self.core = core
        self.identity = identity
        self.answers = answers
    }

    var published: [Publish] { self.state.withLockedValue { $0.published } }

    func send(_ packet: MQTTPacket) {
        guard case .publish(let publish) = packet else { return }
        let sequence: Int64? = self.state.withLockedValue { state in
            state.published.append(publish)
            return publish.packetID.flatMap { state.inflight[$0] }
        }
        let (core, identity) = (self.core, self.identity)
        if let sequence {
            // The PUBACK: completed in the store, then the claim is given up (as the session handler does).
            self.answers.execute {
                core.beginCompletion(sequence)
                core.completeCloudToDevice(sequence: sequence)
                self.release(sequence)
            }
        } else if publish.topic.hasPrefix("$iothub/methods/POST/"), let rid = publish.topic.split(separator: "=").last {
            self.answers.execute {
                core.methodResponse(identity: identity, requestID: String(rid), status: 200, payload: Array(#"{"ok":true}"#.utf8))
            }
        }
    }

    func claim(_ sequence: Int64, at claimedAt: Date) -> UInt16? {
        self.state.withLockedValue { state in
            guard !state.inflight.values.contains(sequence) else { return nil }
            state.next &+= 1
            state.inflight[state.next] = sequence
            return state.next
        }
    }

    func release(_ sequence: Int64) { self.state.withLockedValue { $0.inflight = $0.inflight.filter { $0.value != sequence } } }
    func unacknowledged(deliveredBefore cutoff: Date) -> Int { 0 }
    func close(reason: String) {}
}

@Suite("The hub core under concurrent load")
struct CoreStressTests {
    @Test("200 devices patching twins, receiving C2D and answering methods at once: no loss, no duplicate, no deadlock",
          .timeLimit(.minutes(2)))
    func twoHundredClients() throws {
        let fixture = try CoreFixture()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        defer { try? group.syncShutdownGracefully() }
        let answers = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        defer { try? answers.syncShutdownGracefully() }
        let count = 200
        var links: [AnsweringLink] = []
        for index in 0..<count {
            let identity = try fixture.device("stress-\(index)")
            let link = AnsweringLink(core: fixture.core, identity: identity, answers: answers.next())
            _ = try fixture.core.register(link, identity: identity, cleanSession: true)
            try fixture.core.saveSubscriptions(
                [CoreFixture.c2dFilter(identity.deviceID), "$iothub/methods/POST/#", "$iothub/twin/PATCH/properties/desired/#"],
                kinds: [.cloudToDevice, .methods, .desiredPatches], identity: identity, link: link)
            links.append(link)
        }
        let core = fixture.core
        let failures = NIOLockedValueBox<[String]>([])
        let clients = links
        DispatchQueue.concurrentPerform(iterations: count) { index in
            let link = clients[index]
            let id = link.identity.deviceID
            do {
                for value in 1...2 {
                    let result = core.reportProperties(identity: link.identity, payload: Array(#"{"n":\#(value)}"#.utf8))
                    if result.status != 204 { failures.withLockedValue { $0.append("\(id): reported PATCH \(result.status)") } }
                }
                _ = try core.patchTwin(hub: "myhub", id: id, body: try JSONValue.parse(#"{"properties":{"desired":{"d":\#(index)}}}"#), ifMatch: nil, replace: false)
                for message in 0..<2 {
                    _ = try core.sendCloudToDevice(hub: "myhub", id: id, body: Array("\(id)/\(message)".utf8), properties: [], ttlSeconds: nil)
                }
                let (status, _) = try core.invokeMethod(hub: "myhub", id: id, name: "ping", payload: .null, timeoutSeconds: 30, on: group.next()).wait()
                if status != 200 { failures.withLockedValue { $0.append("\(id): method \(status)") } }
            } catch {
                failures.withLockedValue { $0.append("\(id): \(error)") }
            }
        }
        #expect(failures.withLockedValue { $0 }.isEmpty, "\(failures.withLockedValue { $0 }.prefix(5))")
        // Completions arrive from other threads: wait for the queues to drain (bounded).
        let deadline = Date() + 30
        func pending() throws -> Int { try (0..<count).reduce(0) { $0 + (try fixture.store.queued(hub: "myhub", device: "stress-\($1)").count) } }
        while try pending() > 0, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        #expect(try pending() == 0)
        for link in links {
            let id = link.identity.deviceID
            let bodies = link.published.filter { $0.qos == .atLeastOnce }.map { String(decoding: $0.payload, as: UTF8.self) }
            #expect(bodies.sorted() == ["\(id)/0", "\(id)/1"], "\(id) got \(bodies)")
            #expect(link.published.filter { $0.topic.hasPrefix("$iothub/twin/PATCH/properties/desired/") }.count == 1)
            let twin = try core.twinJSON(hub: "myhub", id: id)
            #expect(twin["properties"]?["reported"]?["$version"]?.intValue == 3 && twin["properties"]?["reported"]?["n"]?.intValue == 2)
        }
    }
}
