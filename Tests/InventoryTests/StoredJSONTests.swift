import Audit
import AuthReports
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
}
