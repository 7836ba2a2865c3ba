/// Changes made by the network rather than by an AT command: new grants (a scenario's `psm`, `edrx`,
/// `rrc_inactivity`) and the loss and return of coverage.
extension ModemCore {
    /// `+CEREG`'s `<stat>`: 0 not registered (LTE off), 1 registered (home), 2 not registered and searching (no
    /// cell), as the nRF91 AT commands manual defines them.
    public var registrationStatus: Int {
        guard self.lteActive else { return 0 }
        return self.radio.inCoverage ? 1 : 2
    }

    /// Whether the LTE link is up as the modem library's network interface sees it: from the first registration
    /// after LTE comes up until LTE goes down. A search for a cell (`+CEREG: 2`) is not a loss: lte_net_if's
    /// `lte_reg_handler()` (nrf/lib/nrf_modem_lib/lte_net_if/lte_net_if.c, sdk-nrf v2.9.0) keeps the serving cell
    /// on `LTE_LC_NW_REG_SEARCHING` until a status that is not registered follows.
    public var linkUp: Bool { self.lteActive && self.hasCell }

    /// The network grants `policy` from now on. While registered this is what a TAU accept would do: the radio
    /// reconfigures (the TAU is signalling), `+CEREG` at level 4 or 5 reports the granted timers and `+CEDRXP` a
    /// changed eDRX answer. Out of coverage the new grants wait for the registration that ends the gap.
    /// - Returns: the unsolicited result codes raised.
    public mutating func setNetwork(_ policy: NetworkPolicy, at now: Duration) -> [String] {
        self.now = max(self.now, now)
        var notifications = self.radioNotifications(self.radio.advance(to: self.now))
        let edrxBefore = self.edrxReport
        let before = self.radioConfiguration
        let grantedBefore = self.grantedPSM.map { [$0.periodicTAU, $0.activeTime] }
        self.network = policy
        guard self.registrationStatus == 1 else { return notifications }
        if self.radioConfiguration != before {
            notifications += self.radioNotifications(self.radio.reconfigure(self.radioConfiguration, at: self.now))
        }
        if self.registrationReporting >= 4, self.grantedPSM.map({ [$0.periodicTAU, $0.activeTime] }) != grantedBefore {
            notifications.append(self.registrationStatusLine(urc: true))
        }
        if self.edrxReport != edrxBefore { notifications += self.edrxNotification }
        return notifications
    }

    /// The device leaves or re-enters coverage: `+CEREG: 2` (searching) and back to registered, when subscribed;
    /// the radio's RRC connection drops and comes back with the registration.
    public mutating func setCoverage(_ inCoverage: Bool, at now: Duration) -> [String] {
        self.now = max(self.now, now)
        var notifications = self.radioNotifications(self.radio.advance(to: self.now))
        guard inCoverage != self.radio.inCoverage else { return notifications }
        let events = inCoverage ? self.radio.coverageReturned(at: self.now) : self.radio.coverageLost(at: self.now)
        notifications += self.radioNotifications(events)
        guard self.lteActive else { return notifications }
        if inCoverage { self.hasCell = true }
        if self.registrationReporting > 0 { notifications.append(self.registrationStatusLine(urc: true)) }
        if inCoverage { notifications += self.edrxNotification }
        return notifications
    }
}
