import Audit
import DNSCore
import Foundation
import Inventory
import LDNSResolver
import SPF
@testable import SenderwatchCLI
import TestSupport
import Testing

/// The hand-written JSON of `check --json` entries and `spf --batch` lines is byte for byte what JSONEncoder
/// writes for the same values: on the demo domains, and on records full of characters that need escaping.
@Suite struct DirectJSONTests {
    static func hostileZone() -> MemoryZone {
        var zone = MemoryZone()
        zone.add("odd.test", txt: "v=spf1 ip4:192.0.2.1 include:\"quote\\back.test\" a:tab\there.test exp=%{d} ~all")
        zone.add("_dmarc.odd.test", txt: "v=DMARC1; p=none; rua=mailto:\u{1}ctrl@odd.test,mailto:é@vendor.test; x=\u{7f}")
        zone.add("revoked._domainkey.odd.test", txt: "v=DKIM1; p=")
        zone.add("odd._domainkey.odd.test", txt: "v=DKIM1; k=\"rsa\u{1}; p=AAAA")
        zone.add("plain.test", txt: "v=spf1 -all")
        zone.addTimeout(try! DomainName("_dmarc.plain.test"))
        return zone
    }

    func compare(_ assessment: DomainAssessment) {
        let output = DomainCheckOutput(assessment)
        #expect(output.json == jsonString(output, pretty: false), "\(assessment.domain)")
    }

    @Test func checkEntriesMatchTheEncoder() async throws {
        let demo = try ZoneFileResolver(paths: [SharedData.packageRoot.appendingPathComponent("Monitors/demo/zones").path])
        let ips = [IPAddress("60.130.71.223")!, IPAddress("2001:db8::1")!]
        for name in ["acme-widgets.example", "brightpath.example", "ledgerly.example", "harborline.example", "nothing.example"] {
            compare(await DomainAssessor(resolver: demo).assess(try DomainName(name), ips: ips))
            compare(await DomainAssessor(resolver: demo, readsTransport: false).assess(try DomainName(name), ips: ips))
        }
        let hostile = ZoneResolver(Self.hostileZone())
        var facts = DomainFacts()
        facts.dkim = ["revoked", "odd", "absent"].map { DKIMSelectorFacts(selector: $0, signingDomain: "odd.test", approvedBy: ["x"]) }
        for name in ["odd.test", "plain.test", "missing.test"] {
            let assessment = await DomainAssessor(resolver: hostile).assess(try DomainName(name), facts: facts, ips: ips)
            if name == "odd.test" { #expect(assessment.observation.dkimKeys.count == 3) }
            compare(assessment)
        }
    }

    @Test func batchLinesMatchTheEncoder() async throws {
        let resolver = ZoneResolver(Self.hostileZone())
        for (domain, ip, helo) in [("odd.test", "192.0.2.1", nil), ("odd.test", "203.0.113.9", "mx\"1\".test"),
                                   ("plain.test", "2001:db8::5", "h"), ("no such.test", "192.0.2.1", nil)] as [(String, String, String?)] {
            let address = IPAddress(ip)!
            let evaluation = await SPFChecker(resolver: resolver).checkHost(ip: address, domain: domain, sender: "a\"b@\(domain)", helo: helo)
            let output = SPFCheckOutput(domain: domain, ip: address, sender: "a\"b@\(domain)", helo: helo, evaluation: evaluation,
                                        includeTrace: false)
            #expect(output.line == jsonString(output, pretty: false))
        }
    }

    @Test func stringsEscapeAsTheEncoderDoes() throws {
        var text = ""
        for code in 0..<0x80 { text.unicodeScalars.append(Unicode.Scalar(code)!) }
        text += "é€😀\u{2028}/"
        var w = JSONWriter()
        w.beginArray()
        w.string(text)
        w.endArray()
        #expect(w.text == jsonString([text], pretty: false))
    }

    @Test func pollDocumentWrittenInPiecesMatchesTheEncoder() {
        let finding = Finding(kind: FindingKind("spf.unapproved-authorization"), severity: .warning, domain: "odd.test",
                              subject: "ip4:192.0.2.0/24", message: "quote \" slash / tab \t é \u{1}",
                              evidence: ["network": "192.0.2.0/24", "term": "ip4:192.0.2.0/24", "empty": ""], fix: nil)
        let domains = [
            PollOutput.Domain(domain: "odd.test", status: "ok", opened: [finding, finding], resolved: [], stillOpen: 3,
                              undetermined: 0, unknownParts: [], recordChanged: true),
            PollOutput.Domain(domain: "plain.test", status: "partial", opened: [], resolved: [finding], stillOpen: 0,
                              undetermined: 2, unknownParts: [.init(id: "dmarc.record", label: "the DMARC record", cause: "timeout")],
                              recordChanged: false),
            PollOutput.Domain(domain: "none.test", status: "unknown", opened: [], resolved: [], stillOpen: 0, undetermined: 0,
                              unknownParts: [], recordChanged: false),
        ]
        for (list, started) in [(domains, "2026-12-02T10:00:00Z"), (Array(domains.prefix(1)), nil), ([], "2026-12-02T10:00:00Z")] as [([PollOutput.Domain], String?)] {
            let output = PollOutput(runId: 7, startedAt: started, domains: list, openFindings: 12, exitCode: 1)
            var written = ""
            output.write { written += $0 }
            #expect(written == jsonString(output) + "\n", "\(list.count) domains")
        }
    }

    @Test func ingestLinesMatchTheEncoder() {
        var full = IngestResult(file: "/in/a \"b\".xml", location: "message 2, attachment x.xml.gz", status: .conflict,
                                orgName: "Org\u{1}", reportId: "id/1", domain: "odd.test", records: 3, messages: 12,
                                warnings: ["tab\there", "é"], error: "not stored: \"x\"", digest: "d1", storedDigest: "d0")
        full.kind = .tlsrpt
        let empty = IngestResult(file: "f", status: .rejected)
        for result in [full, empty] {
            let line = IngestLine(result)
            #expect(line.json == jsonString(line, pretty: false))
        }
    }
}
