/// A timeline of network changes for one device, from a scenario file.
public struct Scenario: Sendable, Equatable {
    /// One change to the conditions.
    public enum Change: Sendable, Equatable {
        case latency(Duration)
        case jitter(Duration)
        case loss(Double)
        case bandwidth(upKbps: Int, downKbps: Int)
        /// nil: the NAT no longer times flows out.
        case natTimeout(Duration?)
        case coverage(Bool)
        case dns(Bool)
        /// What the LTE network grants the modem: applied to the device's radio, not to these conditions.
        case radio(RadioNetworkChange)

        public func apply(to conditions: inout LinkConditions) {
            switch self {
            case .latency(let value): conditions.latency = value
            case .jitter(let value): conditions.jitter = value
            case .loss(let value): conditions.loss = value
            case .bandwidth(let up, let down): (conditions.uplinkKbps, conditions.downlinkKbps) = (up, down)
            case .natTimeout(let value): conditions.natIdleTimeout = value
            case .coverage(let value): conditions.inCoverage = value
            case .dns(let value): conditions.dnsAvailable = value
            case .radio: break
            }
        }
    }

    /// A change at a time from the scenario's start.
    public struct Step: Sendable, Equatable {
        public var at: Duration
        public var change: Change

        public init(at: Duration, change: Change) {
            self.at = at
            self.change = change
        }
    }

    /// In time order; changes at the same time in the file's order (a span's end after what starts then).
    public var steps: [Step]

    public init(steps: [Step]) {
        // A stable sort: Array.sort is not guaranteed stable, so sort indices.
        self.steps = steps.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
    }

    /// The steps after `time` only (those up to it are in ``conditions(at:from:)``).
    public func after(_ time: Duration) -> Scenario {
        Scenario(steps: self.steps.filter { $0.at > time })
    }

    /// The radio-network changes up to `time`, in order (those at the start apply before the modem's first attach).
    public func radioChanges(upTo time: Duration) -> [RadioNetworkChange] {
        self.steps.compactMap { step in
            guard step.at <= time, case .radio(let change) = step.change else { return nil }
            return change
        }
    }

    /// The conditions at `time`, from `initial`.
    public func conditions(at time: Duration, from initial: LinkConditions) -> LinkConditions {
        var conditions = initial
        for step in self.steps where step.at <= time { step.change.apply(to: &conditions) }
        return conditions
    }
}
