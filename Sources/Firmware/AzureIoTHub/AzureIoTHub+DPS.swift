import FirmwareConfig
import Foundation
import Logging

extension AzureIoTHub {
    /// Where DPS assigned the device.
    struct Assignment {
        var hostname: String
        var deviceID: String
    }

    struct DPSFailure: Error {
        var code: Int32
    }

    /// DPS inside `azure_iot_hub_connect()`: registration id = the configured device id, ID scope from Kconfig;
    /// blocks until ASSIGNED or `CONFIG_AZURE_IOT_HUB_DPS_TIMEOUT_SEC`. `-EALREADY` uses the stored assignment.
    func runDPS(_ dps: AzureIoTHubDPS, registrationID: String) -> Result<Assignment, DPSFailure> {
        let done = KSemaphore(initial: 0, limit: 1, scale: self.uptime.scale)
        let failFast = self.fixes.dpsFailFast
        let failed = AtomicFlag()
        let err = dps.initialize(
            AzureIoTHubDPSConfig(
                handler: { status in
                    switch status {
                    case .assigned: done.give()
                    case .failed where failFast:
                        failed.set()
                        done.give()
                    default: break  // The C handler ignores FAILED ("TODO"): connect() waits for the timeout.
                    }
                }, registrationID: registrationID))
        guard err == 0 else {
            self.logger.error("azure_iot_hub_dps_init failed, error: \(err)")
            return .failure(DPSFailure(code: err))
        }
        let started = dps.start()
        switch started {
        case 0:
            let timeout = Double(dps.configuration.timeoutSeconds)
            guard done.take(timeoutSeconds: timeout), !failed.isSet else {
                self.logger.error("DPS timed out, connection attempt terminated")
                return .failure(DPSFailure(code: failed.isSet ? -Errno.ECONNREFUSED : -Errno.ETIMEDOUT))
            }
        case -Errno.EALREADY:
            self.logger.debug("Already assigned to an IoT hub, skipping DPS")
        default:
            self.logger.error("azure_iot_hub_dps_start failed, error: \(started)")
            return .failure(DPSFailure(code: started))
        }
        guard let hostname = dps.hostnameGet() else {
            self.logger.error("Failed to get the stored hostname from DPS, error: \(-Errno.ENOENT)")
            return .failure(DPSFailure(code: -Errno.EFAULT))
        }
        guard let deviceID = dps.deviceIDGet() else {
            self.logger.error("Failed to get the stored device ID from DPS, error: \(-Errno.ENOENT)")
            return .failure(DPSFailure(code: -Errno.EFAULT))
        }
        return .success(Assignment(hostname: hostname, deviceID: deviceID))
    }
}
