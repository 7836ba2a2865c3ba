import NIOCore
import NIOEmbedded
import Testing

@testable import HubEmulator

/// A session's steps run one after the other; the backlog of steps waiting behind a slow one has a bound, over which
/// the connection's reads are held.
@Suite("Serial steps")
struct SerialStepsTests {
    final class Probe: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
    }

    @Test("reads are held once 512 steps wait behind a pending one, and resumed once half of them ran; steps keep their order")
    func backlogBound() throws {
        let channel = EmbeddedChannel(handler: Probe())
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1883)).wait()
        let context = try channel.pipeline.syncOperations.context(handlerType: Probe.self)
        var holds: [(Bool, Int)] = []
        var ran: [Int] = []
        var pending: [EventLoopPromise<Void>] = []
        let steps = SerialSteps(flush: { _ in }, holdReads: { _, hold in holds.append((hold, ran.count)) })
        for index in 0..<(SerialSteps.maximumBacklog + 1) {
            steps.perform(context) { _ in
                ran.append(index)
                let promise = channel.eventLoop.makePromise(of: Void.self)
                pending.append(promise)
                return promise.futureResult
            }
        }
        // The first runs and waits; the other 512 queue behind it: reads are held at the 512th.
        #expect(ran == [0])
        #expect(holds.map(\.0) == [true])
        while holds.count < 2, !pending.isEmpty {
            pending.removeFirst().succeed(())
        }
        #expect(holds.map(\.0) == [true, false])
        // Resumed when the step that left 256 waiting was taken: the 257th to run.
        #expect(holds[1].1 == SerialSteps.maximumBacklog / 2)
        while !pending.isEmpty { pending.removeFirst().succeed(()) }
        #expect(ran == Array(0...SerialSteps.maximumBacklog))
    }
}
