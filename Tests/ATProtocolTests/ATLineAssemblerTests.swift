import ATProtocol
import Testing

@Suite("AT line framing (at_host.c rules)")
struct ATLineAssemblerTests {
    private func commands(_ input: String, maximumLength: Int = ATLineAssembler.defaultMaximumLength) -> [ATLineAssembler.Output] {
        var assembler = ATLineAssembler(maximumLength: maximumLength)
        return assembler.feed(Array(input.utf8))
    }

    private func command(_ text: String) -> ATLineAssembler.Output { .command(Array(text.utf8)) }

    @Test("every terminator ends a command", arguments: ["\r", "\n", "\r\n", "\0"])
    func terminators(_ terminator: String) {
        #expect(self.commands("AT+CGSN" + terminator + "AT" + terminator) == [self.command("AT+CGSN"), self.command("AT")])
    }

    @Test("blank lines produce nothing")
    func blankLines() {
        #expect(self.commands("\r\n\r\n  \r\n\t\n").isEmpty)
    }

    @Test("CR and LF inside quotes are data")
    func quotedNewlines() {
        let input = "AT%CMNG=0,1,0,\"-----BEGIN\r\nabc\n-----END\"\r\n"
        #expect(self.commands(input) == [self.command("AT%CMNG=0,1,0,\"-----BEGIN\r\nabc\n-----END\"")])
    }

    @Test("a blank line inside quotes is data")
    func quotedBlankLine() {
        #expect(self.commands("AT%CMNG=0,1,0,\"a\r\n\r\nb\"\r\n") == [self.command("AT%CMNG=0,1,0,\"a\r\n\r\nb\"")])
    }

    @Test("backspace and delete edit the buffer")
    func editing() {
        #expect(self.commands("AT+CGSX\u{08}N\r") == [self.command("AT+CGSN")])
        #expect(self.commands("ATZ\u{7F}\r") == [self.command("AT")])
        // Deleting a quote closes the quoted section again, so the CR terminates.
        #expect(self.commands("AT\"\u{08}\r") == [self.command("AT")])
    }

    @Test("an overlong command is discarded whole and reported once at its terminator")
    func overflow() {
        let long = "AT%CMNG=0,1,0,\"" + String(repeating: "A", count: 50) + "\""
        #expect(self.commands(long + "\r\nAT\r\n", maximumLength: 20) == [.overflow(length: long.utf8.count), self.command("AT")])
    }

    @Test("a command at exactly the limit is kept")
    func exactlyAtLimit() {
        #expect(self.commands("AT+CGMR\r", maximumLength: 7) == [self.command("AT+CGMR")])
        #expect(self.commands("AT+CGMRX\r", maximumLength: 7) == [.overflow(length: 8)])
    }

    @Test("a partial command can be discarded")
    func discardPartial() {
        var assembler = ATLineAssembler()
        #expect(assembler.feed(Array("AT%CMNG=0,1,0,\"open".utf8)).isEmpty)
        #expect(assembler.hasPartialCommand)
        #expect(assembler.discardPartialCommand() == 19)
        #expect(assembler.feed(Array("AT\r".utf8)) == [self.command("AT")])
    }
}
