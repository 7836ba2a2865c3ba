import Kconfig

/// The firmware's configuration, built from the evaluated Kconfig symbols as the C code sees them through
/// `autoconf.h`. The firmware reads only this type; symbols without a section stay reachable through `value(_:as:)`.
public struct FirmwareConfiguration: Sendable, Equatable {
    public var board: BoardConfiguration
    public var hub: HubConfiguration
    /// Nil unless `CONFIG_AZURE_IOT_HUB_DPS` is enabled.
    public var dps: DPSConfiguration?
    public var mqttHelper: MQTTHelperConfiguration
    public var mqtt: MQTTConfiguration
    /// Nil unless `CONFIG_AZURE_FOTA` is enabled.
    public var fota: FOTAConfiguration?
    public var hwID: HWIDConfiguration
    /// `CONFIG_LTE_LINK_CONTROL` (with the modem's network interface).
    public var lteLinkControl: LTELinkControlConfiguration
    public var settings: SettingsConfiguration
    public var logging: LoggingConfiguration
    public var sample: SampleConfiguration
    public var simulator: SimulatorConfiguration
    private let symbols: [String: SymbolValue]

    /// Builds the configuration from evaluated symbols (`Kconfig.symbolValues()`). Symbols the tree does not
    /// define read as n, 0 or "", as an undefined `CONFIG_` macro does in C.
    public init(symbols: [String: SymbolValue]) {
        self.symbols = symbols
        let reader = SymbolReader(symbols: symbols)
        self.board = BoardConfiguration(reader)
        self.hub = HubConfiguration(reader)
        self.dps = reader.bool("AZURE_IOT_HUB_DPS") ? DPSConfiguration(reader) : nil
        self.mqttHelper = MQTTHelperConfiguration(reader)
        self.mqtt = MQTTConfiguration(reader)
        self.fota = reader.bool("AZURE_FOTA") ? FOTAConfiguration(reader) : nil
        self.hwID = HWIDConfiguration(reader)
        self.lteLinkControl = LTELinkControlConfiguration(reader)
        self.settings = SettingsConfiguration(reader)
        self.logging = LoggingConfiguration(reader)
        self.sample = SampleConfiguration(reader)
        self.simulator = SimulatorConfiguration(reader)
    }

    /// Any symbol's value, typed: `Bool` for bool symbols, `Int` for int and hex, `String` for string. Nil when
    /// the symbol is undefined or has another type.
    public func value<Value: KconfigValueConvertible>(_ name: String, as type: Value.Type = Value.self) -> Value? {
        self.symbols[name].flatMap(Value.init(symbol:))
    }

    /// Every symbol's raw evaluated value.
    public var allSymbols: [String: SymbolValue] { self.symbols }
}

/// A Swift type a Kconfig symbol value converts to.
public protocol KconfigValueConvertible {
    init?(symbol: SymbolValue)
}

extension Bool: KconfigValueConvertible {
    public init?(symbol: SymbolValue) {
        guard let value = symbol.bool else { return nil }
        self = value
    }
}

extension Int: KconfigValueConvertible {
    public init?(symbol: SymbolValue) {
        guard let value = symbol.int else { return nil }
        self = value
    }
}

extension String: KconfigValueConvertible {
    public init?(symbol: SymbolValue) {
        guard let value = symbol.string else { return nil }
        self = value
    }
}

/// Reads symbols as C code reads `CONFIG_` macros.
struct SymbolReader {
    let symbols: [String: SymbolValue]

    func bool(_ name: String) -> Bool { self.symbols[name]?.bool ?? false }
    func int(_ name: String, default fallback: Int = 0) -> Int { self.symbols[name]?.int ?? fallback }
    func string(_ name: String) -> String { self.symbols[name]?.string ?? "" }
    /// A string symbol, or nil when it is empty or undefined.
    func nonEmpty(_ name: String) -> String? {
        let value = self.string(name)
        return value.isEmpty ? nil : value
    }
    /// A security tag symbol: nil for -1 (unused) or when undefined.
    func secTag(_ name: String) -> Int? {
        guard let value = self.symbols[name]?.int, value >= 0 else { return nil }
        return value
    }
}
