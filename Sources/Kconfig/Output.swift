/// `.config` and `autoconf.h` text: `_config_contents()` and `_autoconf_contents()` (no headers, as in Zephyr).
extension Kconfig {
    /// The `.config` text: the menu tree in order, menus and comments as headers, each symbol at its first node.
    public func configText() -> String {
        for symbol in self.uniqueDefinedSymbols { symbol.visited = 0 }
        var chunks = OutputBuffer()
        var afterEndComment = false
        var node = self.topNode
        while true {
            if let list = node.list {
                node = list
            } else if let next = node.next {
                node = next
            } else {
                var advanced = false
                while let parent = node.parent {
                    node = parent
                    if node.isMenu, node !== self.topNode, self.exprValue(node.dep) != 0,
                        self.exprValue(node.visibility) != 0
                    {
                        chunks += "# end of "
                        chunks += node.prompt!.text
                        chunks += "\n"
                        afterEndComment = true
                    }
                    if let next = node.next {
                        node = next
                        advanced = true
                        break
                    }
                }
                if !advanced { return chunks.string }
            }
            switch node.item {
            case .symbol(let symbol):
                if symbol.visited != 0 { continue }
                symbol.visited = 1
                let value = self.strValue(symbol)
                guard symbol.writeToConfig else { continue }
                if afterEndComment {
                    afterEndComment = false
                    chunks += "\n"
                }
                self.appendConfigLine(symbol, value, to: &chunks)
            case .menu, .comment:
                let isComment: Bool
                if case .comment = node.item { isComment = true } else { isComment = false }
                if self.exprValue(node.dep) != 0 && (isComment || self.exprValue(node.visibility) != 0) {
                    chunks += "\n#\n# "
                    chunks += node.prompt!.text
                    chunks += "\n#\n"
                    afterEndComment = false
                }
            default:
                break
            }
        }
    }

    /// The `autoconf.h` text: written symbols in definition order.
    public func autoconfText() -> String {
        var chunks = OutputBuffer()
        for symbol in self.uniqueDefinedSymbols {
            let value = self.strValue(symbol)
            guard symbol.writeToConfig else { continue }
            if symbol.origType.isBoolOrTristate {
                guard value == "y" || value == "m" else { continue }
                chunks += "#define "
                chunks += self.configPrefix
                chunks += symbol.name
                chunks += value == "y" ? " 1\n" : "_MODULE 1\n"
                continue
            }
            chunks += "#define "
            chunks += self.configPrefix
            chunks += symbol.name
            if symbol.origType == .string {
                chunks += " \""
                chunks += escapeKconfigString(value)
                chunks += "\"\n"
            } else {
                chunks += " "
                if symbol.origType == .hex && !value.hasPrefix("0x") && !value.hasPrefix("0X") { chunks += "0x" }
                chunks += value
                chunks += "\n"
            }
        }
        return chunks.string
    }

    /// `config_string` appended to a buffer.
    func appendConfigLine(_ symbol: Symbol, _ value: String, to chunks: inout OutputBuffer) {
        if symbol.origType.isBoolOrTristate && value == "n" {
            chunks += "# "
            chunks += self.configPrefix
            chunks += symbol.name
            chunks += " is not set\n"
            return
        }
        chunks += self.configPrefix
        chunks += symbol.name
        chunks += "="
        if symbol.origType == .string {
            chunks += "\""
            chunks += escapeKconfigString(value)
            chunks += "\"\n"
        } else {
            chunks += value
            chunks += "\n"
        }
    }
}

/// UTF-8 output built by appending, turned into a `String` once.
struct OutputBuffer {
    private var bytes: [UInt8] = []

    init() { self.bytes.reserveCapacity(1 << 16) }

    static func += (buffer: inout OutputBuffer, text: String) {
        var text = text
        text.withUTF8 { buffer.bytes.append(contentsOf: $0) }
    }

    static func += (buffer: inout OutputBuffer, bytes: [UInt8]) {
        buffer.bytes.append(contentsOf: bytes)
    }

    var string: String { String(decoding: self.bytes, as: UTF8.self) }
}
