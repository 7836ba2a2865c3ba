/// The symbols by the bytes of their names: the tokenizer finds a known symbol without building a `String`.
/// Open addressing with FNV-1a; `Kconfig.syms` stays the public, `String`-keyed view and keeps the symbols alive
/// (the slots are unretained).
struct SymbolTable {
    private var slots: [Unmanaged<Symbol>?] = Array(repeating: nil, count: 1024)
    private var hashes: [UInt64] = Array(repeating: 0, count: 1024)
    private var count = 0

    static func hash<C: Collection>(_ bytes: C) -> UInt64 where C.Element == UInt8 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        // FNV's low bits mix poorly; fold the high bits in (the table indexes with the low bits).
        hash = (hash ^ (hash >> 31)) &* 0xbf58_476d_1ce4_e5b9
        return (hash ^ (hash >> 29)) | 1
    }

    func find<C: Collection>(_ bytes: C, hash: UInt64) -> Symbol? where C.Element == UInt8 {
        let mask = self.slots.count - 1
        var index = Int(truncatingIfNeeded: hash) & mask
        while let slot = self.slots[index] {
            if self.hashes[index] == hash {
                let symbol = slot.takeUnretainedValue()
                if Self.equal(symbol.name, bytes) { return symbol }
            }
            index = (index + 1) & mask
        }
        return nil
    }

    /// Whether the name's UTF-8 bytes are `bytes` (through the string's contiguous storage).
    private static func equal<C: Collection>(_ name: String, _ bytes: C) -> Bool where C.Element == UInt8 {
        var name = name
        return name.withUTF8 { stored in stored.count == bytes.count && stored.elementsEqual(bytes) }
    }

    mutating func insert(_ symbol: Symbol) {
        if (self.count + 1) * 2 > self.slots.count { self.grow() }
        self.place(symbol, hash: Self.hash(symbol.name.utf8))
        self.count += 1
    }

    private mutating func place(_ symbol: Symbol, hash: UInt64) {
        let mask = self.slots.count - 1
        var index = Int(truncatingIfNeeded: hash) & mask
        while self.slots[index] != nil { index = (index + 1) & mask }
        self.slots[index] = Unmanaged.passUnretained(symbol)
        self.hashes[index] = hash
    }

    private mutating func grow() {
        let oldSlots = self.slots
        let oldHashes = self.hashes
        self.slots = Array(repeating: nil, count: oldSlots.count * 2)
        self.hashes = Array(repeating: 0, count: oldSlots.count * 2)
        for index in oldSlots.indices {
            if let slot = oldSlots[index] { self.place(slot.takeUnretainedValue(), hash: oldHashes[index]) }
        }
    }
}
