import Firmware
import OpenSSLKit
import VirtualModem

/// The firmware's `nrf_modem_lib` bound to the virtual modem: AT commands as bytes through the modem's AT parser,
/// TLS from its credential store, and its link changes.
struct ModemLibraryAdapter: ModemLibrary {
    let modem: Modem

    /// The response alone: notifications reach ``onNotification(_:)``, as `nrf_modem_at_cmd()` and the AT
    /// notification handler split them.
    func atCommand(_ command: String) -> String { self.modem.command(command) }

    func tlsContext(secTags: [Int], hostname: String) throws -> TLSClientContext {
        try self.modem.tlsContext(secTags: secTags, hostname: hostname)
    }

    func onLinkChange(_ handler: @escaping @Sendable (Bool) -> Void) { self.modem.onLinkChange(handler) }

    func onNotification(_ handler: @escaping @Sendable (String) -> Void) { self.modem.onNotification(handler) }

    func socketSend() { self.modem.uplink() }
}
