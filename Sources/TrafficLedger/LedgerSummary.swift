/// The ledger as the device console prints it (on demand and at exit).
public enum LedgerSummary {
    public static func lines(_ ledger: DeviceLedger) -> [String] {
        func row(_ name: String, _ up: Int, _ down: Int) -> String {
            name.padding(16) + grouped(up).leftPadding(12) + grouped(down).leftPadding(12)
        }
        let radio = ledger.radio
        let total = max(radio.totalSeconds, 1e-9)
        func share(_ seconds: Double) -> String { "\(clock(seconds)) (\(percent(seconds / total)))" }
        let p = ledger.profile
        var lines = [
            "--- nrfsim ledger: \(clock(ledger.simulatedSeconds)) simulated, \(ledger.connections.count) connection\(ledger.connections.count == 1 ? "" : "s"), \(ledger.handshakes) TLS handshake\(ledger.handshakes == 1 ? "" : "s") ---",
            "bytes".padding(16) + "up".leftPadding(12) + "down".leftPadding(12),
            row("TLS handshake", ledger.up.tlsHandshake, ledger.down.tlsHandshake),
            row("TLS records", ledger.up.tlsRecords, ledger.down.tlsRecords),
            row("MQTT control", ledger.up.mqttControl, ledger.down.mqttControl),
            row("MQTT payload", ledger.up.mqttPayload, ledger.down.mqttPayload),
            row("keep-alive", ledger.up.keepAlive, ledger.down.keepAlive),
            row("total", ledger.up.total, ledger.down.total),
            row("IP/TCP headers", ledger.ipOverheadUp, ledger.ipOverheadDown),
            "per day: \(grouped(Int(ledger.perDay.bytesUp.rounded()))) B up, \(grouped(Int(ledger.perDay.bytesDown.rounded()))) B down, \(fixed(ledger.perDay.handshakes, 1)) handshakes",
            "radio: RRC connected \(share(radio.connectedSeconds)), idle \(share(radio.idleSeconds)), eDRX idle \(share(radio.edrxIdleSeconds)), PSM \(share(radio.psmSeconds)); \(radio.rrcConnections) RRC connection\(radio.rrcConnections == 1 ? "" : "s"), \(radio.periodicTAUs) periodic TAU\(radio.periodicTAUs == 1 ? "" : "s")",
            "energy: \(fixed(ledger.energyJoules, 3)) J, \(fixed(ledger.perDay.energyJoules, 1)) J/day",
            "  profile: \(fixed(Double(p.supplyMillivolts) / 1000, 1)) V; connected \(amps(p.connectedNanoamps)), idle \(amps(p.idleNanoamps)), eDRX idle \(amps(p.edrxIdleNanoamps)), PSM \(amps(p.psmNanoamps)), \(fixed(Double(p.periodicTAUMicrojoules) / 1000, 1)) mJ per TAU",
        ]
        for connection in ledger.connections {
            lines.append(
                "  #\(connection.id) \(connection.target) \(connection.ended ?? "open"): \(grouped(connection.up.total)) B up, \(grouped(connection.down.total)) B down\(connection.handshake ? ", TLS handshake" : "")\(connection.framingError.map { " (not TLS, \($0))" } ?? "")")
        }
        return lines
    }

    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return (value < 0 ? "-" : "") + out
    }

    static func clock(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded(.down))
        let (h, m, s) = (whole / 3600, whole / 60 % 60, whole % 60)
        return "\(h):\(m < 10 ? "0" : "")\(m):\(s < 10 ? "0" : "")\(s)"
    }

    static func percent(_ fraction: Double) -> String { fixed(fraction * 100, 1) + " %" }

    static func fixed(_ value: Double, _ places: Int) -> String {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = Int((value * scale).rounded())
        guard places > 0 else { return String(scaled) }
        let sign = scaled < 0 ? "-" : ""
        let magnitude = scaled.magnitude
        let fraction = String(magnitude % UInt(scale))
        return sign + String(magnitude / UInt(scale)) + "." + String(repeating: "0", count: places - fraction.count) + fraction
    }

    static func amps(_ nanoamps: Int) -> String {
        if nanoamps >= 1_000_000 { return fixed(Double(nanoamps) / 1e6, 1) + " mA" }
        return fixed(Double(nanoamps) / 1e3, 1) + " µA"
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - self.count)) }
    fileprivate func leftPadding(_ width: Int) -> String { String(repeating: " ", count: max(0, width - self.count)) + self }
}
