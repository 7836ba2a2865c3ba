// json-bench REPS COUNT…: for each COUNT, builds one JSON object of COUNT members ({"key000001": 1, …}, about
// 16 bytes a member, as a twin patch or register request would carry them), parses it REPS times with
// JSONValue.parse and prints the median and minimum parse time in milliseconds, one JSON line per count
// (benchmarks/json_parse.py runs it next to Python's json module).
import Foundation
import JSON

let arguments = CommandLine.arguments
guard arguments.count >= 3, let reps = Int(arguments[1]) else {
    FileHandle.standardError.write(Data("usage: json-bench REPS COUNT…\n".utf8))
    exit(2)
}

/// The object text benchmarks/json_parse.py builds too.
func document(_ count: Int) -> [UInt8] {
    var text = "{"
    for index in 0..<count {
        if index > 0 { text += ", " }
        text += "\"key\(String(repeating: "0", count: max(0, 6 - String(index).count)))\(index)\": \(index)"
    }
    return Array((text + "}").utf8)
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e6 }

var limits = JSONParser.Limits.default
limits.maximumKeysPerObject = .max
for count in arguments.dropFirst(2).compactMap({ Int($0) }) {
    let bytes = document(count)
    var times: [Double] = []
    for _ in 0..<reps {
        let start = now()
        guard case .object(let object) = try JSONValue.parse(bytes, limits: limits), object.count == count else {
            fatalError("the document did not parse to \(count) members")
        }
        times.append(now() - start)
    }
    times.sort()
    let median = times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
    print("{\"keys\": \(count), \"bytes\": \(bytes.count), \"median_ms\": \(median), \"min_ms\": \(times[0])}")
}
