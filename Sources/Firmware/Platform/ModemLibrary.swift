import OpenSSLKit

/// What the firmware sees of an nRF91 modem: the analogue of `nrf_modem_lib` — AT commands (`nrf_modem_at_cmd()`),
/// offloaded TLS sockets whose credentials never leave the modem, and link notifications (`+CEREG`).
public protocol ModemLibrary: Sendable {
    /// `nrf_modem_at_cmd()`: one command, its whole response (ending `OK`, `ERROR` or `+CME ERROR: n`).
    func atCommand(_ command: String) -> String

    /// The modem's TLS for an offloaded socket with `TLS_SEC_TAG_LIST = secTags`: roots, client certificate and key
    /// come from the modem's credential store; peer and hostname verification are on.
    /// - Throws: ``TLSSetupError`` when the tags hold no usable credentials.
    func tlsContext(secTags: [Int], hostname: String) throws -> TLSClientContext

    /// Registers for LTE link changes: true when the modem registers to the network, false when it leaves
    /// (`AT+CFUN=4` from any AT client, for example). Called on the modem's thread.
    func onLinkChange(_ handler: @escaping @Sendable (_ registered: Bool) -> Void)

    /// `nrf_modem_at_notif_handler_set()`: every AT notification (`+CEREG: ...`, `+CSCON: ...`), without CRLF, on
    /// the modem's thread.
    func onNotification(_ handler: @escaping @Sendable (_ notification: String) -> Void)

    /// An offloaded socket sends data: the modem's radio connects for it (waking from PSM).
    func socketSend()
}

extension ModemLibrary {
    /// A modem that sends no notifications.
    public func onNotification(_ handler: @escaping @Sendable (_ notification: String) -> Void) {}
    /// A modem without radio states.
    public func socketSend() {}
}

/// TLS cannot be set up for a socket: its security tags hold no usable credentials (modem or native store).
public struct TLSSetupError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
