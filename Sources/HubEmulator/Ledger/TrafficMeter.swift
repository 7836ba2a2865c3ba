import NIOCore
import NIOSSL
import TrafficLedger

/// One MQTT/TLS connection's byte accounting on the hub's side, fed by the two handlers around the TLS handler:
/// ``WireByteCounter`` below it (the bytes on the socket, framed into TLS records by ``TLSRecordScanner``) and
/// ``PlaintextTap`` above it (the MQTT plaintext, sorted by ``MQTTByteClassifier``). Confined to the connection's
/// event loop; what it counts is published to the connection's ``HubConnectionLedger`` after every read and every flush.
///
/// Device to hub (up): a TLS 1.2 record before the first application-data record is handshake; so in TLS 1.3 are
/// the encrypted application-data-typed records of the client's flight (its Finished, and Certificate and
/// CertificateVerify when it presents one). Those cannot be told from application data by their headers: they are
/// the records that came before the handshake completed, less those whose plaintext (each record's fragment less
/// TLS 1.3's 17 bytes of inner type and tag) the TLS handler handed on as application data right after. Hub to
/// device (down): an application-data record is one the hub's own plaintext writes make (one record per write of
/// up to 16 KB, one SSL_write each; in TLS 1.3 exactly 17 bytes longer than the write, which tells it from the
/// session tickets BoringSSL sends in front of the first write); any other record before the first of them is
/// handshake (the server's flight and session tickets).
final class TrafficMeter {
    let ledger: HubConnectionLedger

    private var up = Direction()
    private var down = Direction()
    private var handshakes = 0

    // Up: the records of the handshake's end, resolved once the TLS handler says it completed.
    private var handshakeCompleted = false
    private var resolved = false
    private var tls13 = false
    private var plaintextAtCompletion = 0
    /// Application-data-typed records that came before the handshake was resolved: their fragment lengths.
    private var unresolved: [Int] = []
    private var upApplicationRecords = 0
    private var upApplicationBytes = 0

    // Down: the hub's plaintext writes, as the records they become: fragment length, whether keep-alive only.
    private var pendingWrites = CircularBuffer<(length: Int, keepAlive: Bool)>()
    private var downApplicationSeen = false
    private var downKeepAliveOverhead = 0

    // The scanners apart from what their records update (one access to each at a time).
    private var upScanner = TLSRecordScanner()
    private var downScanner = TLSRecordScanner()

    private struct Direction {
        var mqtt = MQTTByteClassifier()
        var wire = 0
        var handshake = 0
        /// The stream stopped being TLS records: what follows is not sorted (it counts as tlsRecords).
        var unframed = false
    }

    /// The TLS 1.3 AEAD overhead of a record's fragment: the inner content type byte and a 16-byte tag (RFC 8446
    /// §5.2; no padding, as BoringSSL and OpenSSL send).
    static let tls13Overhead = 17
    static let maximumFragment = 16384

    init(ledger: HubConnectionLedger) { self.ledger = ledger }

    // MARK: Device to hub

    /// Bytes read from the socket, before the TLS handler reads them.
    func wireIn(_ buffer: ByteBuffer) {
        self.up.wire += buffer.readableBytes
        guard !self.up.unframed else { return }
        do {
            try buffer.withUnsafeReadableBytes { bytes throws(TLSRecordError) in
                try self.upScanner.scan(bytes) { record in
                    if self.resolved {
                        if record.type == .applicationData {
                            self.upApplicationRecords += 1
                            self.upApplicationBytes += record.wireBytes
                        }
                    } else if record.type == .applicationData {
                        self.unresolved.append(record.length)
                    } else {
                        self.up.handshake += record.wireBytes
                    }
                }
            }
        } catch {
            self.up.unframed = true
        }
    }

    /// The TLS handler has read what ``wireIn(_:)`` saw: the end of the handshake is resolved if it completed.
    func wireInDone() {
        self.resolve()
        self.publish()
    }

    /// The TLS handler completed the handshake (`TLSUserEvent.handshakeCompleted`): the plaintext from here on is
    /// application data.
    func handshakeCompleted(version: TLSVersion?) {
        self.handshakes += 1
        self.handshakeCompleted = true
        self.tls13 = version == .tlsv13
        self.plaintextAtCompletion = self.up.mqtt.total
    }

    /// Plaintext the TLS handler read.
    func plaintextIn(_ buffer: ByteBuffer) {
        buffer.withUnsafeReadableBytes { self.up.mqtt.feed($0) }
    }

    private func resolve() {
        guard self.handshakeCompleted, !self.resolved else { return }
        self.resolved = true
        // Application data is the latest of the records: as many as carried the plaintext read since the handshake
        // completed (TLS 1.3); in TLS 1.2 every application-data record is application data.
        var applicationFrom = self.unresolved.count
        if self.tls13 {
            var plaintext = self.up.mqtt.total - self.plaintextAtCompletion
            while plaintext > 0, applicationFrom > 0 {
                applicationFrom -= 1
                plaintext -= self.unresolved[applicationFrom] - Self.tls13Overhead
            }
        } else {
            applicationFrom = 0
        }
        for (index, length) in self.unresolved.enumerated() {
            if index < applicationFrom {
                self.up.handshake += TLSRecordScanner.Record.headerLength + length
            } else {
                self.upApplicationRecords += 1
                self.upApplicationBytes += TLSRecordScanner.Record.headerLength + length
            }
        }
        self.unresolved = []
    }

    // MARK: Hub to device

    /// A plaintext write of the hub, before the TLS handler encrypts it.
    func plaintextOut(_ buffer: ByteBuffer) {
        let keepAliveBefore = self.down.mqtt.keepAlive
        buffer.withUnsafeReadableBytes { self.down.mqtt.feed($0) }
        let keepAlive = self.down.mqtt.keepAlive - keepAliveBefore == buffer.readableBytes
        var length = buffer.readableBytes
        while length > 0 {
            self.pendingWrites.append((min(length, Self.maximumFragment), keepAlive))
            length -= Self.maximumFragment
        }
    }

    /// Bytes the TLS handler writes to the socket.
    func wireOut(_ buffer: ByteBuffer) {
        self.down.wire += buffer.readableBytes
        guard !self.down.unframed else { return }
        do {
            try buffer.withUnsafeReadableBytes { bytes throws(TLSRecordError) in
                try self.downScanner.scan(bytes) { record in
                    if record.type == .applicationData, let write = self.pendingWrites.first,
                        self.tls13 ? record.length == write.length + Self.tls13Overhead : record.length >= write.length
                    {
                        self.pendingWrites.removeFirst()
                        self.downApplicationSeen = true
                        if write.keepAlive { self.downKeepAliveOverhead += record.wireBytes - write.length }
                    } else if !self.downApplicationSeen {
                        self.down.handshake += record.wireBytes
                    }
                }
            }
        } catch {
            self.down.unframed = true
        }
    }

    // MARK: Counts

    /// What the meter counted so far, as plain numbers (published after every read and every flush without allocating).
    var reading: TrafficReading {
        var reading = TrafficReading()
        reading.upWire = self.up.wire
        reading.upHandshake = self.up.handshake + self.unresolved.reduce(0) { $0 + TLSRecordScanner.Record.headerLength + $1 }
        reading.upPlaintext = self.up.mqtt.total
        reading.upPayload = self.up.mqtt.payload
        reading.upKeepAlive = self.up.mqtt.keepAlive
        reading.upPings = self.up.mqtt.pings
        // TLS 1.3's is fixed; TLS 1.2's depends on the cipher suite (24 bytes with AES-GCM's explicit nonce, 16 with
        // ChaCha20-Poly1305), so it is measured: every application-data record carries the same (alerts have a
        // content type of their own there).
        if self.tls13 {
            reading.upRecordOverhead = self.upApplicationRecords > 0 ? TLSRecordScanner.Record.headerLength + Self.tls13Overhead : 0
        } else if self.upApplicationRecords > 0 {
            reading.upRecordOverhead = max(0, self.upApplicationBytes - self.up.mqtt.total) / self.upApplicationRecords
        }
        reading.downWire = self.down.wire
        reading.downHandshake = self.down.handshake
        reading.downPlaintext = self.down.mqtt.total
        reading.downPayload = self.down.mqtt.payload
        reading.downKeepAlive = self.down.mqtt.keepAlive
        reading.downKeepAliveOverhead = self.downKeepAliveOverhead
        reading.handshakes = self.handshakes
        for type in 0..<16 { reading.packets[type] = self.up.mqtt.packets[type] + self.down.mqtt.packets[type] }
        return reading
    }

    func publish() {
        self.ledger.publish(self.reading)
    }

    /// The connection closed.
    func finish() {
        self.resolve()
        self.publish()
        self.ledger.close()
    }
}
