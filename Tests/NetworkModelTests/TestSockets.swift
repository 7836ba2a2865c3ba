#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOPosix
import Synchronization

/// A device's end: a plain blocking socket, as libmosquitto uses (never on an event loop).
final class DeviceSocket {
    let fd: Int32

    init(port: Int) throws {
        self.fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(self.fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(self.fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { throw SocketFailure(errno: errno) }
    }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        guard Glibc.send(self.fd, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count else { throw SocketFailure(errno: errno) }
    }

    /// Exactly `count` bytes, or the error that ended the connection (0: closed).
    func receive(_ count: Int) throws(SocketFailure) -> String {
        var buffer = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = buffer.withUnsafeMutableBytes { recv(self.fd, $0.baseAddress! + got, count - got, 0) }
            if n <= 0 { throw SocketFailure(errno: n == 0 ? 0 : errno) }
            got += n
        }
        return String(decoding: buffer, as: UTF8.self)
    }

    deinit { close(self.fd) }
}

struct SocketFailure: Error, Equatable { var errno: Int32 }

/// The cloud's end: a NIO server that records what it receives and can answer on its latest connection.
final class CloudServer: Sendable {
    let channel: any Channel
    private let state = Mutex<(received: String, accepted: Int, closed: Int, latest: (any Channel)?)>(("", 0, 0, nil))

    var port: Int { self.channel.localAddress!.port! }
    var received: String { self.state.withLock { $0.received } }
    var accepted: Int { self.state.withLock { $0.accepted } }
    var closed: Int { self.state.withLock { $0.closed } }

    init() async throws {
        let box = Mutex<CloudServer?>(nil)
        self.channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let server = box.withLock({ $0 }) else { return }
                    try channel.pipeline.syncOperations.addHandler(Recorder(server: server))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        box.withLock { $0 = self }
    }

    func reply(_ text: String) {
        guard let latest = self.state.withLock({ $0.latest }) else { return }
        latest.writeAndFlush(ByteBuffer(string: text), promise: nil)
    }

    /// Closes the latest connection from the cloud's side.
    func hangUp() { self.state.withLock { $0.latest }?.close(promise: nil) }

    fileprivate func record(accepted channel: any Channel) { self.state.withLock { $0.accepted += 1; $0.latest = channel } }
    fileprivate func record(_ text: String) { self.state.withLock { $0.received += text } }
    fileprivate func recordClose() { self.state.withLock { $0.closed += 1 } }

    func stop() async { try? await self.channel.close() }
}

private final class Recorder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let server: CloudServer
    init(server: CloudServer) { self.server = server }
    func channelActive(context: ChannelHandlerContext) { self.server.record(accepted: context.channel) }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.server.record(String(buffer: Self.unwrapInboundIn(data)))
    }
    func channelInactive(context: ChannelHandlerContext) { self.server.recordClose() }
}

/// Waits for `condition` (polling), failing after 10 s: an event, never a fixed sleep.
func eventually(_ condition: () -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + .seconds(10)
    while !condition() {
        if ContinuousClock.now > deadline { return false }
        try await Task.sleep(for: .milliseconds(5))
    }
    return true
}
