import Logging

/// Mirrors `fota_download` (sdk-nrf v2.9.0 subsys/net/lib/fota_download/src/fota_download.c) as Azure FOTA drives
/// it: it starts the download client, identifies the image from the first fragment, streams it to the DFU target,
/// retries a dropped connection `CONFIG_FOTA_SOCKET_RETRIES` times per download, and ends with FINISHED or ERROR.
final class FOTADownload: Sendable {
    /// `enum fota_download_evt_id`, the two the MCUboot path ends with.
    enum Event: Equatable { case finished, error }

    /// `CONFIG_FOTA_SOCKET_RETRIES`, default 2 (fota_download/Kconfig:16-18).
    static let socketRetries = 2

    let client: DownloadClient
    let target: DFUTarget
    /// `fota_download`'s module.
    let logger: Logger

    init(client: DownloadClient, target: DFUTarget, logger: Logger) {
        self.client = client
        self.target = target
        self.logger = logger
    }

    /// `fota_download_start()` → `fota_download()` (fota_download.c:574-656): `download_client_get()`'s answer,
    /// synchronously (its `Downloading:` line comes before Azure FOTA's START event).
    func start(_ location: DownloadClient.Location, fragmentSize: Int) -> Int32 {
        self.client.start(location, fragmentSize: fragmentSize)
    }

    /// The download, on the download client's thread: `download_client_callback()` (fota_download.c:161-360) for
    /// each of its events, then `completion` with what `stopped()` sends (:108-118).
    func run(_ location: DownloadClient.Location, fragmentSize: Int, completion: (Event) -> Void) {
        // fota_download.c:616: counted down once per download, not per fragment.
        var retriesLeft = Self.socketRetries
        var firstFragment = true
        var failed = false
        /// `error_and_close` (fota_download.c:355-359).
        func errorAndClose() -> Int32 {
            failed = true
            _ = self.target.done(successful: false)
            return -1
        }
        self.client.run(location, fragmentSize: fragmentSize) { event in
            switch event {
            case .fragment(let bytes, let fileSize):
                if firstFragment {
                    firstFragment = false
                    guard self.target.isMCUbootImage(bytes) else {
                        self.logger.error("Unknown image type")  // fota_download.c:189-192
                        return errorAndClose()
                    }
                    let err = self.target.initialize(fileSize: fileSize)
                    if err == -Errno.EFBIG {
                        self.logger.error("Image too big")  // fota_download.c:201-203
                    } else if err < 0 {
                        self.logger.error("dfu_target_init error \(err)")  // fota_download.c:204-207
                    }
                    if err != 0 { return errorAndClose() }
                    // dfu_target_offset_get() is 0: nothing of an earlier download is kept
                    // (CONFIG_DFU_TARGET_STREAM_SAVE_PROGRESS is n), so no resume (fota_download.c:222-256).
                }
                let err = self.target.write(bytes)
                if err != 0 {
                    self.logger.error("dfu_target_write error \(err)")  // fota_download.c:268-271
                    return errorAndClose()
                }
                return 0
            case .done:
                // fota_download.c:294-311, CONFIG_FOTA_CLIENT_AUTOSCHEDULE_UPDATE=y.
                var err = self.target.done(successful: true)
                if err == 0 { err = self.target.scheduleUpdate() }
                if err != 0 {
                    self.logger.error("dfu_target_done error: \(err)")
                    return errorAndClose()
                }
                return 0
            case .error(let error):
                // fota_download.c:313-341: only a reset connection is retried.
                if retriesLeft > 0, error == -Errno.ECONNRESET {
                    self.logger.warning("Download socket error. \(retriesLeft) retries left...")
                    retriesLeft -= 1
                    return 0
                }
                if error == -Errno.ECONNABORTED || error == -Errno.ECONNREFUSED {
                    self.logger.error("Download client failed to connect to server")
                    return errorAndClose()
                }
                self.logger.error("Download client error")
                let err = self.target.done(successful: false)
                if err == -Errno.EACCES {
                    self.logger.debug("No DFU target was initialized")
                } else if err != 0 {
                    self.logger.error("Unable to deinitialze resources used by dfu_target.")
                }
                return errorAndClose()
            case .closed:
                completion(failed ? .error : .finished)
                return 0
            }
        }
    }
}
