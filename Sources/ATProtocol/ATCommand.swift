/// One parsed AT command line, such as `AT%CMNG=0,16842753,0,"-----BEGIN…"`.
public struct ATCommand: Equatable, Sendable {
    /// How the command was written after its name.
    public enum Form: Equatable, Sendable {
        /// `AT+CGMR`
        case action
        /// `AT+CMEE=1`
        case set
        /// `AT+CMEE?`
        case read
        /// `AT+CMEE=?`
        case test
    }

    /// The upper-cased command name with its prefix (`+CGSN`, `%CMNG`), or the empty string for a bare `AT`.
    public var name: String
    public var form: Form
    /// The parameters of a ``Form/set`` command, in order.
    public var parameters: [ATParameter]

    public init(name: String, form: Form, parameters: [ATParameter] = []) {
        self.name = name
        self.form = form
        self.parameters = parameters
    }

    /// The parameter at `index`, or ``ATParameter/omitted`` past the end.
    public func parameter(_ index: Int) -> ATParameter {
        index < self.parameters.count ? self.parameters[index] : .omitted
    }
}

/// One comma-separated parameter of an AT command.
public enum ATParameter: Equatable, Sendable {
    /// Not written at all (past the last comma).
    case omitted
    /// Written as nothing between two commas.
    case empty
    /// An unquoted token, with surrounding blanks removed (`16842753`).
    case token(String)
    /// A double-quoted string: the exact bytes between the quotes, CR and LF included.
    case quoted([UInt8])

    /// The value as an unsigned 32-bit decimal, or nil if it is not one (signs, letters, overflow).
    public var uint32: UInt32? {
        guard case .token(let text) = self, !text.isEmpty, text.count <= 10,
            text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { return nil }
        return UInt32(text)
    }

    /// The bytes of a quoted parameter, or nil for any other kind.
    public var quotedBytes: [UInt8]? {
        if case .quoted(let bytes) = self { return bytes }
        return nil
    }

    /// Whether the parameter was left out or left empty.
    public var isAbsent: Bool {
        switch self {
        case .omitted, .empty: return true
        case .token, .quoted: return false
        }
    }
}
