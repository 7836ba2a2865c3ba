import Foundation
import JSON
import Logging
import NIOCore
import SimCore
import Testing

@testable import HubEmulator

/// `--time-scale` on the hub: service-level time runs N times faster; credentials are checked on real wall time.
@Suite("Hub service clock")
struct ServiceClockTests {
    static let scale = try! TimeScale(600)

    @Test("starts at its origin and advances scale times faster than the host's clock")
    func advances() {
        let origin = Date(timeIntervalSince1970: 1_800_000_000)
        let before = ContinuousClock.now
        let clock = ServiceClock(scale: Self.scale, origin: origin)
        let started = ContinuousClock.now
        while ContinuousClock.now - started < .milliseconds(5) {}
        let lower = ContinuousClock.now - started
        let reading = clock.now().timeIntervalSince(origin)
        let upper = ContinuousClock.now - before
        #expect(reading >= Self.seconds(lower) * 600 - 0.001)
        #expect(reading <= Self.seconds(upper) * 600 + 0.001)
    }

    @Test("a service-level interval waits interval / scale on the event loop")
    func realDelay() {
        let clock = ServiceClock(scale: Self.scale)
        #expect(clock.realDelay(.seconds(60)) == .milliseconds(100))
        #expect(ServiceClock(scale: .realTime).realDelay(.seconds(60)) == .seconds(60))
    }

    @Test("direct-method timeouts (service-level) wait seconds / scale on the event loop")
    func methodTimeouts() throws {
        var options = HubCore.Options()
        options.timeScale = Self.scale
        let fixture = try CoreFixture(options: options)
        #expect(fixture.core.serviceDelay(seconds: 60) == .milliseconds(100))
        #expect(try CoreFixture().core.serviceDelay(seconds: 60) == .seconds(60))
    }

    @Test("a SAS token valid on the wall clock is accepted although service time is far ahead; without a credential clock it is not")
    func credentialsOnRealTime() throws {
        let directory = NSTemporaryDirectory() + "nrfsim-service-clock-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SQLiteHubStore(path: directory + "/hub.sqlite")
        let wall = Date(timeIntervalSince1970: 1_800_000_000)
        // Ten simulated days after the start: what an hour of real time at scale 240 reaches.
        let serviceNow = wall.addingTimeInterval(10 * 86_400)
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let scaled = try HubCore(store: store, logger: logger, now: { serviceNow }, credentialNow: { wall })
        _ = try scaled.createHub(name: "myhub")
        let body = try JSONValue.parse(#"{"authentication":{"type":"sas","symmetricKey":{"primaryKey":"\#(CoreFixture.key)","secondaryKey":"\#(CoreFixture.key)"}}}"#)
        _ = try scaled.putDevice(hub: "myhub", id: "dev1", body: body, ifMatch: nil)
        let token = try #require(SASToken.make(
            resource: "myhub.azure-devices.net/devices/dev1", base64Key: CoreFixture.key, expiry: Int64(wall.timeIntervalSince1970) + 3600))
        let attempt = ConnectAttempt(
            clientID: "dev1", username: "myhub.azure-devices.net/dev1/?api-version=2021-04-12", password: Array(token.utf8), chain: [],
            peer: "test")
        #expect(throws: Never.self) { try scaled.authenticate(attempt).get() }
        let unscaled = try HubCore(store: store, logger: logger, now: { serviceNow })
        #expect(throws: IoTHubError.unauthorized("the SAS token expired")) { try unscaled.authenticate(attempt).get() }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
