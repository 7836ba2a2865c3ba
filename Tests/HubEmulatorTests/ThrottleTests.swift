import Foundation
import IoTHubTopics
import JSON
import MQTTCodec
import NIOHTTP1
import Testing

@testable import HubEmulator

@Suite("Quotas and throttles by SKU, timed by an injected clock")
struct ThrottleTests {
    private static let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("a bucket is full at first, refuses once empty with the wait, refills with the clock, and never past its capacity")
    func tokenBucket() {
        var bucket = TokenBucket(rate: 2, capacity: 2)
        #expect(bucket.take(1, at: Self.start) == nil)
        #expect(bucket.take(1, at: Self.start) == nil)
        #expect(bucket.take(1, at: Self.start) == 0.5)
        #expect(bucket.take(1, at: Self.start + 0.5) == nil)
        // A clock that goes back refills nothing.
        #expect(bucket.take(1, at: Self.start) == 0.5)
        bucket = TokenBucket(rate: 2, capacity: 2)
        #expect(bucket.take(2, at: Self.start) == nil)
        #expect(bucket.take(1, at: Self.start + 3600) == nil)
        #expect(bucket.tokens == 1)
        // A cost over the capacity waits for a full bucket and empties it.
        #expect(bucket.take(5, at: Self.start + 3600) == 0.5)
        #expect(bucket.take(5, at: Self.start + 3600.5) == nil && bucket.tokens == 0)
        #expect(!bucket.isFull(at: Self.start + 3601) && bucket.isFull(at: Self.start + 3601.5))
    }

    @Test("the table: daily messages, metering chunk and throttles per tier and unit, as Azure documents them")
    func skuTable() throws {
        let f1 = try HubSKU(tier: "F1")
        #expect(f1.dailyMessages == 8000 && f1.meteringBytes == 512)
        #expect(f1.rate(.deviceToCloud) == 100 && f1.rate(.twinRead) == 100 && f1.rate(.twinUpdate) == 50 && f1.rate(.method) == 20)
        let s1 = try HubSKU(tier: "s1", units: 9)
        #expect(s1.dailyMessages == 3_600_000 && s1.meteringBytes == 4096)
        #expect(s1.rate(.connection) == 108 && s1.rate(.deviceToCloud) == 108 && s1.rate(.twinRead) == 100)
        #expect(abs(s1.rate(.registry) - 15) < 1e-9)
        let s2 = try HubSKU(tier: "S2", units: 20)
        #expect(s2.dailyMessages == 120_000_000 && s2.rate(.deviceToCloud) == 2400 && s2.rate(.twinRead) == 200 && s2.rate(.twinUpdate) == 100)
        let s3 = try HubSKU(tier: "S3", units: 2)
        #expect(s3.dailyMessages == 600_000_000 && s3.rate(.deviceToCloud) == 12000 && s3.rate(.twinRead) == 1000 && s3.rate(.method) == 6144)
        #expect(throws: HubSKUError.unknownTier("B1")) { try HubSKU(tier: "B1") }
        #expect(throws: HubSKUError.badUnits(.f1, 2)) { try HubSKU(tier: "F1", units: 2) }
        #expect(throws: HubSKUError.badUnits(.s3, 11)) { try HubSKU(tier: "S3", units: 11) }
        #expect(throws: HubSKUError.badUnits(.s1, 0)) { try HubSKU(tier: "S1", units: 0) }
        #expect("\(HubSKUError.badUnits(.s3, 11))" == "--units 11: an S3 hub has 1 to 10 units")
        #expect("\(HubSKUError.unknownTier("B1"))" == "--sku 'B1' is not an IoT Hub tier: expected F1, S1, S2 or S3")
    }

    @Test("over a throttle: 429001 ThrottlingException, admitted again once the injected clock has refilled it")
    func throttle() throws {
        let clock = TestClock()
        let throttles = HubThrottles(sku: try HubSKU(tier: "S1"), now: { clock.now })
        for _ in 0..<50 { #expect(throttles.admit(.twinUpdate(bytes: 10), hub: "myhub") == nil) }
        let refusal = try #require(throttles.admit(.twinUpdate(bytes: 10), hub: "myhub"))
        #expect(refusal.status == 429 && refusal.code == 429001 && refusal.name == "ThrottlingException")
        #expect(refusal.message.contains("twin updates over 50/sec"))
        // Another hub and another operation have buckets of their own.
        #expect(throttles.admit(.twinUpdate(bytes: 10), hub: "other") == nil)
        #expect(throttles.admit(.twinRead(bytes: 0), hub: "myhub") == nil)
        clock.advance(0.03)
        #expect(throttles.admit(.twinUpdate(bytes: 10), hub: "myhub") == nil)
        #expect(throttles.admit(.twinUpdate(bytes: 10), hub: "myhub") != nil)
        // A refused operation is not charged to the quota: 50 + 1 + 1 updates, one twin read.
        #expect(throttles.messagesUsed(hub: "myhub") == 52)
    }

    @Test("methods are throttled by payload in 8 KB meters")
    func methodMeters() throws {
        let clock = TestClock()
        let throttles = HubThrottles(sku: try HubSKU(tier: "S1"), now: { clock.now })
        // 20 meters a second: a 80 KB call takes 10, twice, then nothing is left.
        #expect(throttles.admit(.method(bytes: 80 * 1024), hub: "myhub") == nil)
        #expect(throttles.admit(.method(bytes: 80 * 1024), hub: "myhub") == nil)
        #expect(throttles.admit(.method(bytes: 1), hub: "myhub")?.code == 429001)
    }

    @Test("the daily quota: charged per chunk, 403002 IoTHubQuotaExceeded once spent (new connections too), refreshed at 00:00 UTC")
    func dailyQuota() throws {
        let clock = TestClock()
        let throttles = HubThrottles(sku: try HubSKU(tier: "F1"), now: { clock.now })
        // F1 meters in 512 bytes: 255 KB is 510 messages; 15 of them leave 350 of the 8,000.
        for index in 0..<15 {
            #expect(throttles.admit(.deviceToCloud(bytes: 255 * 1024), hub: "myhub") == nil)
            if index % 5 == 4 { clock.advance(1) }
        }
        #expect(throttles.messagesUsed(hub: "myhub") == 7650)
        let refusal = try #require(throttles.admit(.deviceToCloud(bytes: 255 * 1024), hub: "myhub"))
        #expect(refusal.status == 403 && refusal.code == 403002 && refusal.name == "IoTHubQuotaExceeded")
        // Spent: even what would fit, and a new connection, are refused; registry operations are not metered.
        #expect(throttles.admit(.deviceToCloud(bytes: 10), hub: "myhub")?.code == 403002)
        #expect(throttles.admit(.connection, hub: "myhub")?.code == 403002)
        #expect(throttles.admit(.registry, hub: "myhub") == nil)
        #expect(throttles.messagesUsed(hub: "myhub") == 7650)
        // 1_800_000_000 is 2027-01-15T08:00:00Z: the next UTC day starts 16 hours later.
        clock.advance(16 * 3600 - 100)
        #expect(throttles.admit(.connection, hub: "myhub")?.code == 403002)
        clock.advance(100)
        #expect(throttles.admit(.connection, hub: "myhub") == nil)
        #expect(throttles.admit(.deviceToCloud(bytes: 10), hub: "myhub") == nil)
        #expect(throttles.messagesUsed(hub: "myhub") == 1)
    }

    @Test("the service API's error shape: status, iothub-errorcode and Message 'ErrorCode:<name>;<message>'")
    func errorShape() throws {
        for (error, status, name) in [
            (IoTHubError.throttled("too fast"), 429, "ThrottlingException"), (IoTHubError.quotaExceeded("spent"), 403, "IoTHubQuotaExceeded"),
        ] {
            let response = HTTPResponse.error(error)
            #expect(Int(response.status.code) == status)
            #expect(response.headers.contains { $0.0 == "iothub-errorcode" && $0.1 == name })
            let body = try JSONValue.parse(response.body)
            #expect(body["Message"]?.stringValue == "ErrorCode:\(name);\(error.message)")
        }
    }

    @Test("DPS: registrations at the configured rate per instance, 5 polls every 10 s per device; retry-after in whole seconds")
    func provisioning() throws {
        let clock = TestClock()
        let throttles = try ProvisioningThrottles(registrationsPerMinute: 60, now: { clock.now })
        #expect(throttles.admit(.register(requestID: "1"), dps: "mydps", registrationID: "a") == nil)
        let refused = try #require(throttles.admit(.register(requestID: "2"), dps: "mydps", registrationID: "b"))
        #expect(refused.retryAfter == 1 && refused.limit == "60 device registrations/min")
        #expect(throttles.admit(.register(requestID: "3"), dps: "otherdps", registrationID: "b") == nil)
        for _ in 0..<5 { #expect(throttles.admit(.operationStatus(requestID: "4", operationID: "op"), dps: "mydps", registrationID: "a") == nil) }
        let poll = try #require(throttles.admit(.operationStatus(requestID: "5", operationID: "op"), dps: "mydps", registrationID: "a"))
        #expect(poll.retryAfter == 2 && poll.limit == "5 operation polls/10 sec for a device")
        #expect(throttles.admit(.operationStatus(requestID: "6", operationID: "op"), dps: "mydps", registrationID: "b") == nil)
        clock.advance(2)
        #expect(throttles.admit(.operationStatus(requestID: "7", operationID: "op"), dps: "mydps", registrationID: "a") == nil)
        #expect(throttles.admit(.register(requestID: "8"), dps: "mydps", registrationID: "c") == nil)
        let slow = try ProvisioningThrottles(registrationsPerMinute: 1, now: { clock.now })
        _ = slow.admit(.register(requestID: "1"), dps: "mydps", registrationID: "a")
        #expect(slow.admit(.register(requestID: "2"), dps: "mydps", registrationID: "a")?.retryAfter == 60)
        #expect(throws: ProvisioningThrottlesError.badRate(0)) { try ProvisioningThrottles(registrationsPerMinute: 0, now: { clock.now }) }
    }
}
