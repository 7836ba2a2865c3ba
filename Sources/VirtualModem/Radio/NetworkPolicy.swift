/// What the simulated LTE network grants and how its cell looks: the other side of `+CPSMS`, `+CEDRXS` and the RRC
/// inactivity timer. The defaults grant what the device asks.
public struct NetworkPolicy: Sendable, Equatable {
    /// The network's answer to a PSM request (the T3412 extended and T3324 values of the Attach or TAU Accept).
    public enum PSMGrant: Sendable, Equatable {
        /// Grant the requested timers (the modem's defaults where a request leaves one out).
        case asRequested
        /// Grant these timers whatever was asked.
        case grant(periodicTAU: GPRSTimer, activeTime: GPRSTimer)
        /// Refuse PSM: no T3324 in the accept, so the device never sleeps.
        case deny
    }

    /// The network's answer to an eDRX request.
    public enum EDRXGrant: Sendable, Equatable {
        /// Grant the requested eDRX value, with the requested PTW (`%XPTW`) or ``defaultPagingTimeWindow``.
        case asRequested
        /// Grant this value and Paging Time Window whatever was asked.
        case grant(value: EDRXNibble, pagingTimeWindow: EDRXNibble)
        /// Refuse eDRX.
        case deny
    }

    /// The serving cell `+CEREG` and `%XMONITOR` report.
    public struct Cell: Sendable, Equatable {
        public var operatorFullName = "nrfsim"
        public var operatorShortName = "nrfsim"
        /// MCC and MNC (the 3GPP test network).
        public var plmn = "00101"
        /// Tracking area code, 4 hexadecimal digits.
        public var trackingAreaCode = "002F"
        /// E-UTRAN cell ID, 8 hexadecimal digits.
        public var cellID = "0012BEEF"
        public var band = 20
        public var physicalCellID = 194
        public var earfcn = 6300
        /// RSRP index as `%XMONITOR` and `+CESQ` report it: dBm = index - 140 (0-97).
        public var rsrpIndex = 60
        /// SNR index as `%XMONITOR` reports it: dB = index - 24 (0-49).
        public var snrIndex = 30

        public init() {}
    }

    public var psm: PSMGrant = .asRequested
    public var edrx: EDRXGrant = .asRequested
    /// The PTW granted with eDRX when the device asks none (`%XPTW` unset): 0011, 5.12 s on LTE-M.
    public var defaultPagingTimeWindow = EDRXNibble(0b0011)
    /// The eNB's RRC inactivity timer: how long a connection with no data lasts before release to idle.
    public var rrcInactivity: Duration = .seconds(5)
    public var cell = Cell()

    public init() {}
}
