import FirmwareConfig

/// Mirrors `boot_banner()` (nrfconnect/sdk-nrf v2.9.0 lib/boot_banner/banner.c:28-56), with the version strings a
/// v2.9.0 build prints ("*** Booting nRF Connect SDK v2.9.0-7787b2649840 ***").
enum BootBanner {
    static let ncsVersion = "2.9.0"
    static let ncsCommit = "7787b2649840"
    static let zephyrVersion = "3.7.99"
    static let zephyrCommit = "1f8f3dc29142"

    /// The banner's lines. `applicationVersion` stands for APP_VERSION_STRING: the running image's version, as an
    /// application's VERSION file sets both. No git repository is known, so the commit is "unknown commit".
    static func text(_ configuration: FirmwareConfiguration, applicationVersion: String) -> String {
        guard configuration.value("NCS_BOOT_BANNER", as: Bool.self) == true else { return "" }
        var text = ""
        let application = configuration.value("NCS_APPLICATION_BOOT_BANNER_STRING", as: String.self) ?? ""
        if !application.isEmpty {
            text += "*** Booting \(application) v\(applicationVersion) - unknown commit ***\n"
        }
        let ncs = configuration.value("NCS_NCS_BOOT_BANNER_STRING", as: String.self) ?? ""
        if !ncs.isEmpty {
            text += "*** \(application.isEmpty ? "Booting " : "Using ")\(ncs) v\(Self.ncsVersion)-\(Self.ncsCommit) ***\n"
        }
        let zephyr = configuration.value("NCS_ZEPHYR_BOOT_BANNER_STRING", as: String.self) ?? ""
        if !zephyr.isEmpty {
            text += "*** Using \(zephyr) v\(Self.zephyrVersion)-\(Self.zephyrCommit) ***\n"
        }
        return text
    }
}
