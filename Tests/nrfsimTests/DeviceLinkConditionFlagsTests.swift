import ArgumentParser
import NetworkModel
import Testing
@testable import nrfsim

/// `nrfsim device`'s network model flags (--latency, --jitter, --loss, --bandwidth, --nat-timeout, --dns-failure).
@Suite("nrfsim device network model flags")
struct DeviceLinkConditionFlagsTests {
    @Test("no flag leaves the network model off")
    func off() throws {
        #expect(!(try DeviceCommand.parse([]).network.anyGiven))
    }

    @Test("flags override Kconfig's conditions; a profile brings its latency unless one is given")
    func parsed() throws {
        let command = try DeviceCommand.parse(["--latency", "120ms", "--loss", "1%", "--bandwidth", "lte-m", "--nat-timeout", "300s"])
        #expect(command.network.anyGiven)
        var kconfig = LinkConditions()
        kconfig.jitter = .milliseconds(7)
        let conditions = try command.network.conditions(over: kconfig)
        #expect(conditions.latency == .milliseconds(120))
        #expect(conditions.jitter == LinkProfile.lteM.jitter)
        #expect(conditions.uplinkKbps == 375 && conditions.downlinkKbps == 365)
        #expect(conditions.loss == 0.01)
        #expect(conditions.natIdleTimeout == .seconds(300))
        #expect(conditions.dnsAvailable)
        let rates = try DeviceCommand.parse(["--bandwidth", "100/20", "--dns-failure", "--nat-timeout", "off"]).network.conditions(over: kconfig)
        #expect(rates.uplinkKbps == 100 && rates.downlinkKbps == 20 && rates.jitter == .milliseconds(7))
        #expect(!rates.dnsAvailable && rates.natIdleTimeout == nil)
    }

    @Test("bad values are refused, naming the flag and what is wrong", arguments: [
        (["--latency=-5ms"], #"--latency: "-5ms" is negative"#),
        (["--jitter", "20"], #"--jitter: "20" is not a duration (a number with ms, s, m or h: 120ms, 20s)"#),
        (["--loss", "101%"], #"--loss: "101%" is not between 0% and 100%"#),
        (["--bandwidth", "5g"], #"--bandwidth: "5g" is neither a profile (lte-m, nb-iot) nor UP/DOWN in kbit/s (e.g. 375/365)"#),
        (["--nat-timeout", "0s"], #"--nat-timeout: "0s" is not above 0 s (or off)"#),
    ])
    func refused(arguments: [String], message: String) {
        do {
            _ = try DeviceCommand.parse(arguments)
            Issue.record("\(arguments) was accepted")
        } catch {
            #expect(DeviceCommand.message(for: error) == message)
        }
    }
}
