// What both load modes share: client identities, MQTT framing, errors and percentiles.
import Crypto
import Foundation
import MQTTCodec
import NIOCore
import NIOPosix
import NIOSSL
import SwiftASN1
import X509

/// A client certificate (CN = id) signed by the client CA.
func identity(_ id: String, caCert: Certificate, caKey: P256.Signing.PrivateKey) throws -> (NIOSSLCertificate, NIOSSLPrivateKey) {
    let key = P256.Signing.PrivateKey()
    let now = Date()
    let certificate = try Certificate(
        version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey), notValidBefore: now - 3600, notValidAfter: now + 86400,
        issuer: caCert.subject, subject: try DistinguishedName { CommonName(id) }, signatureAlgorithm: .ecdsaWithSHA256,
        extensions: try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            try ExtendedKeyUsage([.clientAuth])
        },
        issuerPrivateKey: .init(caKey))
    var serializer = DER.Serializer()
    try serializer.serialize(certificate)
    return (try NIOSSLCertificate(bytes: serializer.serializedBytes, format: .der), try NIOSSLPrivateKey(bytes: Array(key.derRepresentation), format: .der))
}

/// Splits the byte stream into packets.
struct Frames: ByteToMessageDecoder {
    typealias InboundOut = MQTTPacket
    let decoder = MQTTDecoder()
    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let decoder = self.decoder
        guard let (packet, length) = try buffer.withUnsafeReadableBytes({ try decoder.decode(contiguous: $0) }) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: length)
        context.fireChannelRead(Self.wrapInboundOut(packet))
        return .continue
    }
}

/// Tells the benchmark that the clients are connected and the timed phase starts (it reads the brokers' CPU time).
func announceConnected() {
    FileHandle.standardError.write(Data("connected\n".utf8))
}

struct LoadError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The value at fraction `p` of sorted samples.
func percentile(_ sorted: [Double], _ p: Double) -> Double {
    sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}

/// Connects a TLS client (server name `localhost`) whose MQTT pipeline ends in `handler`.
func connectClient(
    on loop: any EventLoop, tls context: NIOSSLContext, handler: some ChannelHandler & Sendable, host: String, port: Int
) -> EventLoopFuture<any Channel> {
    ClientBootstrap(group: loop)
        .channelOption(.socketOption(.tcp_nodelay), value: 1)
        .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: "localhost"))
                try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(Frames()))
                try channel.pipeline.syncOperations.addHandler(handler)
            }
        }
        .connect(host: host, port: port)
}
