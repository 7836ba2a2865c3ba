import Foundation
import JSON
import Logging
import MQTTCodec
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOConcurrencyHelpers
import Testing
@testable import HubEmulator

/// The HTTPS connection's bounds, on `NIOAsyncTestingChannel` time: the header, body and idle deadlines, no deadline
/// while a response is being made, and the authorization of a request on its head, before its body is read.
@Suite("HTTP hardening", .timeLimit(.minutes(1)))
struct HTTPHardeningTests {
    static var limits: Limits {
        var limits = Limits(descriptorLimit: nil)
        limits.httpsHeaderTimeout = .seconds(3)
        limits.httpsBodyTimeout = .seconds(5)
        limits.httpsIdleTimeout = .seconds(7)
        return limits
    }

    @Test("a connection that sends no request head within the header timeout is closed; one second before, it is open")
    func headerTimeout() async throws {
        try await HTTPTestHub.with(route: HTTPPipelineTests.fixedRoute) { hub in
            let connection = try await TestConnection(router: hub.router, limits: Self.limits)
            try await connection.send("GET /twins/x HTTP/1.1\r\nHost: h\r\n")
            await connection.channel.testingEventLoop.advanceTime(by: .seconds(2))
            #expect(connection.channel.isActive)
            await connection.channel.testingEventLoop.advanceTime(by: .seconds(1))
            try await connection.channel.closeFuture.get()
        }
    }

    @Test("a request body that does not end within the body timeout closes the connection")
    func bodyTimeout() async throws {
        try await HTTPTestHub.with(route: HTTPPipelineTests.fixedRoute) { hub in
            let connection = try await TestConnection(router: hub.router, limits: Self.limits)
            try await connection.send("PUT /size HTTP/1.1\r\nContent-Length: 100\r\n\r\n0123456789")
            await connection.channel.testingEventLoop.advanceTime(by: .seconds(4))
            #expect(connection.channel.isActive)
            await connection.channel.testingEventLoop.advanceTime(by: .seconds(1))
            try await connection.channel.closeFuture.get()
        }
    }

    @Test("a kept-alive connection is closed after the idle timeout with no new request, and not before")
    func idleTimeout() async throws {
        try await HTTPTestHub.with(route: HTTPPipelineTests.fixedRoute) { hub in
            let connection = try await TestConnection(router: hub.router, limits: Self.limits)
            try await connection.send("GET /twins/x HTTP/1.1\r\nHost: h\r\n\r\n")
            #expect(try await connection.response().hasPrefix("HTTP/1.1 200 OK"))
            await connection.channel.testingEventLoop.advanceTime(by: .seconds(6))
            #expect(connection.channel.isActive)
            try await connection.send("GET /twins/x HTTP/1.1\r\nHost: h\r\n\r\n")
            #expect(try await connection.response().hasPrefix("HTTP/1.1 200 OK"))
            await connection.channel.testingEventLoop.advanceTime(by: .seconds(6))
            #expect(connection.channel.isActive)
            await connection.channel.testingEventLoop.advanceTime(by: .seconds(1))
            try await connection.channel.closeFuture.get()
        }
    }

    @Test("while a response is being made (a direct method waiting for its device) no deadline runs")
    func noDeadlineWhileResponding() async throws {
        let pending = NIOLockedValueBox<EventLoopPromise<HTTPResponse>?>(nil)
        let route: HTTPRoute = { _, loop in
            let promise = loop.makePromise(of: HTTPResponse.self)
            pending.withLockedValue { $0 = promise }
            return promise.futureResult
        }
        try await HTTPTestHub.with(route: route) { hub in
            let connection = try await TestConnection(router: hub.router, limits: Self.limits)
            try await connection.send("POST /twins/x/methods HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}")
            while pending.withLockedValue({ $0 == nil }) { await Task.yield() }
            await connection.channel.testingEventLoop.advanceTime(by: .seconds(60))
            #expect(connection.channel.isActive)
            pending.withLockedValue { $0?.succeed(.json(.integer(1))) }
            #expect(try await connection.response().hasPrefix("HTTP/1.1 200 OK"))
        }
    }

    @Test("a request refused on its headers is answered 401 at once, its body is never read, and the connection closes")
    func refusedBeforeBody() async throws {
        let routed = NIOLockedValueBox(0)
        let route: HTTPRoute = { _, loop in
            routed.withLockedValue { $0 += 1 }
            return loop.makeSucceededFuture(.json(.null))
        }
        try await HTTPTestHub.with(route: route) { hub in
            let connection = try await TestConnection(router: hub.router, limits: Self.limits, checkHead: { request in
                request.header("Authorization") == nil ? .unauthorized("no Authorization header") : nil
            })
            try await connection.send("PUT /devices/d HTTP/1.1\r\nContent-Length: 8000000\r\n\r\n")
            try await connection.send([UInt8](repeating: 0x41, count: 64 * 1024))
            let response = try await connection.response()
            #expect(response.hasPrefix("HTTP/1.1 401 Unauthorized"))
            #expect(response.contains("Connection: close"))
            #expect(TestConnection.body(response)?["Message"]?.stringValue == "ErrorCode:IotHubUnauthorizedAccess;no Authorization header")
            try await connection.channel.closeFuture.get()
            #expect(routed.withLockedValue { $0 } == 0)
        }
    }
}

/// The connection count against the limits, in all and by peer.
@Suite("Connection admission")
struct ConnectionAdmissionTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test("a peer over its share is refused while another is admitted; the total bounds them all; a release makes room")
    func limits() {
        var limits = Limits(descriptorLimit: nil)
        limits.maximumConnections = 4
        limits.maximumConnectionsPerPeer = 2
        limits.maximumRefusalsInFlight = 1
        let admission = ConnectionAdmission(limits: limits, logger: Self.logger)
        #expect(admission.admit(peer: "127.0.0.1") == .admitted)
        #expect(admission.admit(peer: "127.0.0.1") == .admitted)
        let refused = admission.admit(peer: "127.0.0.1")
        guard case .refused(let reason) = refused else { Issue.record("not refused: \(refused)"); return }
        #expect(reason == "127.0.0.1 has 2 connections open (--max-connections-per-peer 2)")
        #expect(admission.admit(peer: "127.0.0.1") == .dropped)
        admission.release(refused, peer: "127.0.0.1")
        #expect(admission.admit(peer: "127.0.0.2") == .admitted)
        #expect(admission.admit(peer: "127.0.0.3") == .admitted)
        let full = admission.admit(peer: "127.0.0.4")
        #expect(full == .refused(reason: "the emulator has 4 connections open (--max-connections 4)"))
        admission.release(full, peer: "127.0.0.4")
        admission.release(.admitted, peer: "127.0.0.1")
        #expect(admission.count(peer: "127.0.0.1") == 1)
        #expect(admission.admit(peer: "127.0.0.4") == .admitted)
        #expect(admission.count() == 4)
    }

    @Test("the default total stays under the descriptor limit, with 128 kept for files")
    func defaults() {
        #expect(Limits(descriptorLimit: 1024).maximumConnections == 896)
        #expect(Limits(descriptorLimit: 1024).maximumConnectionsPerPeer == 224)
        #expect(Limits(descriptorLimit: nil).maximumConnections == 10_000)
    }
}

/// A connection over the limits on the MQTT listener.
@Suite("MQTT refusal")
struct MQTTRefusalTests {
    @Test("its CONNECT is answered CONNACK 3 (server unavailable) and the connection closes; without a CONNECT it closes after 5 s")
    func refused() throws {
        let channel = EmbeddedChannel(handler: MQTTRefusalHandler(reason: "test", logger: ConnectionAdmissionTests.logger))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8883)).wait()
        try channel.writeInbound(channel.allocator.buffer(bytes: SessionHarness.connectPacket("dev1").encoded()))
        let reply = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(Array(reply.readableBytesView) == [0x20, 0x02, 0x00, 0x03])
        #expect(!channel.isActive)

        let silent = EmbeddedChannel(handler: MQTTRefusalHandler(reason: "test", logger: ConnectionAdmissionTests.logger))
        try silent.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8883)).wait()
        silent.embeddedEventLoop.advanceTime(by: .seconds(4))
        #expect(silent.isActive)
        silent.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!silent.isActive)
    }
}
