import Firmware
import ServiceLifecycle

/// The firmware as a long-running service: boots it, then keeps the board powered until graceful shutdown.
struct FirmwareService: Service {
    let firmware: DeviceFirmware

    func run() async throws {
        self.firmware.boot()
        try? await gracefulShutdown()
    }
}
