import Logging

extension AzureIoTHub {
    /// `fota_evt_handler()`: reports go to the twin; START, DONE and ERROR also reach the application, the erase
    /// events only the application.
    func fotaEvent(_ event: AzureFOTA.Event) {
        // azure_iot_hub.c:607-643: each case logs its name, ERROR at error level.
        switch event {
        case .report(let report):
            self.logger.debug("AZURE_FOTA_EVT_REPORT")
            self.sendFOTAReport(report)
        case .start(let report):
            self.logger.debug("AZURE_FOTA_EVT_START")
            self.sendFOTAReport(report)
            self.emit(AzureIoTHubEvent(type: .fotaStart))
        case .done(let report):
            self.logger.debug("AZURE_FOTA_EVT_DONE")
            self.sendFOTAReport(report)
            self.emit(AzureIoTHubEvent(type: .fotaDone))
        case .error(let report):
            self.logger.error("AZURE_FOTA_EVT_ERROR")
            self.sendFOTAReport(report)
            self.emit(AzureIoTHubEvent(type: .fotaError))
        case .erasePending:
            self.logger.debug("AZURE_FOTA_EVT_ERASE_PENDING")
            self.emit(AzureIoTHubEvent(type: .fotaErasePending))
        case .eraseDone:
            self.logger.debug("AZURE_FOTA_EVT_ERASE_DONE")
            self.emit(AzureIoTHubEvent(type: .fotaEraseDone))
        }
    }

    private func sendFOTAReport(_ report: String) {
        self.logger.debug("Sending FOTA report: \(report)")
        let err = self.send(AzureIoTHubMsg(topic: AzureIoTHubTopicData(type: .twinReported), payload: Array(report.utf8)))
        if err != 0 { self.logger.error("Failed to send FOTA report, error: \(err)") }
    }
}
