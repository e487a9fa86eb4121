import DMARC
import DNSCore
import Foundation
import Testing

/// `evaluation_vectors` of the shared DMARC vectors (mailauth's evaluation tests; the "pending" ones are
/// RFC 9989 targets mailauth skips, and are expected to pass here). No deviations.
///
/// Reading of the expectation keys: `policy` is the policy to apply after `t=y`; `p` and `pct` are the
/// record's values; `spf_aligned_domain` is the Organizational Domain of the SPF identifier that aligned
/// (B.4.3 names giant.bank.example for mail.giant.bank.example); `header.d` is a signing domain given;
/// a `result` starting "not evaluated" means `none` with a problem saying so.
@Suite("DMARC evaluation vectors")
struct EvaluationVectorTests {
    @Test func evaluationVectors() async throws {
        guard let vectors = try DMARCVectorFile.group("evaluation_vectors") else {
            print(VectorTally().summary("dmarc-evaluation") + " (shared data absent)")
            try Test.cancel("shared data absent (set SENDERWATCH_SHARED)")
        }
        var tally = VectorTally()
        for vector in vectors {
            let id = vector["id"] as? String ?? "?"
            let resolver = try DMARCVectorFile.resolver(vector["zone"])
            let dkim = try (vector["dkim_domains"] as? [String] ?? []).map { try DomainName($0) }
            let spf = try (vector["spf_domains"] as? [String] ?? []).map { try DomainName($0) }
            let from = vector["header_from"] as? [String] ?? [vector["header_from"] as? String ?? ""]
            let verdict = await DMARCEvaluator(resolver: resolver).evaluate(fromAddresses: from, dkimDomains: dkim, spfDomains: spf)
            tally.record(id, Self.problems(vector["expect"] as? [String: Any] ?? [:], verdict))
        }
        print(tally.summary("dmarc-evaluation"))
        for failure in tally.failures { Issue.record(Comment(rawValue: failure)) }
    }

    static func problems(_ expect: [String: Any], _ verdict: DMARCVerdict) -> [String] {
        var problems: [String] = []
        func check(_ key: String, _ got: String?) {
            guard expect.keys.contains(key) else { return }
            let want = expect[key].flatMap { $0 is NSNull ? nil : DMARCVectorFile.text($0) }
            if want != got { problems.append("\(key): expected \(want ?? "null"), got \(got ?? "null")") }
        }
        if let result = expect["result"] as? String, result.hasPrefix("not evaluated") {
            if verdict.result != .none || verdict.problem?.contains("not evaluated") != true {
                problems.append("expected not evaluated, got \(verdict.result)")
            }
        } else {
            check("result", verdict.result.rawValue)
        }
        check("policy", verdict.policy?.rawValue)
        check("p", verdict.record?.policy.rawValue)
        check("pct", verdict.record?.percentage.map(String.init))
        check("policy_domain", verdict.policyDomain?.text)
        check("dkim_strict", verdict.record.map { $0.dkimAlignment == .strict ? "1" : "0" })
        check("spf_strict", verdict.record.map { $0.spfAlignment == .strict ? "1" : "0" })
        check("dkim_aligned", verdict.dkimAlignedDomain == nil ? "0" : "1")
        check("header.from", verdict.headerFrom?.text)
        if let d = expect["header.d"] as? String, !verdict.dkim.contains(where: { $0.domain.text == d }) {
            problems.append("header.d \(d) not among the DKIM identifiers")
        }
        if let want = expect["spf_aligned_domain"] as? String {
            let aligned = verdict.spf.first { $0.aligned == true }
            let got = aligned.map { $0.organizationalDomain ?? $0.domain }
            if got?.text != want { problems.append("spf_aligned_domain: expected \(want), got \(got?.text ?? "none")") }
        }
        if let raw = expect["raw_record_contains"] as? String, verdict.record?.text.contains(raw) != true {
            problems.append("record text lacks \(raw)")
        }
        if let queries = expect["dmarc_queries_in_order"] as? [String] {
            let got = verdict.queries.filter { $0.hasPrefix("_dmarc.") }
            if got != queries { problems.append("queries: expected \(queries), got \(got)") }
        }
        return problems
    }
}
