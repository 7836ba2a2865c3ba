/// `.config` and `autoconf.h` text: `_config_contents()` and `_autoconf_contents()` (no headers, as in Zephyr).
extension Kconfig {
    /// The `.config` text: the menu tree in order, menus and comments as headers, each symbol at its first node.
    public func configText() -> String {
        for symbol in self.uniqueDefinedSymbols { symbol.visited = 0 }
        var chunks = ""
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
                        chunks += "# end of \(node.prompt!.text)\n"
                        afterEndComment = true
                    }
                    if let next = node.next {
                        node = next
                        advanced = true
                        break
                    }
                }
                if !advanced { return chunks }
            }
            switch node.item {
            case .symbol(let symbol):
                if symbol.visited != 0 { continue }
                symbol.visited = 1
                let line = self.configString(symbol)
                if line.isEmpty { continue }
                if afterEndComment {
                    afterEndComment = false
                    chunks += "\n"
                }
                chunks += line
            case .menu, .comment:
                let isComment: Bool
                if case .comment = node.item { isComment = true } else { isComment = false }
                if self.exprValue(node.dep) != 0 && (isComment || self.exprValue(node.visibility) != 0) {
                    chunks += "\n#\n# \(node.prompt!.text)\n#\n"
                    afterEndComment = false
                }
            default:
                break
            }
        }
    }

    /// The `autoconf.h` text: written symbols in definition order.
    public func autoconfText() -> String {
        var chunks = ""
        for symbol in self.uniqueDefinedSymbols {
            let value = self.strValue(symbol)
            guard symbol.writeToConfig else { continue }
            let name = self.configPrefix + symbol.name
            if symbol.origType.isBoolOrTristate {
                if value == "y" {
                    chunks += "#define \(name) 1\n"
                } else if value == "m" {
                    chunks += "#define \(name)_MODULE 1\n"
                }
            } else if symbol.origType == .string {
                chunks += "#define \(name) \"\(escapeKconfigString(value))\"\n"
            } else {
                let shown = symbol.origType == .hex && !value.hasPrefix("0x") && !value.hasPrefix("0X") ? "0x" + value : value
                chunks += "#define \(name) \(shown)\n"
            }
        }
        return chunks
    }
}
