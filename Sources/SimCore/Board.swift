/// A board target nrfsim can boot, named as in Zephyr's hardware model v2 (`board/soc/variant`).
public struct Board: Hashable, Sendable, CustomStringConvertible {
    /// The system on chip family that decides which radio and modem the board has.
    public enum SoC: String, Sendable {
        case nrf9160, nrf9161, nrf9151
        /// nRF5340 application core with an nRF7002 Wi-Fi companion: no cellular modem.
        case nrf5340
        /// native_sim: Zephyr as a Linux program, on the host's network; no radio and no modem.
        case native
    }

    public let name: String
    public let soc: SoC

    /// Whether the board carries an nRF91 cellular modem.
    public var hasCellularModem: Bool {
        switch self.soc {
        case .nrf9160, .nrf9161, .nrf9151: true
        case .nrf5340, .native: false
        }
    }

    public var description: String { self.name }

    /// Every board nrfsim knows, in the order the documentation lists them.
    public static let all: [Board] = [
        Board(name: "nrf9160dk/nrf9160/ns", soc: .nrf9160),
        Board(name: "nrf9161dk/nrf9161/ns", soc: .nrf9161),
        Board(name: "nrf9151dk/nrf9151/ns", soc: .nrf9151),
        Board(name: "thingy91/nrf9160/ns", soc: .nrf9160),
        Board(name: "thingy91x/nrf9151/ns", soc: .nrf9151),
        Board(name: "nrf7002dk/nrf5340/cpuapp/ns", soc: .nrf5340),
        Board(name: "native_sim", soc: .native),
    ]

    /// The board with this exact name, or nil.
    public static func named(_ name: String) -> Board? {
        Self.all.first { $0.name == name }
    }
}
