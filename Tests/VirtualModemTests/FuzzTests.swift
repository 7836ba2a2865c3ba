import ATProtocol
import SimCore
import Testing
@testable import VirtualModem

/// Seeded random and mutated AT input through the framer and the modem: no crash, the modem keeps answering, and
/// the credential store changes only through writes, deletes and key generations that were answered `OK`.
@Suite("AT fuzzing")
struct FuzzTests {
    static let seeds: [String] = [
        "AT", "AT+CMEE=1", "AT+CMEE?", "AT+CFUN=4", "AT+CFUN=1", "AT+CFUN?", "AT+CGSN", "AT+CGSN=1", "AT+CGMR",
        "AT+CGMM", "AT%HWVERSION", "AT%XMODEMUUID", "AT+CEREG=5", "AT+CEREG?", "AT%CMNG=1", "AT%CMNG=1,16842753",
        "AT%CMNG=0,16842753,0,\"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\"",
        "AT%CMNG=0,7,3,\"00aa\"", "AT%CMNG=2,16842753,0", "AT%CMNG=3,16842753,0", "AT%CMNG=3,4294967294,6",
        "AT%KEYGEN=16842753,2,0", "AT%KEYGEN=17,2,1,\"CN=x\",\"101010000\"", "AT%ATTESTTOKEN",
        "AT%ATTESTTOKEN=\"000102030405060708090a0b0c0d0e0f\"", "at AT+CGSN",
        "AT+CPSMS=1,,,\"00000011\",\"00100001\"", "AT+CPSMS?", "AT+CPSMS=", "AT+CEDRXS=2,4,\"1001\"", "AT+CEDRXS?",
        "AT%XPTW=4,\"0001\"", "AT+CEDRXRDP", "AT+CSCON=3", "AT+CSCON?", "AT%XMONITOR", "AT%FEACONF=0,3,1",
    ]

    static let mutatingCommands: Set<String> = ["%CMNG", "%KEYGEN"]

    @Test("100,000 random and mutated lines")
    func fuzz() {
        var rng = SeededGenerator(seed: 0x5EED)
        let modem = makeModem()
        var assembler = ATLineAssembler()
        var lines = 0
        while lines < 100_000 {
            let input = Self.nextInput(using: &rng)
            for output in assembler.feed(input) {
                lines += 1
                let before = modem.snapshot.credentials
                let reply: [UInt8]
                switch output {
                case .command(let line): reply = modem.handle(line: line)
                case .overflow(let length): reply = modem.handleOverflow(length: length)
                }
                #expect(reply.count >= 4 && reply.suffix(2) == [0x0D, 0x0A])
                if modem.snapshot.credentials != before {
                    guard case .command(let line) = output, let command = try? ATCommand.parse(line),
                        Self.mutatingCommands.contains(command.name),
                        String(decoding: reply, as: UTF8.self).hasSuffix("OK\r\n")
                    else {
                        Issue.record("store changed by \(output) answered \(String(decoding: reply, as: UTF8.self))")
                        return
                    }
                }
            }
            if rng.next(upperBound: UInt32(50)) == 0 {
                assembler.discardPartialCommand()  // the pty's idle timeout
            }
        }
        assembler.discardPartialCommand()
        #expect(assembler.feed(Array("AT\r\n".utf8)) == [.command(Array("AT".utf8))])
        #expect(modem.execute("AT") == "OK\r\n")
        // The modem's own entries are never lost.
        #expect(modem.snapshot.credentials.list().filter(\.readOnly).count == 3)
    }

    /// One burst of input: a mutated seed command, or random bytes, with a random terminator.
    static func nextInput(using rng: inout SeededGenerator) -> [UInt8] {
        var bytes: [UInt8]
        switch rng.next(upperBound: UInt32(10)) {
        case 0..<6:
            bytes = Array(Self.seeds[Int(rng.next(upperBound: UInt32(Self.seeds.count)))].utf8)
            for _ in 0..<Int(rng.next(upperBound: UInt32(4))) where !bytes.isEmpty {
                let index = Int(rng.next(upperBound: UInt32(bytes.count)))
                switch rng.next(upperBound: UInt32(4)) {
                case 0: bytes[index] = UInt8(truncatingIfNeeded: rng.next())
                case 1: bytes.remove(at: index)
                case 2: bytes.insert(Array(",\"=?0123456789%+\r\n\u{08}".utf8)[Int(rng.next(upperBound: UInt32(19)))], at: index)
                default: bytes += bytes[index...].prefix(8)
                }
            }
        case 6:
            bytes = rng.bytes(Int(rng.next(upperBound: UInt32(64))))
        case 7:
            bytes = Array("AT%CMNG=0,\(rng.next(upperBound: UInt32(40))),\(rng.next(upperBound: UInt32(13))),\"".utf8)
                + rng.bytes(Int(rng.next(upperBound: UInt32(300)))).map { $0 == 0x22 ? 0x41 : $0 } + [0x22]
        case 8:
            bytes = Array(repeating: UInt8(ascii: "A"), count: 3000 + Int(rng.next(upperBound: UInt32(3000))))
        default:
            bytes = Array("AT%CMNG=3,\(rng.next(upperBound: UInt32(40))),\(rng.next(upperBound: UInt32(5)))".utf8)
        }
        let terminators: [[UInt8]] = [[0x0D, 0x0A], [0x0D], [0x0A], [0x00], []]
        return bytes + terminators[Int(rng.next(upperBound: UInt32(terminators.count)))]
    }
}
