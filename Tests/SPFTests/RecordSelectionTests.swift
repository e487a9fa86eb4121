import SPF
import Testing

/// RFC 7208 sections 3.3, 4.5; cases after the "Selecting records" part of the openspf.org suite.
@Suite struct RecordSelectionTests {
    static func bytes(_ s: String...) -> [[UInt8]] { s.map { Array($0.utf8) } }

    @Test func selection() {
        #expect(SPFRecordSelection(texts: []) == .none)
        #expect(SPFRecordSelection(texts: Self.bytes("v=spf10", "google-site-verification=x")) == .none)
        #expect(SPFRecordSelection(texts: Self.bytes("v=spf1")) == .record("v=spf1"))
        #expect(SPFRecordSelection(texts: Self.bytes("V=SpF1 -all", "other")) == .record("V=SpF1 -all"))
        #expect(SPFRecordSelection(texts: Self.bytes("v=spf1-all")) == .none)
        #expect(SPFRecordSelection(texts: Self.bytes("v=spf1 -all", "v=spf1 +all")) == .multiple(["v=spf1 -all", "v=spf1 +all"]))
        let hosed = Array("v=spf1 a:".utf8) + [0xEF, 0xBB, 0xBF] + Array("garbage.example.net -all".utf8)
        #expect(SPFRecordSelection(texts: [hosed]) == .nonASCII(hosed))
        // Non-ASCII in another TXT record is none of SPF's business.
        #expect(SPFRecordSelection(texts: [[0x96], Array("v=spf1 -all".utf8)]) == .record("v=spf1 -all"))
    }

    /// Character-strings join with no separator (section 3.3), so a split inside a term is harmless.
    @Test func joinedStrings() async {
        let data = DNSRecordDataFixture.txt(["v=spf1 ip4:", "192.0.2.5 -all"])
        #expect(SPFRecordSelection(texts: [data]) == .record("v=spf1 ip4:192.0.2.5 -all"))
    }
}

enum DNSRecordDataFixture {
    static func txt(_ strings: [String]) -> [UInt8] { strings.flatMap { Array($0.utf8) } }
}
