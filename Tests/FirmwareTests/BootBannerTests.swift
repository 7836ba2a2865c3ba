import FirmwareConfig
import Kconfig
import Testing

@testable import Firmware

/// lib/boot_banner/banner.c (nrfconnect/sdk-nrf v2.9.0): the lines a v2.9.0 build prints.
@Suite("Boot banner")
struct BootBannerTests {
    static func configuration(application: String) -> FirmwareConfiguration {
        FirmwareConfiguration(symbols: [
            "NCS_BOOT_BANNER": SymbolValue(type: .bool, text: "y"),
            "NCS_APPLICATION_BOOT_BANNER_STRING": SymbolValue(type: .string, text: application),
            "NCS_NCS_BOOT_BANNER_STRING": SymbolValue(type: .string, text: "nRF Connect SDK"),
            "NCS_ZEPHYR_BOOT_BANNER_STRING": SymbolValue(type: .string, text: "Zephyr OS"),
        ])
    }

    @Test("the sample (no VERSION file): the SDK boots, Zephyr is used")
    func sample() {
        #expect(BootBanner.text(Self.configuration(application: ""), applicationVersion: "1.0.0") == """
            *** Booting nRF Connect SDK v2.9.0-7787b2649840 ***
            *** Using Zephyr OS v3.7.99-1f8f3dc29142 ***

            """)
    }

    @Test("a named application boots with its version, and uses the SDK")
    func application() {
        #expect(BootBanner.text(Self.configuration(application: "azure_iot_hub"), applicationVersion: "2.0.0") == """
            *** Booting azure_iot_hub v2.0.0 - unknown commit ***
            *** Using nRF Connect SDK v2.9.0-7787b2649840 ***
            *** Using Zephyr OS v3.7.99-1f8f3dc29142 ***

            """)
    }

    @Test("CONFIG_NCS_BOOT_BANNER=n prints nothing")
    func off() {
        #expect(BootBanner.text(FirmwareConfiguration(symbols: [:]), applicationVersion: "1.0.0").isEmpty)
    }
}
