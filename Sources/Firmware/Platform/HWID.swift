import FirmwareConfig
import Foundation

/// Mirrors the HW ID library's `hw_id_get()`.
public struct HWID: Sendable {
    let source: HWIDConfiguration.Source
    let modem: (any ModemLibrary)?
    /// The board's network MAC address (six bytes), for `HW_ID_LIBRARY_SOURCE_NET_MAC`.
    let macAddress: [UInt8]
    /// The SoC's FICR DEVICEID (two words), for `HW_ID_LIBRARY_SOURCE_DEVICE_ID`.
    let deviceID: (UInt32, UInt32)

    public init(source: HWIDConfiguration.Source, modem: (any ModemLibrary)?, macAddress: [UInt8], deviceID: (UInt32, UInt32)) {
        self.source = source
        self.modem = modem
        self.macAddress = macAddress
        self.deviceID = deviceID
    }

    /// `hw_id_get()`. - Returns: the id, or nil when its source is not available (no modem for UUID/IMEI).
    public func get() -> String? {
        switch self.source {
        case .uuid:
            // modem_jwt_get_uuids(): a JWT from the modem, whose "iss" is "<chip>.<device UUID>".
            return self.modem.flatMap { Self.deviceUUID(fromJWTResponse: $0.atCommand("AT%JWT=0,0")) }
        case .imei:
            return self.modem.flatMap { modem in
                let response = modem.atCommand("AT+CGSN")
                guard response.hasSuffix("OK\r\n") else { return nil }
                return response.split(whereSeparator: \.isNewline).first.map(String.init)
            }
        case .networkMAC:
            return self.macAddress.map { String(format: "%02X", $0) }.joined()
        case .deviceID:
            return String(format: "%08X%08X", self.deviceID.0, self.deviceID.1)
        }
    }

    /// The device UUID in the `iss` claim of a `%JWT: "<jwt>"` response.
    static func deviceUUID(fromJWTResponse response: String) -> String? {
        guard response.hasSuffix("OK\r\n"), let start = response.range(of: "%JWT: \"") else { return nil }
        let token = response[start.upperBound...].prefix { $0 != "\"" }
        let parts = token.split(separator: ".")
        guard parts.count == 3 else { return nil }
        var payload = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        payload += String(repeating: "=", count: (4 - payload.count % 4) % 4)
        guard let data = Data(base64Encoded: payload),
            let claims = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
            let issuer = claims["iss"] as? String, let dot = issuer.firstIndex(of: ".")
        else { return nil }
        return String(issuer[issuer.index(after: dot)...])
    }
}
