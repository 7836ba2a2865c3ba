import Dispatch
import Foundation
import Logging
import Synchronization

/// The connection manager's view of the board's network (`conn_mgr_all_if_up()`/`_connect()` and the
/// `NET_EVENT_L4_CONNECTED`/`_DISCONNECTED` events).
public protocol NetworkInterface: Sendable {
    /// Brings every interface up and starts connecting. - Returns: 0 or a negative errno.
    func connect() -> Int32
    /// Registers the L4 handler: true when connectivity is established, false when it is lost.
    func onConnectivity(_ handler: @escaping @Sendable (_ connected: Bool) -> Void)
}

/// The thread net_mgmt event callbacks run in (Zephyr's `net_mgmt` thread, CONFIG_NET_MGMT_EVENT_THREAD): one,
/// in order.
let netManagementQueue = WorkQueue(name: "net_mgmt")

/// LTE through the nRF91 modem (`NRF_MODEM_LIB_NET_IF`, nrf/lib/nrf_modem_lib/lte_net_if/lte_net_if.c, sdk-nrf
/// v2.9.0): the modem library's initialisation runs lte_lc's hook, connecting sets `LTE_LC_FUNC_MODE_ACTIVATE_LTE`
/// (`lte_net_if_connect()`, lte_net_if.c:408), `+CEREG` changes are the events.
public final class LTELink: NetworkInterface {
    private let modem: any ModemLibrary
    /// lte_lc, which the interface selects (`select LTE_LINK_CONTROL`); nil runs `AT+CFUN=1` alone.
    public let linkControl: LTELinkControl?
    private let initialized = Mutex(false)
    private let state = Mutex<(registered: Bool, handlers: [@Sendable (Bool) -> Void])>((false, []))
    /// Run at once, on the modem's thread, when the link goes down: the modem's sockets close with it.
    private let socketsClosed = Mutex<[@Sendable () -> Void]>([])
    private let logger: Logger

    public init(modem: any ModemLibrary, linkControl: LTELinkControl? = nil, logger: Logger) {
        self.modem = modem
        self.linkControl = linkControl
        self.logger = logger
        modem.onLinkChange { [weak self] registered in self?.linkChanged(registered) }
    }

    public func connect() -> Int32 {
        if let linkControl {
            // conn_mgr_all_if_up(): nrf_modem_lib_init() runs the NRF_MODEM_LIB_ON_INIT hooks once.
            let first = self.initialized.withLock { done in
                defer { done = true }
                return !done
            }
            if first { linkControl.onModemInit() }
            let err = linkControl.functionalModeSet(.activateLTE)
            if err != 0 {
                self.logger.error("lte_lc_func_mode_set, error: \(err)")
                return err
            }
        } else {
            let response = self.modem.atCommand("AT+CFUN=1")
            guard response.hasSuffix("OK\r\n") else {
                self.logger.error("Failed to set functional mode: \(response.trimmingCharacters(in: .whitespacesAndNewlines))")
                return -Errno.EFAULT
            }
        }
        // Already on (a user's AT+CFUN=1 before boot): no change is notified, so read the registration.
        let cereg = self.modem.atCommand("AT+CEREG?")
        if cereg.contains(",1\r\n") || cereg.contains(",5\r\n") || cereg.contains(",1,") || cereg.contains(",5,") {
            self.linkChanged(true)
        }
        return 0
    }

    public func onConnectivity(_ handler: @escaping @Sendable (Bool) -> Void) {
        self.state.withLock { $0.handlers.append(handler) }
    }

    /// Registers what the modem does to the firmware's sockets when LTE goes down (before any L4 event).
    public func onSocketsClosed(_ handler: @escaping @Sendable () -> Void) {
        self.socketsClosed.withLock { $0.append(handler) }
    }

    private func linkChanged(_ registered: Bool) {
        let handlers = self.state.withLock { state -> [@Sendable (Bool) -> Void]? in
            guard state.registered != registered else { return nil }
            state.registered = registered
            return state.handlers
        }
        guard let handlers else { return }
        if !registered {
            for close in self.socketsClosed.withLock({ $0 }) { close() }
        }
        // net_mgmt events arrive on their own thread, not on the modem's.
        for handler in handlers { netManagementQueue.submit { handler(registered) } }
    }
}

/// A link that is up as soon as it is asked to connect: Wi-Fi through the nRF70 companion (the simulated access point
/// associates and DHCP answers at once), or native_sim's native Ethernet driver on the host's network.
public final class WiFiLink: NetworkInterface {
    private let handlers = Mutex<[@Sendable (Bool) -> Void]>([])

    public init() {}

    public func connect() -> Int32 {
        let handlers = self.handlers.withLock { $0 }
        for handler in handlers { netManagementQueue.submit { handler(true) } }
        return 0
    }

    public func onConnectivity(_ handler: @escaping @Sendable (Bool) -> Void) {
        self.handlers.withLock { $0.append(handler) }
    }
}
