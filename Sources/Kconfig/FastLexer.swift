/// The common case of `_tokenize()`, read through a pointer: an ASCII line without `$` or `\`. Anything else —
/// non-ASCII text, macros, escapes, a preprocessor assignment, a style warning, an error — returns nil before any
/// side effect but symbol registration, and `tokenize()` then handles the line in full. Both give the same tokens.
extension Kconfig {
    func tokenizeFast(_ line: ArraySlice<UInt8>) -> [Token]? {
        line.withUnsafeBufferPointer { p -> [Token]? in
            let n = p.count
            for byte in p where byte >= 0x80 || byte == UInt8(ascii: "$") || byte == UInt8(ascii: "\\") { return nil }
            var i = 0
            while i < n, Bytes.isASCIISpace(p[i]) { i += 1 }
            let start = i
            while i < n, Bytes.isCommand(p[i]) { i += 1 }
            if i == start {
                if i == n { return n > 0 ? [.end] : nil }
                return p[i] == UInt8(ascii: "#") ? [.end] : nil
            }
            guard let first = Keyword.match(p[start..<i]) else { return nil }
            while i < n, Bytes.isASCIISpace(p[i]) { i += 1 }
            var tokens: [Token] = []
            swap(&tokens, &self.tokens)
            tokens.removeAll(keepingCapacity: true)
            tokens.append(.keyword(first))
            let isOption = first == .option
            var previousIsStringLex = first.isStringLex
            var previousIsChoice = first == .choice
            while i < n {
                let token: Token
                var end = i
                while end < n, Bytes.isIdentifier(p[end]) { end += 1 }
                if end > i {
                    let word = p[i..<end]
                    while end < n, Bytes.isASCIISpace(p[end]) { end += 1 }
                    if let keyword = Keyword.match(word) {
                        token = .keyword(keyword)
                    } else if !previousIsStringLex {
                        if word.count == 1, let letter = word.first,
                            letter == UInt8(ascii: "n") || letter == UInt8(ascii: "m") || letter == UInt8(ascii: "y")
                        {
                            token = .symbol(letter == UInt8(ascii: "n") ? self.n : letter == UInt8(ascii: "m") ? self.m : self.y)
                        } else {
                            token = .symbol(self.lookupSymbol(bytes: word))
                        }
                    } else if previousIsChoice {
                        token = .text(String(decoding: word, as: UTF8.self))
                    } else {
                        self.tokens = tokens
                        return nil  // an unquoted prompt: the general path warns
                    }
                    i = end
                } else {
                    let c = p[i]
                    switch c {
                    case UInt8(ascii: "\""), UInt8(ascii: "'"):
                        var close = i + 1
                        while close < n, p[close] != c { close += 1 }
                        guard close < n else {
                            self.tokens = tokens
                            return nil
                        }
                        let value = String(decoding: p[(i + 1)..<close], as: UTF8.self)
                        token = previousIsStringLex || isOption ? .text(value) : .symbol(self.lookupConstSymbol(value))
                        i = close + 1
                    case UInt8(ascii: "&") where i + 1 < n && p[i + 1] == UInt8(ascii: "&"):
                        token = .and
                        i += 2
                    case UInt8(ascii: "|") where i + 1 < n && p[i + 1] == UInt8(ascii: "|"):
                        token = .or
                        i += 2
                    case UInt8(ascii: "="):
                        token = .relation(.equal)
                        i += 1
                    case UInt8(ascii: "!"):
                        if i + 1 < n && p[i + 1] == UInt8(ascii: "=") {
                            token = .relation(.unequal)
                            i += 2
                        } else {
                            token = .not
                            i += 1
                        }
                    case UInt8(ascii: "("):
                        token = .openParen
                        i += 1
                    case UInt8(ascii: ")"):
                        token = .closeParen
                        i += 1
                    case UInt8(ascii: "#"):
                        tokens.append(.end)
                        return tokens
                    case UInt8(ascii: "<"):
                        let equal = i + 1 < n && p[i + 1] == UInt8(ascii: "=")
                        token = .relation(equal ? .lessEqual : .less)
                        i += equal ? 2 : 1
                    case UInt8(ascii: ">"):
                        let equal = i + 1 < n && p[i + 1] == UInt8(ascii: "=")
                        token = .relation(equal ? .greaterEqual : .greater)
                        i += equal ? 2 : 1
                    default:
                        self.tokens = tokens
                        return nil
                    }
                    // Python's isspace(): ASCII whitespace and \x1c-\x1f.
                    while i < n, Bytes.isASCIISpace(p[i]) || (p[i] >= 0x1C && p[i] <= 0x1F) { i += 1 }
                }
                tokens.append(token)
                previousIsStringLex = token.keyword?.isStringLex ?? false
                previousIsChoice = token.isKeyword(.choice)
            }
            tokens.append(.end)
            return tokens
        }
    }
}
