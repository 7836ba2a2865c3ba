import FirmwareConfig
import Foundation
import Logging
import Synchronization

/// Mirrors azure_fota.c: firmware updates described by the device twin's `firmware` object, downloaded by
/// `fota_download` into the secondary slot and handed to MCUboot for a test swap.
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

    /// The library's statics: `internal_state`, `current_status`, `reported_job_id` and `fota_object`'s version and
    /// job ID (azure_fota.c:51-97).
    struct State {
        var downloading = false
        var status = Status.current
        var reportedJobID = ""
        /// `fota_object.job_id`: set by every desired `firmware` object that gets that far, started or not.
        var jobID = ""
        /// `fota_object.version`.
        var pendingVersion = ""
    }

    let configuration: FOTAConfiguration
    /// `current_version` (azure_fota.c:99-106): the build's `CONFIG_AZURE_FOTA_APP_VERSION`, not the booted image's.
    let currentVersion: String
    let download: FOTADownload
    let logger: Logger
    let state = Mutex(State())
    let handler: Mutex<(@Sendable (Event) -> Void)?> = Mutex(nil)

    init(configuration: FOTAConfiguration, currentVersion: String, download: FOTADownload, logger: Logger) {
        self.configuration = configuration
        self.currentVersion = currentVersion
        self.download = download
        self.logger = logger
    }

    /// Mirrors `azure_fota_init()`.
    func initialize(_ handler: @escaping @Sendable (Event) -> Void) -> Int32 {
        self.handler.withLock { $0 = handler }
        self.logger.info("Current firmware version: \(self.currentVersion)")
        return 0
    }

    /// Mirrors `azure_fota_msg_process()` (azure_fota.c:664-757): a full twin (`{"desired":…,"reported":…}`) or a
    /// desired patch.
    /// - Returns: 0 (nothing to do), 1 (a download started) or a negative errno.
    func msgProcess(_ payload: [UInt8]) -> Int32 {
        guard self.handler.withLock({ $0 }) != nil else {
            self.logger.error("Azure FOTA is not initialized")
            return -Errno.EINVAL
        }
        if self.state.withLock({ $0.downloading }) {
            self.logger.info("Firmware download is ongoing, message ignored")
            return 0
        }
        let root = Self.parse(payload)
        if let report = self.parseReportedStatus(root) {
            self.emit(.report(report))
        }
        guard let details = self.extractFirmwareDetails(root) else { return 0 }
        let reportedJobID = self.state.withLock { $0.reportedJobID }
        // is_new_job() (azure_fota.c:214-226): no reported job ID, or one that is not a prefix of the desired one.
        if !reportedJobID.isEmpty, details.jobID.hasPrefix(reportedJobID) {
            self.logger.warning("Update job (ID: \(reportedJobID)) was already attempted, aborting")
            self.state.withLock { $0.status = .current }
            return 0
        }
        // is_update() (azure_fota.c:207-212).
        guard details.version != self.currentVersion else {
            self.logger.debug("Image is not an update, skipping download")
            self.logger.debug("Current version: \(self.currentVersion)")
            self.logger.debug("FOTA version: \(details.version)")
            self.state.withLock { $0.status = .current }
            return 0
        }
        self.state.withLock { state in
            state.downloading = true
            state.status = .downloading
        }
        self.logger.info(
            "Attempting to download firmware (version '\(details.version)') from \(details.host)/\(LoggedLocation.redacted(details.path))")
        let location = DownloadClient.Location(host: details.host, path: details.path, secure: self.configuration.secTag != nil)
        // azure_fota.c:730-745: fota_download_start() answers synchronously; a refusal is an ERROR event with the
        // report, then fota_object is cleared and the error returned (azure_iot_hub.c logs "Failed to process FOTA …").
        let err = self.download.start(location, fragmentSize: details.fragmentSize)
        guard err == 0 else {
            self.logger.error("Error (\(err)) when trying to start firmware download")
            self.state.withLock {
                $0.downloading = false
                $0.status = .error
            }
            self.emit(.error(report: self.report()))
            self.state.withLock {
                $0.jobID = ""
                $0.pendingVersion = ""
            }
            return err
        }
        // azure_fota.c:747-749: the started job becomes the reported one.
        self.state.withLock { state in
            if !state.jobID.isEmpty { state.reportedJobID = state.jobID }
        }
        // azure_fota.c:751-754: START after download_client_get() logged "Downloading: …" (download_client.c:1004).
        self.emit(.start(report: self.report()))
        let thread = Thread { [self] in KernelThread.run(named: "download_client") { self.run(location, fragmentSize: details.fragmentSize) } }
        thread.name = "download_client"
        thread.start()
        return 1
    }

    /// The payload as cJSON_Parse() sees it: nil when it is not JSON; a value that is not an object has no members.
    static func parse(_ payload: [UInt8]) -> [String: Any]? {
        guard let value = try? JSONSerialization.jsonObject(with: Data(payload), options: .fragmentsAllowed) else { return nil }
        return value as? [String: Any] ?? [:]
    }

    /// The desired `firmware` object's fields (`struct fota_object`).
    struct FirmwareDetails {
        var version: String
        var jobID: String
        var host: String
        var path: String
        var fragmentSize: Int
    }

    /// Mirrors `extract_fw_details()` (azure_fota.c:481-636), step by step: the version and the job ID are stored in
    /// `fota_object` as soon as they are read, even when a later field is missing.
    /// - Returns: the details, or nil when the message has no usable `firmware` object (logged as the C code does).
    func extractFirmwareDetails(_ root: [String: Any]?) -> FirmwareDetails? {
        guard let root else {
            self.logger.error("Could not parse message as JSON")
            self.logger.debug("No 'firmware' object found, ignoring message")
            return nil
        }
        /// The `clean_exit` with an error (`-ENOMEM`): `message` is the C code's `LOG_DBG`, if any.
        func notFound(_ message: String?) -> FirmwareDetails? {
            if let message { self.logger.debug("\(message)") }
            self.logger.debug("Firmware details not found, FOTA will not start")
            return nil
        }
        let desired: [String: Any]
        if let object = root["desired"] {
            desired = object as? [String: Any] ?? [:]
        } else {
            self.logger.debug("No 'desired' object found, assuming it's root object")
            desired = root
        }
        guard let firmwareValue = desired["firmware"] else {
            self.logger.debug("No 'firmware' object found")
            self.logger.debug("No 'firmware' object found, ignoring message")
            return nil
        }
        let firmware = firmwareValue as? [String: Any] ?? [:]
        guard let versionValue = firmware["fwVersion"] else { return notFound("No fwVersion object found") }
        guard let version = Self.versionString(versionValue) else { return notFound("Invalid fwVersion format received") }
        guard version.utf8.count < self.configuration.versionMaxLength else {
            self.logger.error("Version string longer than buffer")
            return notFound(nil)
        }
        self.state.withLock { $0.pendingVersion = version }
        self.logger.debug("Incoming firmware version: \(version)")
        if let jobID = firmware["jobId"] as? String {
            guard jobID.utf8.count < self.configuration.jobIDMaxLength else {
                self.logger.error(
                    "Received job ID larger (\(jobID.utf8.count)) than buffer (\(self.configuration.jobIDMaxLength))")
                return notFound(nil)
            }
            self.state.withLock { $0.jobID = jobID }
            self.logger.debug("Job ID: \(jobID)")
        } else {
            self.logger.warning("No job ID found")
        }
        guard let locationValue = firmware["fwLocation"] else { return notFound("No fwLocation object found") }
        let location = locationValue as? [String: Any] ?? [:]
        guard let host = location["host"] as? String else { return notFound("No hostname object found") }
        let hostSize = max(self.configuration.downloadHostnameMaxSize, 1)
        guard host.utf8.count < hostSize else {
            self.logger.error("Received hostname larger (\(host.utf8.count)) than buffer (\(hostSize))")
            return notFound(nil)
        }
        guard let path = location["path"] as? String else { return notFound("No path object found") }
        let pathSize = max(self.configuration.downloadFilenameMaxSize, 1)
        guard path.utf8.count < pathSize else {
            self.logger.error("Received file path larger (\(path.utf8.count)) than buffer (\(pathSize))")
            return notFound(nil)
        }
        guard let fragment = (firmware["fwFragmentSize"] as? NSNumber)?.intValue else {
            return notFound("Failed to parse 'fwFragmentSize' object")
        }
        return FirmwareDetails(
            version: version, jobID: self.state.withLock { $0.jobID }, host: host, path: path, fragmentSize: fragment)
    }

    /// The download, on the download client's thread, and `fota_dl_handler()` (azure_fota.c:228-274) for its end.
    private func run(_ location: DownloadClient.Location, fragmentSize: Int) {
        // No FOTA_ERASE_PENDING/DONE: only the modem delta DFU target raises them
        // (dfu_target_modem_delta.c:41, :58); the MCUboot target ignores its callback (dfu_target_mcuboot.c:118).
        self.download.run(location, fragmentSize: fragmentSize) { event in
            switch event {
            case .finished:
                self.logger.debug("FOTA download completed evt received")  // azure_fota.c:233-240
                self.state.withLock {
                    $0.downloading = false
                    $0.status = .applying
                }
                self.emit(.done(report: self.report()))
            case .error:
                self.logger.error("FOTA download failed")  // azure_fota.c:258-265
                self.state.withLock {
                    $0.downloading = false
                    $0.status = .error
                }
                self.emit(.error(report: self.report()))
            }
        }
    }

    /// Mirrors `parse_reported_status()` and `reported_status_process()` (azure_fota.c:281-473): whether (and what)
    /// to report from the twin's `reported.firmware`.
    func parseReportedStatus(_ root: [String: Any]?) -> String? {
        guard let root else {
            self.logger.error("Could not parse message")
            return nil
        }
        guard let reportedValue = root["reported"] else {
            self.logger.debug("No 'reported' object found")
            return nil
        }
        let reported = reportedValue as? [String: Any] ?? [:]
        guard let firmwareValue = reported["firmware"] else {
            self.logger.debug("No 'firmware' object found")
            return self.report()
        }
        let firmware = firmwareValue as? [String: Any] ?? [:]
        if let jobID = firmware["jobId"] as? String {
            guard jobID.utf8.count < self.configuration.jobIDMaxLength else {
                self.logger.error(
                    "Received job ID larger (\(jobID.utf8.count)) than buffer (\(self.configuration.jobIDMaxLength))")
                return nil
            }
            self.state.withLock { $0.reportedJobID = jobID }
        } else {
            self.logger.warning("No job ID found")
        }
        guard let status = firmware["fwUpdateStatus"] as? String else {
            self.logger.debug("No fwUpdateStatus object found")
            return nil
        }
        guard let current = Self.versionString(firmware["currentFwVersion"]) else {
            self.logger.debug("No currentFwVersion object found")
            return nil
        }
        guard let pending = Self.versionString(firmware["pendingFwVersion"]) else {
            self.logger.debug("No pendingFwVersion object found")
            return self.report()
        }
        let (reportNeeded, newStatus) = self.reportedStatusProcess(status, current: current, pending: pending)
        self.state.withLock { $0.status = newStatus }
        guard reportNeeded else { return nil }
        self.logger.debug("Reported status was \"\(status)\", reporting back \"\(newStatus.rawValue)\"")
        return self.report()
    }

    /// `reported_status_process()` (azure_fota.c:281-357): whether to report, and the status to report.
    private func reportedStatusProcess(_ status: String, current: String, pending: String) -> (Bool, Status) {
        switch Status(rawValue: status) {
        case .current:
            if current == self.currentVersion {
                self.logger.debug("Currently reported version is correct")
                return (false, .current)
            }
            self.logger.debug("Currently reported version must be updated")
            return (true, .current)
        case .applying:
            if self.currentVersion == pending {
                self.logger.debug("FOTA firmware was successfully applied")
                return (true, .current)
            }
            if self.currentVersion == current {
                self.logger.warning("FOTA image was not applied, rolled back")
                return (true, .rolledback)
            }
            return (true, .current)
        case .downloading:
            if self.state.withLock({ $0.downloading }) {
                self.logger.debug("Status \"downloading\" was reported, no update needed")
                return (false, self.state.withLock { $0.status })
            }
            return (true, .error)
        case .error:
            self.logger.debug("Status \"error\" was reported, no update will be sent")
            return (false, .error)
        default:
            return (true, .current)
        }
    }

    /// Mirrors `create_report()` (azure_fota.c:152-186): the current status, with `pendingFwVersion` and `jobId`
    /// only while `fota_object` holds a job ID (never at boot).
    func report() -> String {
        let (status, job, pendingVersion) = self.state.withLock { ($0.status, $0.jobID, $0.pendingVersion) }
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
