import Testing
import TransportPolicy

/// TLSA rdata (RFC 6698 section 2.1) and the parameters SMTP senders use (RFC 7672 section 3.1).
@Suite struct TLSARecordTests {
    static func rdata(_ usage: UInt8, _ selector: UInt8, _ matching: UInt8, length: Int) -> [UInt8] {
        [usage, selector, matching] + Array(repeating: 0xAB, count: length)
    }

    @Test(arguments: [
        ([3, 1] as [UInt8], "octets: expected usage"),
        (rdata(3, 1, 1, length: 31), "needs 32 octets"),
        (rdata(3, 1, 2, length: 32), "needs 64 octets"),
        (rdata(3, 0, 0, length: 16385), "more than 16384"),
    ])
    func malformedRdataSaysWhy(_ rdata: [UInt8], _ expected: String) {
        guard case .failure(let error) = TLSARecord.parse(rdata) else { Issue.record("parsed"); return }
        #expect(error.message.contains(expected), "\(error.message)")
    }

    @Test func usableAndUnusableParameters() throws {
        let good = try TLSARecord.parse(Self.rdata(3, 1, 1, length: 32)).get()
        #expect(good.isUsable && good.text == "3 1 1 " + String(repeating: "ab", count: 32))
        let full = try TLSARecord.parse(Self.rdata(2, 0, 0, length: 700)).get()
        #expect(full.isUsable && full.text.hasSuffix("..."))
        #expect(try TLSARecord.parse(Self.rdata(1, 1, 1, length: 32)).get().problems.first?.contains("PKIX-EE") == true)
        #expect(try TLSARecord.parse(Self.rdata(0, 1, 1, length: 32)).get().problems.first?.contains("PKIX-TA") == true)
        #expect(try TLSARecord.parse(Self.rdata(3, 2, 3, length: 8)).get().problems.count == 2)
    }
}
