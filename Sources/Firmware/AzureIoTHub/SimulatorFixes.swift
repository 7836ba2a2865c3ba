import FirmwareConfig

/// Bugs of the real library, read in nrfconnect/sdk-nrf v2.9.0 `subsys/net/lib/azure_iot_hub/src/azure_iot_hub.c`, that
/// nrfsim reproduces by default, each fixed by a `CONFIG_SIM_AZURE_IOT_HUB_FIX_*` option.
public struct SimulatorFixes: Sendable, Equatable {
    /// Generated request ids are `k_uptime_get_32()` cut to 3 digits (`snprintk(buf, sizeof(buf_size), …)` with a
    /// 4-byte `size_t` on a 32-bit SoC; `azure_iot_hub.c:649`). Fixed: all digits.
    public var fullRequestID: Bool
    /// `TWIN_RESULT_FAIL` carries no request id or status (only `data.msg.payload` is set; `azure_iot_hub.c:207-261`).
    /// Fixed: both are filled in.
    public var twinResultFailData: Bool
    /// `connect()` waits the whole DPS timeout after a failed registration (the FAILED status gives no semaphore, a
    /// `TODO` at `azure_iot_hub.c:674`; the wait is at `:824`). Fixed: it returns `-ECONNREFUSED`
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
