extension JSONValue {
    /// Compact JSON text.
    public var text: String {
        var out = ""
        self.write(to: &out)
        return out
    }

    /// Appends the compact text: integral numbers below 1e15 print without a fraction, non-finite ones as `null`.
    func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .integer(let value): out += String(value)
        case .number(let value):
            if value.isFinite, value == value.rounded(), abs(value) < 1e15 {
                out += String(Int64(value))
            } else {
                out += value.isFinite ? "\(value)" : "null"
            }
        case .string(let text): writeJSONString(text, to: &out)
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case .object(let object):
            out += "{"
            for (index, member) in object.members.enumerated() {
                if index > 0 { out += "," }
                writeJSONString(member.key, to: &out)
                out += ":"
                member.value.write(to: &out)
            }
            out += "}"
        }
    }
}

/// Appends `text` as a JSON string literal. RFC 8259 §7 requires escaping the quotation mark, the reverse solidus and
/// the control characters U+0000–U+001F: `\n`, `\r` and `\t` take their short forms, the other controls `\u00xx`
/// (lowercase hex); everything else, non-ASCII and U+007F included, is written as it is (UTF-8 in the output).
/// Every JSON text the project prints (the emulator's documents, `nrfsim az`, `nrfsim config --format json`) escapes
/// strings here.
func writeJSONString(_ text: String, to out: inout String) {
    out += "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
    }
    out += "\""
}

extension JSONValue {
    /// JSON indented by two spaces, as `az` prints it.
    public var prettyText: String {
        var out = ""
        self.writePretty(to: &out, indent: 0)
        return out
    }

    private func writePretty(to out: inout String, indent: Int) {
        let pad = String(repeating: " ", count: indent + 2)
        switch self {
        case .array(let items) where !items.isEmpty:
            out += "[\n"
            for (index, item) in items.enumerated() {
                out += pad
                item.writePretty(to: &out, indent: indent + 2)
                out += index + 1 < items.count ? ",\n" : "\n"
            }
            out += String(repeating: " ", count: indent) + "]"
        case .object(let object) where !object.isEmpty:
            out += "{\n"
            for (index, member) in object.members.enumerated() {
                out += pad
                writeJSONString(member.key, to: &out)
                out += ": "
                member.value.writePretty(to: &out, indent: indent + 2)
                out += index + 1 < object.count ? ",\n" : "\n"
            }
            out += String(repeating: " ", count: indent) + "}"
        default:
            self.write(to: &out)
        }
    }
}
