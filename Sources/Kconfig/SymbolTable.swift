/// The symbols by the bytes of their names: the tokenizer finds a known symbol without building a `String`.
/// Open addressing with FNV-1a; `Kconfig.syms` stays the public, `String`-keyed view.
struct SymbolTable {
    private var slots: [Symbol?] = Array(repeating: nil, count: 1024)
    private var hashes: [UInt64] = Array(repeating: 0, count: 1024)
    private var count = 0

    static func hash<C: Collection>(_ bytes: C) -> UInt64 where C.Element == UInt8 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash | 1
    }

    func find(_ bytes: ArraySlice<UInt8>, hash: UInt64) -> Symbol? {
        let mask = self.slots.count - 1
        var index = Int(truncatingIfNeeded: hash) & mask
        while let symbol = self.slots[index] {
            if self.hashes[index] == hash, symbol.nameBytes.elementsEqual(bytes) { return symbol }
            index = (index + 1) & mask
        }
        return nil
    }

    mutating func insert(_ symbol: Symbol) {
        if (self.count + 1) * 2 > self.slots.count { self.grow() }
        self.place(symbol, hash: Self.hash(symbol.nameBytes))
        self.count += 1
    }

    private mutating func place(_ symbol: Symbol, hash: UInt64) {
        let mask = self.slots.count - 1
        var index = Int(truncatingIfNeeded: hash) & mask
        while self.slots[index] != nil { index = (index + 1) & mask }
        self.slots[index] = symbol
        self.hashes[index] = hash
    }

    private mutating func grow() {
        let oldSlots = self.slots
        let oldHashes = self.hashes
        self.slots = Array(repeating: nil, count: oldSlots.count * 2)
        self.hashes = Array(repeating: 0, count: oldSlots.count * 2)
        for index in oldSlots.indices {
            if let symbol = oldSlots[index] { self.place(symbol, hash: oldHashes[index]) }
        }
    }
}
