/// How many simulated seconds pass in each real second (`--time-scale`): 1 runs in real time, 60 a simulated minute
/// each real second. Simulated timers (the firmware's kernel timeouts, the modem's radio timers, the network model's
/// delays, the hub's service-level windows) wait `simulated / factor` in real time.
public struct TimeScale: Sendable, Hashable, CustomStringConvertible {
    /// The factors `--time-scale` accepts.
    public static let allowed: ClosedRange<Int> = 1...3600
    /// Real time.
    public static let realTime = TimeScale(checked: 1)

    /// Simulated seconds per real second.
    public let factor: Int

    /// - Throws: ``TimeScaleError`` when `factor` is outside ``allowed``.
    public init(_ factor: Int) throws(TimeScaleError) {
        guard Self.allowed.contains(factor) else { throw .outOfRange(factor) }
        self.factor = factor
    }

    /// Parses `--time-scale`'s text: an integer in ``allowed``.
    public init(parsing text: String) throws(TimeScaleError) {
        guard let factor = Int(text) else { throw .notAnInteger(text) }
        try self.init(factor)
    }

    private init(checked factor: Int) { self.factor = factor }

    /// The real time a simulated interval takes.
    public func real(_ simulated: Duration) -> Duration { simulated / self.factor }

    /// The simulated time a real interval stands for.
    public func simulated(_ real: Duration) -> Duration { real * self.factor }

    /// ``real(_:)`` in seconds (Dispatch and Foundation waits).
    public func realSeconds(_ simulatedSeconds: Double) -> Double { simulatedSeconds / Double(self.factor) }

    public var description: String { "\(self.factor)" }
}

/// A `--time-scale` value that cannot be used.
public enum TimeScaleError: Error, Equatable, CustomStringConvertible {
    case notAnInteger(String)
    case outOfRange(Int)

    public var description: String {
        switch self {
        case .notAnInteger(let text):
            "'\(text)' is not an integer; give simulated seconds per real second, \(TimeScale.allowed.lowerBound)...\(TimeScale.allowed.upperBound)"
        case .outOfRange(let factor):
            "\(factor) is out of range; give simulated seconds per real second, \(TimeScale.allowed.lowerBound)...\(TimeScale.allowed.upperBound)"
        }
    }
}
