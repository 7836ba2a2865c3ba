import FirmwareConfig
import Foundation
import Logging
import Synchronization

/// Mirrors azure_fota.c: firmware updates described by the device twin's `firmware` object, downloaded by the
/// download client into the secondary slot and handed to MCUboot for a test swap.
public final class AzureFOTA: Sendable {
    /// `fwUpdateStatus` values.
    enum Status: String { case current, downloading, applying, rebooting, error, rolledback }

    /// `enum azure_fota_evt_id`, with the report each carries (if any). The erase events come only from the modem
    /// delta DFU target (dfu_target_modem_delta.c:41, :58), which this library never uses for an MCUboot image.
    public enum Event: Sendable, Equatable {
        case report(String)
        case start(report: String)
        case done(report: String)
        case error(report: String)
        case erasePending, eraseDone
    }

    struct State {
        var downloading = false
        var status = Status.current
        var reportedJobID = ""
        var jobID = ""
        var pendingVersion = ""
    }

    let configuration: FOTAConfiguration
    let currentVersion: String
    let downloader: DownloadClient
    let bootloader: Bootloader
    let logger: Logger
    let state = Mutex(State())
    let handler: Mutex<(@Sendable (Event) -> Void)?> = Mutex(nil)

    init(configuration: FOTAConfiguration, currentVersion: String, downloader: DownloadClient, bootloader: Bootloader, logger: Logger) {
        self.configuration = configuration
        self.currentVersion = currentVersion
        self.downloader = downloader
        self.bootloader = bootloader
        self.logger = logger
    }

    /// Mirrors `azure_fota_init()`.
    func initialize(_ handler: @escaping @Sendable (Event) -> Void) -> Int32 {
        self.handler.withLock { $0 = handler }
        self.logger.info("Current firmware version: \(self.currentVersion)")
        return 0
    }

    /// Mirrors `azure_fota_msg_process()`: a full twin (`{"desired":…,"reported":…}`) or a desired patch.
    /// - Returns: 0 (nothing to do), 1 (a download started) or a negative errno.
    func msgProcess(_ payload: [UInt8]) -> Int32 {
        guard self.handler.withLock({ $0 }) != nil else { return -Errno.EINVAL }
        if self.state.withLock({ $0.downloading }) {
            self.logger.info("Firmware download is ongoing, message ignored")
            return 0
        }
        guard let root = (try? JSONSerialization.jsonObject(with: Data(payload))) as? [String: Any] else { return 0 }
        if let reported = root["reported"] as? [String: Any], let report = self.reportedStatusReport(reported) {
            self.emit(.report(report))
        }
        let desired = (root["desired"] as? [String: Any]) ?? root
        guard let firmware = desired["firmware"] as? [String: Any] else { return 0 }
        guard let version = Self.versionString(firmware["fwVersion"]), let fwLocation = firmware["fwLocation"] as? [String: Any],
            let host = fwLocation["host"] as? String, let path = fwLocation["path"] as? String,
            let fragment = (firmware["fwFragmentSize"] as? NSNumber)?.intValue
        else {
            self.logger.debug("Firmware details not found, FOTA will not start")
            return 0
        }
        let jobID = firmware["jobId"] as? String ?? ""
        guard version.utf8.count < self.configuration.versionMaxLength, jobID.utf8.count < self.configuration.jobIDMaxLength,
            host.utf8.count < max(self.configuration.downloadHostnameMaxSize, 1),
            path.utf8.count < max(self.configuration.downloadFilenameMaxSize, 1)
        else {
            self.logger.error("Firmware details are too long for their buffers, FOTA will not start")
            return 0
        }
        let reportedJobID = self.state.withLock { $0.reportedJobID }
        if !reportedJobID.isEmpty, jobID.hasPrefix(reportedJobID) {
            self.logger.info("Update job (ID: \(reportedJobID)) was already attempted, aborting")
            return 0
        }
        guard version != self.currentVersion else { return 0 }
        self.state.withLock { state in
            state.downloading = true
            state.status = .downloading
            state.jobID = jobID
            state.pendingVersion = version
        }
        self.logger.info("Attempting to download firmware (version '\(version)') from \(host)/\(LoggedLocation.redacted(path))")
        let location = DownloadClient.Location(host: host, path: path, secure: self.configuration.secTag != nil)
        self.emit(.start(report: self.report(.downloading)))
        let thread = Thread { [self] in self.run(location, fragmentSize: fragment) }
        thread.name = "download_client"
        thread.start()
        return 1
    }

    /// The download, on the download client's thread; then the image goes to MCUboot.
    private func run(_ location: DownloadClient.Location, fragmentSize: Int) {
        do {
            // No FOTA_ERASE_PENDING/DONE: only the modem delta DFU target raises them
            // (dfu_target_modem_delta.c:41, :58); the MCUboot target ignores its callback (dfu_target_mcuboot.c:118).
            let image = try self.downloader.download(
                location, fragmentSize: fragmentSize, maximumSize: self.bootloader.slotSize)
            // nrfsim's DFU target checks the image as MCUboot will, so a bad one fails here and the running image
            // stays (MCUboot would refuse it at the swap).
            let checked = try self.bootloader.verify(image)
            try self.bootloader.requestTestUpgrade(image)
            self.logger.info("Firmware image \(checked.version) is ready; it is tested at the next boot")
            self.state.withLock {
                $0.downloading = false
                $0.status = .applying
            }
            self.emit(.done(report: self.report(.applying)))
        } catch {
            self.logger.error("Firmware download failed: \(error)")
            self.state.withLock {
                $0.downloading = false
                $0.status = .error
            }
            self.emit(.error(report: self.report(.error)))
        }
    }

    /// `parse_reported_status()`: whether (and what) to report from the twin's `reported.firmware`.
    func reportedStatusReport(_ reported: [String: Any]) -> String? {
        guard let firmware = reported["firmware"] as? [String: Any] else { return self.report(.current) }
        if let jobID = firmware["jobId"] as? String { self.state.withLock { $0.reportedJobID = jobID } }
        guard let status = firmware["fwUpdateStatus"] as? String, let current = Self.versionString(firmware["currentFwVersion"]) else {
            return nil
        }
        guard let pending = Self.versionString(firmware["pendingFwVersion"]) else { return self.report(.current) }
        switch status {
        case Status.current.rawValue:
            return current != self.currentVersion ? self.report(.current) : nil
        case Status.applying.rawValue:
            if self.currentVersion == pending { return self.report(.current) }
            if self.currentVersion == current {
                self.logger.info("FOTA image was not applied, rolled back")
                return self.report(.rolledback, pending: pending, jobID: firmware["jobId"] as? String)
            }
            return self.report(.current)
        case Status.downloading.rawValue:
            return self.state.withLock({ $0.downloading }) ? nil : self.report(.error)
        case Status.error.rawValue:
            return nil
        default:
            return self.report(.current)
        }
    }

    /// The reported `firmware` object: with `pendingFwVersion` and `jobId` when a job is known.
    func report(_ status: Status, pending: String? = nil, jobID: String? = nil) -> String {
        let (job, pendingVersion) = self.state.withLock { state -> (String, String) in
            state.status = status
            return (jobID ?? state.jobID, pending ?? state.pendingVersion)
        }
        var fields = [("fwUpdateStatus", status.rawValue), ("currentFwVersion", self.currentVersion)]
        if !job.isEmpty { fields += [("pendingFwVersion", pendingVersion), ("jobId", job)] }
        return "{\"firmware\":{" + fields.map { "\"\($0.0)\":\"\($0.1)\"" }.joined(separator: ",") + "}}"
    }

    private func emit(_ event: Event) {
        self.handler.withLock { $0 }?(event)
    }

    /// `fwVersion` may be a string or a number (printed with `%d`).
    static func versionString(_ value: Any?) -> String? {
        switch value {
        case let text as String: return text
        case let number as NSNumber where String(cString: number.objCType) != "c": return String(number.intValue)
        default: return nil
        }
    }
}
