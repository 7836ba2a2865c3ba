import FirmwareConfig

/// Documented bugs of the real library (ncs-azure-iot-hub.md §1.4) that nrfsim reproduces by default, each fixed
/// by a `CONFIG_SIM_AZURE_IOT_HUB_FIX_*` option.
public struct SimulatorFixes: Sendable, Equatable {
    /// Q1: generated request ids are `k_uptime_get_32()` cut to 3 digits (`snprintk(buf, sizeof(size_t), …)` on a
    /// 32-bit SoC). Fixed: all digits.
    public var fullRequestID: Bool
    /// Q4: `TWIN_RESULT_FAIL` carries no request id or status. Fixed: both are filled in.
    public var twinResultFailData: Bool
    /// §3.3: `connect()` waits the whole DPS timeout after a failed registration. Fixed: it returns `-ECONNREFUSED`
    /// as soon as DPS reports the failure.
    public var dpsFailFast: Bool

    public init(fullRequestID: Bool = false, twinResultFailData: Bool = false, dpsFailFast: Bool = false) {
        self.fullRequestID = fullRequestID
        self.twinResultFailData = twinResultFailData
        self.dpsFailFast = dpsFailFast
    }

    public init(_ configuration: FirmwareConfiguration) {
        self.init(
            fullRequestID: configuration.value("SIM_AZURE_IOT_HUB_FIX_REQUEST_ID") ?? false,
            twinResultFailData: configuration.value("SIM_AZURE_IOT_HUB_FIX_TWIN_RESULT_FAIL") ?? false,
            dpsFailFast: configuration.value("SIM_AZURE_IOT_HUB_FIX_DPS_WAIT") ?? false)
    }
}
