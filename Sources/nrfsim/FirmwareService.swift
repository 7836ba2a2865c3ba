import Firmware
import ServiceLifecycle

/// The firmware as a long-running service: powers the image on, and again after each `sys_reboot()`, until graceful
/// shutdown. A rebooted image is halted and kept (its threads still reference it), never run again.
struct FirmwareService: Service {
    /// Links a fresh image (bootloader first); `reboot` is its `sys_reboot()`.
    let powerOn: @Sendable (_ reboot: @escaping @Sendable () -> Void) throws -> DeviceFirmware

    func run() async throws {
        let (reboots, requestReboot) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        var iterator = reboots.makeAsyncIterator()
        var retired: [DeviceFirmware] = []
        while true {
            let firmware = try self.powerOn { requestReboot.yield() }
            firmware.boot()
            let rebooted = await withGracefulShutdownHandler {
                await iterator.next() != nil
            } onGracefulShutdown: {
                requestReboot.finish()
            }
            guard rebooted else { return }
            firmware.halt()
            retired.append(firmware)
        }
    }
}
