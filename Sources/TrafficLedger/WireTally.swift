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
    /// Why the bytes stopped being framed into records (``TLSRecordError``): the stream is not TLS from there on.
    /// Every byte is still counted in ``bytes``; those from the refused header on are in no record.
    public var framingError: String?

    public init() {}

    /// Bytes not in a whole record yet, in a heartbeat record, or not TLS at all (from ``framingError``'s header on).
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

    /// `bytes`, one chunk as sent: every byte and segment is counted; the records are framed until a header is not
    /// TLS (``WireTally/framingError``).
    public mutating func count(_ bytes: some Collection<UInt8>) {
        guard !bytes.isEmpty else { return }
        self.tally.bytes += bytes.count
        self.tally.segments += (bytes.count + self.maximumSegmentSize - 1) / self.maximumSegmentSize
        guard self.tally.framingError == nil else { return }
        // The tally apart from the scanner (one access to each at a time).
        var tally = self.tally
        let failure: TLSRecordError?
        if let framed = bytes.withContiguousStorageIfAvailable({ self.frame(UnsafeRawBufferPointer($0), into: &tally) }) {
            failure = framed
        } else {
            failure = Array(bytes).withUnsafeBytes { self.frame($0, into: &tally) }
        }
        if let failure { tally.framingError = failure.description }
        if let suite = self.scanner.cipherSuite { tally.cipherSuite = suite }
        self.tally = tally
    }

    /// Frames `bytes` into `tally`. - Returns: the header that is not TLS, if one is among them.
    private mutating func frame(_ bytes: UnsafeRawBufferPointer, into tally: inout WireTally) -> TLSRecordError? {
        do {
            try self.scanner.scan(bytes) { tally.add($0) }
            return nil
        } catch {
            return error
        }
    }
}

extension WireTally {
    fileprivate mutating func add(_ record: TLSRecordScanner.Record) {
        switch record.type {
        case .handshake, .changeCipherSpec:
            self.handshakeBytes += record.wireBytes
            self.handshakeRecords += 1
        case .applicationData:
            self.applicationBytes += record.wireBytes
            self.applicationRecords += 1
        case .alert:
            self.alertBytes += record.wireBytes
        case .heartbeat:
            break
        }
    }
}
