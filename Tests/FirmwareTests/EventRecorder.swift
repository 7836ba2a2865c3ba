import Foundation
import Synchronization

@testable import Firmware

/// Collects the events a library raises, on whatever thread, and lets a test wait for one.
final class EventRecorder: Sendable {
    private let events = Mutex<[AzureIoTHubEvent]>([])

    var handler: AzureIoTHubEventHandler { { [self] event in self.events.withLock { $0.append(event) } } }

    var types: [AzureIoTHubEventType] { self.events.withLock { $0.map(\.type) } }

    /// Waits up to `timeout` seconds for an event of `type` after the first `after` events; returns it.
    func wait(for type: AzureIoTHubEventType, after: Int = 0, timeout: Double = 10) -> AzureIoTHubEvent? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let event = self.events.withLock({ $0.dropFirst(after).first { $0.type == type } }) { return event }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return nil
    }

    var count: Int { self.events.withLock { $0.count } }
}
