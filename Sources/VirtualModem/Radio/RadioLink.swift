/// The radio's power states while LTE is on, as a pure state machine driven by the time it is given.
///
/// - ``RadioState/connected``: RRC connected; the network releases the connection after
///   ``Configuration/rrcInactivity`` with no data.
/// - ``RadioState/idle`` / ``RadioState/edrxIdle``: RRC idle, reachable by paging (at once, or at the next eDRX paging
///   occasion when eDRX is granted).
/// - ``RadioState/psm``: after T3324 (the active time) in idle with PSM granted. Unreachable: downlink waits for the
///   device to wake, on the periodic TAU (T3412 extended, counted from the release to idle) or on uplink data.
///
/// Downlink that cannot be delivered is held here, in arrival order, and released by the transition that makes the
/// device reachable. The choice mirrors the network: the serving gateway buffers downlink for a UE in PSM or eDRX
/// (3GPP TS 23.401 5.3.4.3, "extended buffering") rather than dropping it, and releases it when the UE connects.
///
/// Time spent in each state is kept (``timeSpent(in:at:)``) for energy accounting.
public struct RadioLink: Sendable {
    public struct Configuration: Sendable, Equatable {
        public var rrcInactivity: Duration
        /// The granted PSM timers, or nil when PSM is not in use.
        public var psm: (periodicTAU: Duration, activeTime: Duration)?
        /// The granted eDRX cycle, or nil when eDRX is not in use.
        public var edrxCycle: Duration?

        public init(rrcInactivity: Duration, psm: (periodicTAU: Duration, activeTime: Duration)? = nil, edrxCycle: Duration? = nil) {
            self.rrcInactivity = rrcInactivity
            self.psm = psm
            self.edrxCycle = edrxCycle
        }

        public static func == (a: Configuration, b: Configuration) -> Bool {
            a.rrcInactivity == b.rrcInactivity && a.edrxCycle == b.edrxCycle
                && a.psm?.periodicTAU == b.psm?.periodicTAU && a.psm?.activeTime == b.psm?.activeTime
        }
    }

    /// Why the device left PSM.
    public enum WakeReason: String, Sendable, Equatable {
        case periodicTAU = "periodic TAU"
        case uplink = "uplink data"
    }

    /// A downlink packet the network holds for the device.
    public struct HeldDownlink: Sendable, Equatable {
        public let id: UInt64
        public let byteCount: Int
        /// When it arrived at the network.
        public let since: Duration
    }

    public enum Event: Sendable, Equatable {
        case rrcConnected
        case rrcIdle
        case enteredPSM
        case leftPSM(WakeReason)
        /// Held downlink now delivered, in arrival order.
        case released([HeldDownlink])
    }

    /// What happened to one downlink packet.
    public enum DownlinkFate: Sendable, Equatable {
        case delivered
        case held
        /// LTE is off: nothing receives it.
        case dropped
    }

    public private(set) var state: RadioState = .off
    /// When ``state`` began.
    public private(set) var stateSince: Duration = .zero
    public private(set) var configuration: Configuration
    /// Downlink waiting for the device, oldest first.
    public private(set) var held: [HeldDownlink] = []
    /// Periodic TAUs performed (each wakes the device from PSM, or renews the registration from idle).
    public private(set) var periodicTAUs = 0
    /// RRC connection set-ups: each is signalling and radio time on its own.
    public private(set) var rrcConnections = 0
    /// False while the device has no cell (it searches, in ``RadioState/idle``): nothing connects, downlink is held.
    public private(set) var inCoverage = true
    private var spent: [RadioState: Duration] = [:]
    private var inactivityDeadline: Duration?
    private var activeTimeDeadline: Duration?
    private var tauDeadline: Duration?
    private var pagingDeadline: Duration?

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Time spent in `state` up to `now` (which must not be before the last transition).
    public func timeSpent(in state: RadioState, at now: Duration) -> Duration {
        let past = self.spent[state] ?? .zero
        return state == self.state ? past + max(.zero, now - self.stateSince) : past
    }

    /// The earliest time at which ``advance(to:)`` has something to do.
    public var nextDeadline: Duration? {
        [self.inactivityDeadline, self.activeTimeDeadline, self.tauDeadline, self.pagingDeadline].compactMap { $0 }.min()
    }

    /// LTE comes up: the attach is signalling, so RRC connected.
    public mutating func attach(at now: Duration, configuration: Configuration) -> [Event] {
        var events = self.advance(to: now)
        self.configuration = configuration
        guard self.state == .off else { return events }
        guard self.inCoverage else {
            self.move(to: .idle, at: now)  // searching
            return events
        }
        events += self.connect(at: now)
        return events
    }

    /// New grants while attached (a TAU after `+CPSMS` or `+CEDRXS`): they apply from the next release to idle.
    public mutating func reconfigure(_ configuration: Configuration, at now: Duration) -> [Event] {
        var events = self.advance(to: now)
        self.configuration = configuration
        if self.state != .off, self.inCoverage { events += self.connect(at: now) }  // the TAU is signalling
        return events
    }

    /// The cell is lost: an RRC connection drops, no timer runs (no PSM while searching, no periodic TAU), downlink
    /// is held.
    public mutating func coverageLost(at now: Duration) -> [Event] {
        var events = self.advance(to: now)
        guard self.inCoverage else { return events }
        self.inCoverage = false
        guard self.state != .off else { return events }
        if self.state == .connected { events.append(.rrcIdle) }
        // Asleep in PSM it stays asleep; awake it searches (RRC idle, at idle's power).
        if self.state != .psm { self.move(to: .idle, at: now) }
        self.clearTimers()
        return events
    }

    /// A cell is found again: the registration (a TAU) is signalling, so RRC connected; held downlink passes.
    public mutating func coverageReturned(at now: Duration) -> [Event] {
        var events = self.advance(to: now)
        guard !self.inCoverage else { return events }
        self.inCoverage = true
        if self.state != .off { events += self.connect(at: now) }
        return events
    }

    /// LTE goes down (`+CFUN=0/4/20`). Held downlink is discarded with the bearer.
    public mutating func detach(at now: Duration) -> [Event] {
        var events = self.advance(to: now)
        if self.state == .connected { events.append(.rrcIdle) }
        self.move(to: .off, at: now)
        self.clearTimers()
        self.held = []
        return events
    }

    /// The device sends data: it connects (waking from PSM if asleep) and the inactivity timer restarts.
    /// - Returns: the events, or nil when LTE is off (nothing can be sent).
    public mutating func uplink(at now: Duration) -> [Event]? {
        var events = self.advance(to: now)
        if self.state != .off, !self.inCoverage { return events }  // no cell: nothing leaves the device
        switch self.state {
        case .off: return nil
        case .psm:
            events.append(.leftPSM(.uplink))
            events += self.connect(at: now)
        case .idle, .edrxIdle, .connected:
            events += self.connect(at: now)
        }
        return events
    }

    /// Downlink of `byteCount` bytes arrives at the network for the device.
    public mutating func downlink(id: UInt64, byteCount: Int, at now: Duration) -> (fate: DownlinkFate, events: [Event]) {
        var events = self.advance(to: now)
        switch self.state {
        case .off:
            return (.dropped, events)
        case _ where !self.inCoverage:
            self.held.append(HeldDownlink(id: id, byteCount: byteCount, since: now))
            return (.held, events)
        case .connected:
            events += self.connect(at: now)
            return (.delivered, events)
        case .idle:
            // Paged at once: the device connects to take it.
            events += self.connect(at: now)
            return (.delivered, events)
        case .edrxIdle, .psm:
            self.held.append(HeldDownlink(id: id, byteCount: byteCount, since: now))
            if self.state == .edrxIdle, self.pagingDeadline == nil, let cycle = self.configuration.edrxCycle {
                // The next paging occasion: eDRX cycles counted from the release to idle.
                let elapsed = now - self.stateSince
                let cycles = Int((elapsed / cycle).rounded(.down)) + 1
                self.pagingDeadline = self.stateSince + cycle * cycles
            }
            return (.held, events)
        }
    }

    /// Runs every timer that expires up to `now`, each at its own expiry time.
    public mutating func advance(to now: Duration) -> [Event] {
        var events: [Event] = []
        while let deadline = self.nextDeadline, deadline <= now {
            if deadline == self.inactivityDeadline {
                self.inactivityDeadline = nil
                events.append(.rrcIdle)
                self.release(at: deadline)
                if let psm = self.configuration.psm, psm.activeTime == .zero {
                    events += self.sleep(at: deadline)
                }
            } else if deadline == self.activeTimeDeadline {
                self.activeTimeDeadline = nil
                events += self.sleep(at: deadline)
            } else if deadline == self.pagingDeadline {
                self.pagingDeadline = nil
                events += self.connect(at: deadline)
            } else if deadline == self.tauDeadline {
                self.tauDeadline = nil
                self.periodicTAUs += 1
                if self.state == .psm { events.append(.leftPSM(.periodicTAU)) }
                events += self.connect(at: deadline)
            }
        }
        return events
    }

    private mutating func connect(at now: Duration) -> [Event] {
        var events: [Event] = []
        if self.state != .connected {
            self.move(to: .connected, at: now)
            self.rrcConnections += 1
            events.append(.rrcConnected)
        }
        self.clearTimers()
        self.inactivityDeadline = now + self.configuration.rrcInactivity
        if !self.held.isEmpty {
            events.append(.released(self.held))
            self.held = []
        }
        return events
    }

    private mutating func release(at now: Duration) {
        self.move(to: self.configuration.edrxCycle == nil ? .idle : .edrxIdle, at: now)
        if let psm = self.configuration.psm {
            self.activeTimeDeadline = psm.activeTime == .zero ? nil : now + psm.activeTime
            self.tauDeadline = now + psm.periodicTAU
        }
    }

    private mutating func sleep(at now: Duration) -> [Event] {
        self.move(to: .psm, at: now)
        self.pagingDeadline = nil
        return [.enteredPSM]
    }

    private mutating func clearTimers() {
        self.inactivityDeadline = nil
        self.activeTimeDeadline = nil
        self.tauDeadline = nil
        self.pagingDeadline = nil
    }

    private mutating func move(to state: RadioState, at now: Duration) {
        self.spent[self.state, default: .zero] += max(.zero, now - self.stateSince)
        self.state = state
        self.stateSince = now
    }
}

/// The radio's power state, for the modem and for energy accounting.
public enum RadioState: String, Sendable, CaseIterable {
    /// LTE off (`+CFUN` 0, 4 or 20).
    case off
    /// RRC connected.
    case connected
    /// RRC idle, paged at once.
    case idle
    /// RRC idle with eDRX: paged once per eDRX cycle.
    case edrxIdle = "edrx-idle"
    /// Power saving mode: registered but unreachable.
    case psm
}
