#if canImport(Glibc)
import Glibc
#endif
import NetworkModel
import SimCore
import Synchronization
import Testing
import TrafficLedger

/// A radio that holds every downlink until released (a device asleep in PSM).
final class SleepingRadio: RadioGate {
    let held = Mutex<[(Int, @Sendable () -> Void)]>([])
    let uplinks = Mutex(0)
    func uplink() { self.uplinks.withLock { $0 += 1 } }
    let off = Mutex(false)
    func downlink(byteCount: Int, deliver: @escaping @Sendable () -> Void) -> Bool {
        if self.off.withLock({ $0 }) { return false }
        self.held.withLock { $0.append((byteCount, deliver)) }
        return true
    }
    func wake() { for (_, deliver) in self.held.withLock({ held in defer { held = [] }; return held }) { deliver() } }
    var heldBytes: [Int] { self.held.withLock { $0.map(\.0) } }
}

@Suite struct RelayTests {
    @Test func bytesPassBothWaysAndAreCountedPerConnection() async throws {
        let cloud = try await CloudServer()
        let network = DeviceNetwork()
        let relay = try #require(try network.relayAddress(for: "127.0.0.1", port: cloud.port))
        #expect(relay.address == "127.0.0.1" && relay.port != cloud.port)
        let device = try DeviceSocket(port: relay.port)
        try device.send("hello")
        #expect(try await eventually { cloud.received == "hello" })
        cloud.reply("world!")
        #expect(try device.receive(6) == "world!")
        #expect(try await eventually { network.flows.first?.downlinkBytes == 6 })
        let flow = try #require(network.flows.first)
        #expect(
            [flow.id, flow.uplinkBytes, flow.downlinkBytes, flow.heldBytes, flow.upWire.bytes, flow.downWire.bytes] == [1, 5, 6, 0, 5, 6])
        #expect(flow.target == "127.0.0.1:\(cloud.port)" && flow.ended == nil)
        // Not TLS: the ledger puts the bytes in no record, and still adds them up.
        #expect(flow.upWire.unframedBytes == 5 && flow.ledger(model: network.ipModel).up.total == 5)
        #expect(flow.ledger(model: network.ipModel).framingError?.hasPrefix("up: ") == true)
        await network.close()
        await cloud.stop()
    }

    @Test func anIdleFlowIsForgottenAndTheDevicesNextSendIsReset() async throws {
        let cloud = try await CloudServer()
        let clock = ManualClock()
        var conditions = LinkConditions()
        conditions.natIdleTimeout = .seconds(300)
        let network = DeviceNetwork(conditions: conditions, clock: clock)
        let relay = try #require(try network.relayAddress(for: "127.0.0.1", port: cloud.port))
        let device = try DeviceSocket(port: relay.port)
        try device.send("a")
        #expect(try await eventually { cloud.received == "a" })
        clock.advance(by: .seconds(299))
        try device.send("b")
        #expect(try await eventually { cloud.received == "ab" })
        clock.advance(by: .seconds(301))
        // Silence from the cloud now reaches nobody: the NAT has no mapping. The device is not told...
        cloud.reply("lost")
        #expect(try await eventually { network.flows.first?.downlinkBytes == 0 && cloud.closed == 0 })
        // ...until it sends.
        try device.send("c")
        #expect(throws: SocketFailure(errno: ECONNRESET)) { try device.receive(1) }
        #expect(try await eventually { network.flows.first?.ended == .natExpired && cloud.closed == 1 })
        #expect(cloud.received == "ab")
        await network.close()
        await cloud.stop()
    }

    /// A cloud server, a device network whose radio sleeps, and a device socket that sent "ping" through the relay.
    private func pingedThroughASleepingRadio() async throws -> (CloudServer, SleepingRadio, DeviceNetwork, DeviceSocket) {
        let cloud = try await CloudServer()
        let radio = SleepingRadio()
        let network = DeviceNetwork(radio: radio)
        let relay = try #require(try network.relayAddress(for: "127.0.0.1", port: cloud.port))
        let device = try DeviceSocket(port: relay.port)
        try device.send("ping")
        #expect(try await eventually { cloud.received == "ping" })
        return (cloud, radio, network, device)
    }

    @Test func downlinkWaitsForTheRadioAndUplinkWakesIt() async throws {
        let (cloud, radio, network, device) = try await self.pingedThroughASleepingRadio()
        #expect(radio.uplinks.withLock { $0 } == 1)
        cloud.reply("pong")
        #expect(try await eventually { radio.heldBytes == [4] })
        #expect(network.flows.first?.downlinkBytes == 0)
        radio.wake()
        #expect(try device.receive(4) == "pong")
        await network.close()
        await cloud.stop()
    }

    /// The cloud closing is downlink too (its FIN): a device in PSM learns of it when it wakes, after the bytes
    /// sent before it.
    @Test func theCloudsCloseWaitsForTheRadioAfterItsBytes() async throws {
        let (cloud, radio, network, device) = try await self.pingedThroughASleepingRadio()
        cloud.reply("bye")
        cloud.hangUp()
        #expect(try await eventually { radio.heldBytes == [3, 0] })
        #expect(network.flows.first?.ended == .closed)
        radio.wake()
        #expect(try device.receive(3) == "bye")
        #expect(throws: SocketFailure(errno: 0)) { try device.receive(1) }
        await network.close()
        await cloud.stop()
    }

    @Test func downlinkWithoutABearerResetsTheConnection() async throws {
        let (cloud, radio, network, device) = try await self.pingedThroughASleepingRadio()
        radio.off.withLock { $0 = true }
        cloud.reply("pong")
        #expect(throws: SocketFailure(errno: ECONNRESET)) { try device.receive(4) }
        #expect(try await eventually { network.flows.first?.ended == .bearerLost && cloud.closed == 1 })
        await network.close()
        await cloud.stop()
    }

    @Test func noBytesPassWithoutCoverageAndTheyFollowWhenItReturns() async throws {
        let cloud = try await CloudServer()
        let network = DeviceNetwork()
        let relay = try #require(try network.relayAddress(for: "127.0.0.1", port: cloud.port))
        let device = try DeviceSocket(port: relay.port)
        try device.send("1")
        #expect(try await eventually { cloud.received == "1" })
        network.update { $0.inCoverage = false }
        try device.send("23")
        #expect(try await eventually { network.flows.first?.heldBytes == 2 })
        #expect(cloud.received == "1")
        // A connection attempt meanwhile reaches nothing.
        let second = try DeviceSocket(port: relay.port)
        try second.send("x")
        #expect(try await eventually { network.flows.count == 2 && network.flows[1].heldBytes == 1 })
        #expect(cloud.accepted == 1)
        network.update { $0.inCoverage = true }
        #expect(try await eventually { cloud.received.count == 4 && cloud.accepted == 2 })
        #expect(cloud.received.hasPrefix("1") && cloud.received.contains("23") && cloud.received.contains("x"))
        await network.close()
        await cloud.stop()
    }

    @Test func dnsFailureFailsTheLookup() throws {
        var conditions = LinkConditions()
        conditions.dnsAvailable = false
        let network = DeviceNetwork(conditions: conditions)
        #expect(try network.relayAddress(for: "127.0.0.1", port: 1) == nil)
        network.update { $0.dnsAvailable = true }
        #expect(try network.relayAddress(for: "127.0.0.1", port: 1) != nil)
    }

    @Test func aScenarioRunsInOrderOnAnInjectedClock() async throws {
        let scenario = try ScenarioParser.parse("- at: \"00:01:00\"\n  coverage_lost: {for: 30s}\n", file: "s.yaml")
        let network = DeviceNetwork()
        let seen = Mutex<[(Duration, Bool)]>([])
        let runner = ScenarioRunner(scenario: scenario, network: network) { offset in
            seen.withLock { $0.append((offset, network.conditions.inCoverage)) }
        }
        try await runner.run()
        #expect(seen.withLock { $0.map(\.0) } == [.seconds(60), .seconds(90)])
        #expect(seen.withLock { $0.map(\.1) } == [true, false])
        #expect(network.conditions.inCoverage)
    }
}
