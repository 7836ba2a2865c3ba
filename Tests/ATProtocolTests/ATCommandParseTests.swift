import ATProtocol
import Testing

@Suite("AT command parsing")
struct ATCommandParseTests {
    @Test(
        "well-formed lines",
        arguments: [
            ("AT", ATCommand(name: "", form: .action)),
            ("at", ATCommand(name: "", form: .action)),
            ("\nAT+CGSN\r", ATCommand(name: "+CGSN", form: .action)),
            ("at+cgsn=1", ATCommand(name: "+CGSN", form: .set, parameters: [.token("1")])),
            ("AT+CMEE?", ATCommand(name: "+CMEE", form: .read)),
            ("AT+CFUN=?", ATCommand(name: "+CFUN", form: .test)),
            ("AT%CMNG=1, 16842753", ATCommand(name: "%CMNG", form: .set, parameters: [.token("1"), .token("16842753")])),
            ("AT%CMNG=1,,0", ATCommand(name: "%CMNG", form: .set, parameters: [.token("1"), .empty, .token("0")])),
            ("AT+CMEE=", ATCommand(name: "+CMEE", form: .set, parameters: [.empty])),
            (
                "AT%KEYGEN=17,2,0,\"CN=a,O=b\",\"101010000\"",
                ATCommand(
                    name: "%KEYGEN", form: .set,
                    parameters: [.token("17"), .token("2"), .token("0"), .quoted(Array("CN=a,O=b".utf8)), .quoted(Array("101010000".utf8))])
            ),
            (
                "AT%CMNG=0,1,0,\"a\r\nb\" ",
                ATCommand(name: "%CMNG", form: .set, parameters: [.token("0"), .token("1"), .token("0"), .quoted(Array("a\r\nb".utf8))])
            ),
            ("AT%ATTESTTOKEN=\"\"", ATCommand(name: "%ATTESTTOKEN", form: .set, parameters: [.quoted([])])),
        ])
    func parses(_ line: String, _ expected: ATCommand) throws {
        #expect(try ATCommand.parse(line) == expected)
    }

    @Test(
        "malformed lines name what is wrong and where",
        arguments: [
            ("at AT+CGSN", ATSyntaxError("expected '+', '%' or '#' after \"AT\"", column: 3)),
            ("XT+CGSN", ATSyntaxError("line does not start with \"AT\"", column: 1)),
            ("A", ATSyntaxError("line does not start with \"AT\"", column: 1)),
            ("AT+", ATSyntaxError("missing command name", column: 4)),
            ("AT+CGSN!", ATSyntaxError("unexpected character after command name", column: 8)),
            ("AT%CMNG=0,1,0,\"abc", ATSyntaxError("unterminated quoted parameter", column: 15)),
            ("AT%CMNG=0,1,0,\"abc\"x", ATSyntaxError("expected ',' after quoted parameter", column: 20)),
            ("AT%CMNG=0,1\"", ATSyntaxError("unexpected '\"' inside unquoted parameter", column: 12)),
        ])
    func rejects(_ line: String, _ expected: ATSyntaxError) {
        #expect(throws: expected) { try ATCommand.parse(line) }
    }

    @Test(
        "unsigned 32-bit parameters",
        arguments: [
            ("0", UInt32?.some(0)), ("4294967295", 4_294_967_295), ("4294967296", nil), ("-1", nil), ("+1", nil),
            ("1a", nil), ("00000000001", nil), ("", nil),
        ])
    func uint32(_ token: String, _ expected: UInt32?) {
        #expect(ATParameter.token(token).uint32 == expected)
    }

    @Test("responses end every line with CRLF and honour CMEE")
    func encoding() {
        let response = ATResponse(lines: [Array("+CMEE: 1".utf8)], result: .ok)
        #expect(response.encoded(cmeeEnabled: false) == Array("+CMEE: 1\r\nOK\r\n".utf8))
        #expect(ATResponse.cme(.notFound).encoded(cmeeEnabled: true) == Array("+CME ERROR: 513\r\n".utf8))
        #expect(ATResponse.cme(.notFound).encoded(cmeeEnabled: false) == Array("ERROR\r\n".utf8))
        #expect(ATResponse.error.encoded(cmeeEnabled: true) == Array("ERROR\r\n".utf8))
    }
}
