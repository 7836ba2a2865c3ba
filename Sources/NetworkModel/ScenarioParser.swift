import Yams

/// Reads a scenario file: a YAML sequence of entries, each with `at` (`"HH:MM:SS"` from the device's start) and one
/// or more changes:
///
/// ```yaml
/// - at: "00:00:00"
///   bandwidth: nb-iot        # or UP/DOWN in kbit/s: 66/27
///   latency: 120ms
///   jitter: 20ms
///   loss: 1%
/// - at: "00:05:00"
///   coverage_lost: {for: 120s}
/// - at: "00:10:00"
///   nat_timeout: 300s        # or off
/// - at: "00:20:00"
///   dns_failure: {for: 60s}
/// - at: "00:30:00"
///   psm: {tau: 3600s, active: 60s}   # or deny, as-requested
///   edrx: deny               # or as-requested
///   rrc_inactivity: 10s
/// ```
///
/// A PSM timer must be an exact GPRS timer value (``PSMTimerRule``); the RRC inactivity timer is whole seconds,
/// 1 s to 24 h, as `--rrc-inactivity`.
public enum ScenarioParser {
    public static let events = ["latency", "jitter", "loss", "bandwidth", "nat_timeout", "coverage_lost", "dns_failure", "psm", "edrx", "rrc_inactivity"]

    /// - Throws: ``ScenarioError`` naming the file, the line and the field.
    public static func parse(_ text: String, file: String) throws(ScenarioError) -> Scenario {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ScenarioError(file: file, line: Self.line(inYAMLError: "\(error)"), field: nil, message: "not YAML: \(error)")
        }
        guard let root else { return Scenario(steps: []) }
        guard let entries = root.sequence else {
            throw ScenarioError(file: file, line: root.mark?.line, field: nil, message: "a scenario is a list of entries (- at: \"HH:MM:SS\" ...)")
        }
        var steps: [Scenario.Step] = []
        for entry in entries {
            steps += try Self.entry(entry, file: file)
        }
        return Scenario(steps: steps)
    }

    private static func entry(_ entry: Node, file: String) throws(ScenarioError) -> [Scenario.Step] {
        func fail(_ node: Node, _ field: String?, _ message: String) -> ScenarioError {
            ScenarioError(file: file, line: node.mark?.line, field: field, message: message)
        }
        guard let mapping = entry.mapping else { throw fail(entry, nil, "an entry is a mapping with at: and a change") }
        var at: Duration?
        var changes: [(key: String, node: Node)] = []
        for (keyNode, value) in mapping {
            guard let key = keyNode.string else { throw fail(keyNode, nil, "a field name is text") }
            if key == "at" {
                guard let text = value.string else { throw fail(value, "at", "a time is text \"HH:MM:SS\"") }
                do { at = try ConditionText.clockTime(text) } catch { throw fail(value, "at", error.description) }
            } else if Self.events.contains(key) {
                changes.append((key, value))
            } else {
                throw fail(keyNode, key, "unknown event; known: at, \(Self.events.joined(separator: ", "))")
            }
        }
        guard let at else { throw fail(entry, "at", "missing: each entry says when (at: \"HH:MM:SS\")") }
        guard !changes.isEmpty else { throw fail(entry, nil, "no change at \(Self.clockText(at)); known: \(Self.events.joined(separator: ", "))") }
        var steps: [Scenario.Step] = []
        for (key, node) in changes {
            func value<T>(_ parse: (String) throws(ConditionTextError) -> T) throws(ScenarioError) -> T {
                let text = try Self.text(node, key, file)
                do { return try parse(text) } catch { throw fail(node, key, error.description) }
            }
            switch key {
            case "latency": steps.append(.init(at: at, change: .latency(try value(ConditionText.duration))))
            case "jitter": steps.append(.init(at: at, change: .jitter(try value(ConditionText.duration))))
            case "loss": steps.append(.init(at: at, change: .loss(try value(ConditionText.loss))))
            case "bandwidth":
                let rates = try value(ConditionText.bandwidth)
                steps.append(.init(at: at, change: .bandwidth(upKbps: rates.up, downKbps: rates.down)))
            case "nat_timeout":
                var timeout: Duration?
                if try Self.text(node, key, file) != "off" {
                    let parsed = try value(ConditionText.duration)
                    guard parsed > .zero else { throw fail(node, key, "a NAT timeout is above 0 s (or off)") }
                    timeout = parsed
                }
                steps.append(.init(at: at, change: .natTimeout(timeout)))
            case "psm": steps.append(.init(at: at, change: .radio(.psm(try Self.psm(node, file: file)))))
            case "edrx":
                let text = try Self.text(node, key, file)
                guard let choice = ["as-requested": RadioNetworkChange.EDRX.asRequested, "deny": .deny][text] else {
                    throw fail(node, key, "\"\(text)\" is not an eDRX policy: as-requested or deny")
                }
                steps.append(.init(at: at, change: .radio(.edrx(choice))))
            case "rrc_inactivity":
                let timer = try value(ConditionText.duration)
                guard timer.components.attoseconds == 0, (Duration.seconds(1)...Duration.seconds(86_400)).contains(timer) else {
                    throw fail(node, key, "\(PSMTimerRule.secondsText(timer)) is not 1-86400 whole seconds")
                }
                steps.append(.init(at: at, change: .radio(.rrcInactivity(timer))))
            default:  // coverage_lost, dns_failure: {for: DURATION}
                guard let span = node.mapping, span.count == 1, let first = span.first, first.key.string == "for" else {
                    throw fail(node, key, "a span is {for: DURATION}, e.g. {for: 120s}")
                }
                let field = "\(key).for"
                let text = try Self.text(first.value, field, file)
                let length: Duration
                do { length = try ConditionText.duration(text) } catch { throw fail(first.value, field, error.description) }
                guard length > .zero else { throw fail(first.value, field, "a span lasts more than 0 s") }
                let (off, on): (Scenario.Change, Scenario.Change) = key == "coverage_lost" ? (.coverage(false), .coverage(true)) : (.dns(false), .dns(true))
                steps.append(.init(at: at, change: off))
                steps.append(.init(at: at + length, change: on))
            }
        }
        return steps
    }

    /// `as-requested`, `deny`, or `{tau: DURATION, active: DURATION}`, each an exact GPRS timer value.
    private static func psm(_ node: Node, file: String) throws(ScenarioError) -> RadioNetworkChange.PSM {
        func fail(_ node: Node, _ field: String, _ message: String) -> ScenarioError {
            ScenarioError(file: file, line: node.mark?.line, field: field, message: message)
        }
        let usage = "a PSM policy is as-requested, deny, or {tau: DURATION, active: DURATION}, e.g. {tau: 3600s, active: 60s}"
        if let text = node.string {
            switch text {
            case "as-requested": return .asRequested
            case "deny": return .deny
            default: throw fail(node, "psm", "\"\(text)\" is unknown; \(usage)")
            }
        }
        guard let mapping = node.mapping else { throw fail(node, "psm", usage) }
        var timers: [String: Duration] = [:]
        for (keyNode, value) in mapping {
            guard let key = keyNode.string, ["tau", "active"].contains(key) else {
                throw fail(keyNode, "psm", "unknown field \(keyNode.string.map { "\"\($0)\"" } ?? "(not text)"); \(usage)")
            }
            let field = "psm.\(key)"
            let text = try Self.text(value, field, file)
            let duration: Duration
            do { duration = try ConditionText.duration(text) } catch { throw fail(value, field, error.description) }
            if let problem = key == "tau" ? PSMTimerRule.periodicTAUProblem(duration) : PSMTimerRule.activeTimeProblem(duration) {
                throw fail(value, field, problem)
            }
            timers[key] = duration
        }
        guard let tau = timers["tau"], let active = timers["active"] else {
            throw fail(node, "psm", "both tau and active are needed; \(usage)")
        }
        return .grant(periodicTAU: tau, activeTime: active)
    }

    private static func text(_ node: Node, _ field: String, _ file: String) throws(ScenarioError) -> String {
        guard let text = node.string else {
            throw ScenarioError(file: file, line: node.mark?.line, field: field, message: "expected a value, not a list or mapping")
        }
        return text
    }

    private static func clockText(_ time: Duration) -> String {
        let seconds = Int(time.components.seconds)
        return "\(seconds / 3600):\(seconds / 60 % 60):\(seconds % 60)"
    }

    /// libyaml's messages put the position as `LINE:COLUMN: error: ...`.
    private static func line(inYAMLError message: String) -> Int? {
        message.split(separator: ":", maxSplits: 1).first.flatMap { Int($0) }
    }
}

/// A scenario file is unusable: the file, the line (when known), the field and what is wrong.
public struct ScenarioError: Error, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var field: String?
    public var message: String

    public var description: String {
        "\(self.file)\(self.line.map { ":\($0)" } ?? ""): \(self.field.map { "\($0): " } ?? "")\(self.message)"
    }
}
