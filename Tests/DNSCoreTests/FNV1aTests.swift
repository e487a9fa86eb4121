import DNSCore
import Testing

/// The digests are stored (observation contents, finding subjects), so the function may never change.
@Suite struct FNV1aTests {
    @Test(arguments: [("", "cbf29ce484222325"), ("a", "af63dc4c8601ec8c"), ("foobar", "85944171f73967e8")])
    func publishedVectors(text: String, hex: String) {
        var hash = FNV1a()
        hash.add(text)
        #expect(hash.hex == hex)
    }

    @Test func fieldsAreTheirMarkedBytes() {
        var fields = FNV1a()
        fields.field("x"); fields.field(nil as String?); fields.field(["a", "é"])
        var bytes = FNV1a()
        for text in ["=", "x", "\u{1F}", "-", "\u{1F}", "=", "2", "\u{1F}", "=", "a", "\u{1F}", "=", "é", "\u{1F}"] { bytes.add(text) }
        #expect(fields.value == bytes.value)
    }
}
