import DMARC
import DNSCore
import Testing

/// `discovery_vectors` of the shared DMARC vectors. Each zone becomes a `ZoneResolver`.
///
/// checkdmarc reports some situations as exceptions; discovery reports them as a status plus a `problem`
/// a user can act on. The mapping (not a deviation, the same finding in another shape):
/// DMARCRecordNotFound -> `none`; MultipleDMARCRecords -> `multiple`; a timeout -> `temperror`;
/// DMARCRecordStartsWithWhitespace -> `none` with a problem naming the whitespace (receivers ignore the
/// record); DMARCRecordInWrongLocation -> `none` with a problem naming the apex record.
///
/// Deviations (counted as skipped; the alternative below is checked instead):
///
/// | id                        | reason |
/// | ------------------------- | ------ |
/// | cd-unrelated-txt-strict   | checkdmarc fails on an unrelated TXT record at _dmarc; RFC 7489 section 6.6.3 and RFC 9989 section 4.10 say to discard non-DMARC records (mailauth's ma-filter-non-dmarc agrees), so the record is found and the unrelated one is only mentioned in `problem`. |
@Suite("DMARC discovery vectors")
struct DiscoveryVectorTests {
    static let deviations: Set<String> = ["cd-unrelated-txt-strict"]

    @Test func discoveryVectors() async throws {
        guard let vectors = try DMARCVectorFile.group("discovery_vectors") else {
            print(VectorTally().summary("dmarc-discovery") + " (shared data absent)")
            try Test.cancel("shared data absent (set SENDERWATCH_SHARED)")
        }
        var tally = VectorTally()
        for vector in vectors {
            let id = vector["id"] as? String ?? "?"
            let resolver = try DMARCVectorFile.resolver(vector["zone"])
            let result = await DMARCDiscovery(resolver: resolver).discover(try DomainName(vector["domain"] as? String ?? ""))
            let expect = vector["expect"] as? [String: Any] ?? [:]
            if Self.deviations.contains(id) {
                if result.status == .found, result.recordText == "v=DMARC1; p=reject", result.problem?.contains("not DMARC records") == true {
                    tally.skipped += 1
                } else {
                    tally.record(id, ["deviation not met: \(result.status) \(result.problem ?? "")"])
                }
                continue
            }
            tally.record(id, Self.problems(expect, result))
        }
        print(tally.summary("dmarc-discovery"))
        for failure in tally.failures { Issue.record(Comment(rawValue: failure)) }
    }

    static func problems(_ expect: [String: Any], _ result: DMARCDiscoveryResult) -> [String] {
        var problems: [String] = []
        func want(_ condition: Bool, _ message: @autoclosure () -> String) {
            if !condition { problems.append(message() + " (status \(result.status), problem: \(result.problem ?? "-"))") }
        }
        if expect.keys.contains("record") {
            if let text = expect["record"] as? String {
                want(result.status == .found && result.recordText == text, "expected record \(text), got \(result.recordText ?? "nil")")
            } else {
                want(result.status == .none || result.status == .multiple, "expected no record")
            }
        }
        if let location = expect["location"] as? String {
            want(result.policyDomain?.text == location, "expected policy domain \(location)")
        }
        if let inherited = expect["isOrgRecord"] as? Bool {
            want(result.isInherited == inherited, "expected isOrgRecord \(inherited)")
        }
        if let queries = expect["queries"] as? [String] {
            let dmarcQueries = result.queries.filter { $0.hasPrefix("_dmarc.") }
            want(dmarcQueries == queries, "expected queries \(queries), got \(result.queries)")
        }
        if let error = expect["error"] as? String {
            switch error {
            case "DMARCRecordNotFound": want(result.status == .none, "expected none")
            case "MultipleDMARCRecords": want(result.status == .multiple && result.allRecordTexts.count == 2, "expected multiple")
            case "DMARCRecordStartsWithWhitespace":
                want(result.status == .none && result.problem?.contains("whitespace") == true, "expected none with a whitespace problem")
            case "DMARCRecordInWrongLocation":
                want(result.status == .none && result.problem?.contains("published at example.com itself") == true, "expected none with an apex problem")
            case let e where e.hasPrefix("temperror"): want(result.status == .temperror, "expected temperror")
            default: problems.append("unmapped expected error \(error)")
            }
        }
        return problems
    }
}
