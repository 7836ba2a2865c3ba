// kconfig-bench DIR REPS [FRAGMENT…]: parses DIR/Kconfig, loads the fragments (the first replaces, the rest
// merge), evaluates every symbol and writes .config and autoconf.h, REPS times in this process; prints the
// median and minimum of each phase in milliseconds as JSON (the same phases benchmarks/kconfig_bench.py times in
// kconfiglib).
import Foundation
import Kconfig

let arguments = CommandLine.arguments
guard arguments.count >= 3, let reps = Int(arguments[2]) else {
    FileHandle.standardError.write(Data("usage: kconfig-bench DIR REPS [FRAGMENT…]\n".utf8))
    exit(2)
}
let directory = arguments[1]
let fragments = Array(arguments.dropFirst(3))
let environment = ProcessInfo.processInfo.environment
var phases: [String: [Double]] = ["parse": [], "load": [], "eval": [], "write": [], "total": []]
var summary = ""

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e6 }

for _ in 0..<reps {
    let t0 = now()
    let kconfig = try Kconfig(rootDirectory: directory, environment: environment)
    let t1 = now()
    kconfig.warnAssignUndef = true
    kconfig.warnAssignOverride = false
    kconfig.warnAssignRedun = false
    for (index, fragment) in fragments.enumerated() {
        try kconfig.loadConfig(directory + "/" + fragment, displayName: fragment, replace: index == 0)
    }
    let t2 = now()
    for symbol in kconfig.uniqueDefinedSymbols {
        _ = kconfig.strValue(symbol)
        _ = kconfig.configString(symbol)
    }
    for choice in kconfig.uniqueChoices { _ = kconfig.selection(choice) }
    let t3 = now()
    let config = kconfig.configText()
    let autoconf = kconfig.autoconfText()
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("kconfig-bench-\(getpid())")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    try config.write(to: scratch.appendingPathComponent(".config"), atomically: false, encoding: .utf8)
    try autoconf.write(to: scratch.appendingPathComponent("autoconf.h"), atomically: false, encoding: .utf8)
    try? FileManager.default.removeItem(at: scratch)
    let t4 = now()
    for (key, value) in zip(["parse", "load", "eval", "write", "total"], [t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0]) {
        phases[key]!.append(value)
    }
    summary = "\"syms\": \(kconfig.syms.count), \"defined\": \(kconfig.uniqueDefinedSymbols.count), \"choices\": \(kconfig.uniqueChoices.count), \"warnings\": \(kconfig.warnings.count)"
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

let fields = ["parse", "load", "eval", "write", "total"].map { key in
    "\"\(key)\": {\"median\": \(median(phases[key]!)), \"min\": \(phases[key]!.min()!)}"
}
print("{\(summary), \(fields.joined(separator: ", "))}")
