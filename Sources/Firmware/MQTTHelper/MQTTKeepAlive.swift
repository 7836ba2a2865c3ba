import SimCore

/// The keep-alive handed to libmosquitto under a time scale.
///
/// The MQTT helper's thread keeps `CONFIG_MQTT_KEEPALIVE` on the kernel clock: it polls the socket for
/// `mqtt_keepalive_time_left()` and then calls `mqtt_live()` (nrf/subsys/net/lib/mqtt_helper/mqtt_helper.c:757-770,
/// sdk-nrf v2.9.0). libmosquitto, which stands in for it, keeps time with the host's real clock
/// and refuses a keep-alive below 5 s (`mosquitto_connect()`, lib/connect.c), so it cannot run on the scaled kernel
/// clock. It gets the simulated keep-alive in real seconds, `keepalive / scale`, at least 5: PINGREQs then come at
/// the simulated rate as long as that is above libmosquitto's floor. The CONNECT packet carries that real value, and
/// the hub's keep-alive watchdog (a protocol timer on real time) reads it as real seconds.
public enum MQTTKeepAlive {
    /// libmosquitto's smallest keep-alive other than 0 (off).
    public static let libraryMinimum = 5

    /// The keep-alive, in real seconds, to pass to `mosquitto_connect()` for a simulated `seconds` (0 stays off;
    /// real time leaves it as configured).
    public static func libraryKeepAlive(_ seconds: Int, scale: TimeScale) -> Int {
        guard seconds > 0, scale != .realTime else { return seconds }
        let real = Int((Double(seconds) / Double(scale.factor)).rounded())
        return max(Self.libraryMinimum, real)
    }
}
