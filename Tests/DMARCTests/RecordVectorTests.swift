import DMARC
import DNSCore
import Testing

/// `record_vectors` and `report_uri_vectors` of the shared DMARC vectors (checkdmarc and mailauth).
///
/// Deviations: where the two sources disagree, or a vector encodes one implementation's leniency, the
/// parser follows RFC 9989 and checks the alternative expectation given here instead. Such vectors count
/// as skipped in the summary line (their published expectation is not checked); a failing alternative
/// counts as failed.
///
/// | id                          | reason |
/// | --------------------------- | ------ |
/// | cd-pct-0-not-validated      | checkdmarc drops pct entirely; pct=0 is a valid RFC 7489 value that older receivers still honour, so it is kept (`percentage == 0`) next to the "pct-removed" warning. |
/// | ma-pct-invalid-lenient      | mailauth reads pct=invalid as 0; RFC 9989 removed pct, so an invalid value is ignored (`percentage == nil`) with a "pct-invalid" warning rather than guessed. |
/// | ma-tag-without-value        | mailauth keeps a bare word as a term; the RFC 9989 section 4.8 grammar has no bare words and checkdmarc (cd-grammar-error) rejects them: syntax error. |
/// | ma-term-starting-with-equals| likewise: "=value" has no tag name, a syntax error under the grammar. |
@Suite("DMARC record vectors")
struct RecordVectorTests {
    struct Alternative: Sendable {
        let reason: String
        let check: @Sendable (Result<DMARCRecord, DMARCParseError>) -> Bool
    }

    static let deviations: [String: Alternative] = [
        "cd-pct-0-not-validated": Alternative(reason: "pct=0 kept for RFC 7489 receivers") {
            guard case .success(let r) = $0 else { return false }
            return r.percentage == 0 && r.warnings.contains { $0.code == "pct-removed" }
        },
        "ma-pct-invalid-lenient": Alternative(reason: "invalid pct ignored, not read as 0") {
            guard case .success(let r) = $0 else { return false }
            return r.percentage == nil && r.policy == .reject && r.warnings.contains { $0.code == "pct-invalid" }
        },
        "ma-tag-without-value": Alternative(reason: "bare word is a syntax error") {
            if case .failure(let e) = $0 { e.code == "syntax" } else { false }
        },
        "ma-term-starting-with-equals": Alternative(reason: "term without a tag name is a syntax error") {
            if case .failure(let e) = $0 { e.code == "syntax" } else { false }
        },
    ]

    /// checkdmarc exception classes and the error codes that mean the same.
    static let errorCodes: [String: String] = [
        "InvalidDMARCReportURI": "invalid-uri",
        "InvalidDMARCTagValue": "invalid-value",
        "DMARCSyntaxError": "syntax",
        "InvalidDMARCTag": "duplicate-tag",
        "SPFRecordFoundWhereDMARCRecordShouldBe": "not-dmarc",
    ]

    /// checkdmarc warning wording -> our diagnostic code (and tag). The wording differs; the finding is
    /// the same. nil: the warning comes from checkdmarc's MX lookup of report hosts, which is DNS work
    /// outside record parsing (external destinations are checked by `DMARCReportAuthorizer` instead).
    static let warningCodes: [String: (code: String, tag: String?)?] = [
        "pct tag was removed in RFC 9989": ("pct-removed", nil),
        "rf tag was removed in RFC 9989": ("rf-removed", nil),
        "ri tag was removed in RFC 9989": ("ri-removed", nil),
        "A missing p tag is equivalent to p=none in RFC 9989, but a p tag is required in older versions of DMARC.": ("missing-p", nil),
        "rua": ("no-rua", nil),
        "Unknown DMARC tag 'xyz'": ("unknown-tag", "xyz"),
        "redundant": ("fo-redundant", nil),
        "sp tag value of none": ("subdomain-policy-none", nil),
        "parked": ("parked-", nil),
        "subdomain policy": ("parked-subdomain-policy", nil),
        "p tag does not immediately follow the v tag": ("p-not-second", nil),
        "size limit (`!size`) on rua URI": ("uri-size-limit", "rua"),
        "size limit (`!size`) on ruf URI": ("uri-size-limit", "ruf"),
        "obsolete in RFC 9989": ("uri-size-limit", nil),
        "more than two rua URIs": ("too-many-rua", nil),
        "more than two ruf URIs": ("too-many-ruf", nil),
        "pct value is less than 100": ("pct-below-100", nil),
        "no MX records": nil,
        "ruf email address": nil,
    ]

    @Test func recordVectors() throws {
        guard let vectors = try DMARCVectorFile.group("record_vectors") else {
            print(VectorTally().summary("dmarc-records") + " (shared data absent)")
            try Test.cancel("shared data absent (set SENDERWATCH_SHARED)")
        }
        var tally = VectorTally()
        for vector in vectors {
            let id = vector["id"] as? String ?? "?"
            let text = (vector["txt_strings"] as? [String])?.joined() ?? vector["record"] as? String ?? ""
            let parsed: Result<DMARCRecord, DMARCParseError>
            do throws(DMARCParseError) { parsed = .success(try DMARCRecord(parsing: text)) } catch { parsed = .failure(error) }
            if let alternative = Self.deviations[id] {
                if alternative.check(parsed) { tally.skipped += 1 } else {
                    tally.record(id, ["deviation (\(alternative.reason)) not met: \(parsed)"])
                }
                continue
            }
            tally.record(id, Self.problems(vector, text, parsed))
        }
        print(tally.summary("dmarc-records"))
        for failure in tally.failures { Issue.record(Comment(rawValue: failure)) }
        #expect(tally.passed + tally.failed + tally.skipped == vectors.count)
    }

    static func problems(_ vector: [String: Any], _ text: String, _ parsed: Result<DMARCRecord, DMARCParseError>) -> [String] {
        var problems: [String] = []
        switch (vector["expect"] as? String, parsed) {
        case ("valid", .success(let record)):
            problems += valueProblems(vector, record)
        case ("invalid", .failure(let error)):
            if let source = vector["error"] as? String, let code = errorCodes[source], error.code != code {
                problems.append("expected error \(code) (\(source)), got \(error.code): \(error.message)")
            }
        case ("not_dmarc", .failure(let error)):
            if error.code != "not-dmarc" || DMARCRecord.isDMARCRecord(text) { problems.append("expected not-dmarc, got \(error.code)") }
        case (let expect, _):
            problems.append("expected \(expect ?? "?"), got \(parsed)")
        }
        return problems
    }

    static func valueProblems(_ vector: [String: Any], _ record: DMARCRecord) -> [String] {
        var problems: [String] = []
        for (tag, value) in vector["tags"] as? [String: Any] ?? [:] {
            let want = DMARCVectorFile.text(value)
            if record.value(of: tag) != want { problems.append("\(tag): expected \(want), got \(record.value(of: tag) ?? "nil")") }
        }
        for (tag, value) in vector["implicit_defaults"] as? [String: String] ?? [:] {
            let got: String = switch tag {
            case "p": record.policy.rawValue
            case "np": record.effectiveNonexistentSubdomainPolicy.rawValue
            case "psd": record.psd.rawValue
            case "t": record.testing ? "y" : "n"
            default: "unsupported default \(tag)"
            }
            if got != value { problems.append("default \(tag): expected \(value), got \(got)") }
        }
        for tag in vector["tags_absent"] as? [String] ?? [] where record.value(of: tag) != nil {
            problems.append("\(tag) should be absent, got \(record.value(of: tag)!)")
        }
        let args = vector["args"] as? [String: Any] ?? [:]
        let warnings = record.warnings + (args["parked"] as? Bool == true ? record.parkedDomainWarnings() : [])
        for phrase in vector["warnings_contain"] as? [String] ?? [] {
            guard let mapping = warningCodes[phrase] else {
                problems.append("unmapped checkdmarc warning \"\(phrase)\"")
                continue
            }
            guard let (code, tag) = mapping else { continue }
            if !warnings.contains(where: { $0.code.hasPrefix(code) && (tag == nil || $0.tag == tag) }) {
                problems.append("missing warning \(code) for \"\(phrase)\"; got \(warnings.map(\.code))")
            }
        }
        return problems
    }

    @Test func reportURIVectors() throws {
        guard let vectors = try DMARCVectorFile.group("report_uri_vectors") else {
            print(VectorTally().summary("dmarc-report-uris") + " (shared data absent)")
            try Test.cancel("shared data absent (set SENDERWATCH_SHARED)")
        }
        var tally = VectorTally()
        for vector in vectors {
            let id = vector["id"] as? String ?? "?"
            var problems: [String] = []
            do throws(DMARCParseError) {
                let uri = try DMARCReportURI(parsing: vector["uri"] as? String ?? "")
                if vector["expect"] as? String != "valid" { problems.append("expected invalid, parsed \(uri)") }
                let parsed = vector["parsed"] as? [String: Any] ?? [:]
                if let scheme = parsed["scheme"] as? String, scheme != uri.scheme { problems.append("scheme \(uri.scheme)") }
                if let address = parsed["address"] as? String, address != uri.address { problems.append("address \(uri.address ?? "nil")") }
                if parsed.keys.contains("size_limit") {
                    let wantsSize = parsed["size_limit"] is String
                    if wantsSize != (uri.sizeLimit != nil) { problems.append("size limit \(String(describing: uri.sizeLimit))") }
                }
            } catch {
                if vector["expect"] as? String != "invalid" || error.code != "invalid-uri" { problems.append("unexpected \(error)") }
            }
            tally.record(id, problems)
        }
        print(tally.summary("dmarc-report-uris"))
        for failure in tally.failures { Issue.record(Comment(rawValue: failure)) }
    }
}
