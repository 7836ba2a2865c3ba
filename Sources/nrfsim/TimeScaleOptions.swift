import ArgumentParser
import SimCore

/// `--time-scale N`: simulated seconds per real second, for `nrfsim device` and `nrfsim hub` alike.
struct TimeScaleOptions: ParsableArguments {
    @Option(
        name: .customLong("time-scale"),
        help: ArgumentHelp(
            "Run N simulated seconds in each real second (1-3600): the firmware's clocks, the modem's radio timers, the simulated network and the hub's service-level timers alike; protocol timers stay real (see README, Time scale).",
            valueName: "N"))
    var text = "1"

    /// The scale given.
    var scale: TimeScale {
        get throws(ValidationError) {
            do {
                return try TimeScale(parsing: self.text)
            } catch {
                throw ValidationError("--time-scale: \(error)")
            }
        }
    }

    func validate() throws { _ = try self.scale }
}
