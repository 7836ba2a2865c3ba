import Logging

/// A log handler that prints only while its image is powered. After `sys_reboot()` a halted image's threads can
/// still run for a moment (its MQTT connection closing, a timer firing); on a board nothing of the old image reaches
/// the UART once the SoC resets, so their lines are dropped rather than mixed into MCUboot's console.
struct PoweredLogHandler: LogHandler {
    var wrapped: any LogHandler
    /// Set when the image is powered off (``DeviceFirmware/halt()``).
    let poweredOff: AtomicFlag

    var logLevel: Logger.Level {
        get { self.wrapped.logLevel }
        set { self.wrapped.logLevel = newValue }
    }

    var metadata: Logger.Metadata {
        get { self.wrapped.metadata }
        set { self.wrapped.metadata = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.wrapped[metadataKey: key] }
        set { self.wrapped[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        guard !self.poweredOff.isSet else { return }
        self.wrapped.log(event: event)
    }
}
