import Audit
import AuthReports
import Foundation
@testable import Inventory
import Testing

/// What ingestion stores as JSON with each report (its published policy, its warnings) is written directly;
/// the text is what `JSONCoding` writes for the same values, hostile characters included.
@Suite struct StoredJSONTests {
    @Test func policyAndWarningsMatchTheEncoder() {
        var policy = PolicyPublished()
        policy.domain = "example.com"
        #expect(ReportIngestion.policyJSON(policy) == JSONCoding.string([String: String]()))
        policy.p = "reject"; policy.sp = "none\""; policy.np = "q\\"; policy.pct = 50; policy.adkim = "s"
        policy.aspf = "r/"; policy.fo = "1:d\u{1}"; policy.testing = "é"
        let fields: [String: String] = ["p": "reject", "sp": "none\"", "np": "q\\", "pct": "50", "adkim": "s", "aspf": "r/",
                                        "fo": "1:d\u{1}", "testing": "é"]
        #expect(ReportIngestion.policyJSON(policy) == JSONCoding.string(fields))
        for warnings in [[], ["one"], ["tab\there", "quote \" and \\", "\u{7f}\u{0}"]] as [[String]] {
            #expect(ReportIngestion.json(warnings) == JSONCoding.string(warnings))
        }
    }

    /// The one-pass reader of stored evidence gives what JSONSerialization gives, or leaves the text to it.
    @Test func evidenceReadsAsJSONSerializationReadsIt() {
        let written: [[String: String]] = [[:], ["a": "b"], ["network": "192.0.2.0/24", "term": "ip4:192.0.2.0/24", "empty": ""],
                                           ["quote": "a \"b\" \\ c", "é": "ü/€", "tab": "x\ty", "ctl": "\u{1}"]]
        for evidence in written {
            let json = JSONCoding.string(evidence)
            #expect(InventoryMapping.decodeEvidence(json) == evidence, "\(json)")
        }
        let serialization = { (json: String) -> [String: String]? in
            (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: String]
        }
        for json in [#"{"a":"b","a":"c"}"#, #"{"a":1}"#, #"{ "a":"b"}"#, #"{"a":"b"} "#, #"{"a":"\/"}"#, #"{"a":"\u0041"}"#,
                     #"{"a":"b",}"#, #"{"a""b"}"#, #"{"a":"b""#, "{", "}", #"["a"]"#, #"{"a":"b"}x"#, #"{"\"k":"v\\"}"#] {
            if let fast = FlatJSONObject.strings(json) {
                #expect(fast == serialization(json), "\(json)")
            }
        }
        #expect(FlatJSONObject.strings(#"{"\"k":"v\\"}"#) == ["\"k": "v\\"])
    }
}
