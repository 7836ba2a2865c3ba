/// What one direction of a TCP connection carried, as its TLS records show it.
public struct WireTally: Sendable, Equatable, Codable {
    /// Every byte that passed.
    public var bytes = 0
    /// Handshake and ChangeCipherSpec records (the TLS 1.2 handshake, its encrypted Finished included).
    public var handshakeBytes = 0
    public var handshakeRecords = 0
    /// Application-data records and their bytes (headers included).
    public var applicationRecords = 0
    public var applicationBytes = 0
    /// Alert records (a close_notify, a failed handshake).
    public var alertBytes = 0
    /// TCP segments the bytes needed: each chunk the relay forwarded, cut at the MSS.
    public var segments = 0
    /// The suite the ServerHello chose (downlink only).
    public var cipherSuite: UInt16?

    public init() {}

    /// Bytes not in a whole record yet, or not TLS at all.
    public var unframedBytes: Int { self.bytes - self.handshakeBytes - self.applicationBytes - self.alertBytes }
}

/// Counts one direction of a connection: the bytes, and the TLS records they hold.
public struct WireCounter: Sendable {
    public private(set) var tally = WireTally()
    private var scanner = TLSRecordScanner()
    /// The maximum segment size the bytes are cut at.
    public let maximumSegmentSize: Int

    public init(maximumSegmentSize: Int) {
        precondition(maximumSegmentSize > 0, "an MSS is above 0")
        self.maximumSegmentSize = maximumSegmentSize
    }

    /// `bytes`, one chunk as sent.
    public mutating func count(_ bytes: some Collection<UInt8>) {
        guard !bytes.isEmpty else { return }
        self.tally.bytes += bytes.count
        self.tally.segments += (bytes.count + self.maximumSegmentSize - 1) / self.maximumSegmentSize
        for record in self.scanner.scan(bytes) {
            switch record.type {
            case .handshake?, .changeCipherSpec?:
                self.tally.handshakeBytes += record.wireBytes
                self.tally.handshakeRecords += 1
            case .applicationData?:
                self.tally.applicationBytes += record.wireBytes
                self.tally.applicationRecords += 1
            case .alert?:
                self.tally.alertBytes += record.wireBytes
            case nil:
                break
            }
        }
        if let suite = self.scanner.cipherSuite { self.tally.cipherSuite = suite }
    }
}
