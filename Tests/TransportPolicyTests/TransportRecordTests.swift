import DNSCore
import Testing
import TransportPolicy

/// The record and policy grammars of RFC 8461 (MTA-STS), RFC 8460 (TLS-RPT) and the BIMI assertion record;
/// cases from the RFCs' grammar and examples (section numbers beside them) and from common mistakes.
@Suite struct TransportRecordTests {
    @Test(arguments: [
        ("v=STSv1; id=20160831085700Z;", "20160831085700Z"),      // RFC 8461 section 3.1 example
        ("v=STSv1;id=abc", "abc"),
        ("v=STSv1; id=abc; ext=1", "abc"),                      // extension fields are allowed
    ])
    func mtaSTSRecords(text: String, id: String) throws {
        #expect(try MTASTSRecord.parse(text).get().id == id)
    }

    @Test(arguments: [
        ("v=STSv1;", "no id="),
        ("v=STSv1; id=has space", "is not 1 to 32 letters and digits"),
        ("v=STSv1; id=\(String(repeating: "a", count: 33))", "is not 1 to 32"),
        ("id=abc; v=STSv1", "must begin with v=STSv1"),
        ("v=STSv2; id=abc", "is not v=STSv1"),
        ("v=STSv1; id=a; id=b", "appears twice"),
    ])
    func badMTASTSRecords(text: String, expected: String) {
        guard case .failure(let error) = MTASTSRecord.parse(text) else { Issue.record("\(text) parsed"); return }
        #expect(error.message.contains(expected), "\(error.message)")
    }

    @Test func recordSelectionFollowsSection31() throws {
        #expect(MTASTSRecord.select(["v=spf1 -all"]) == nil)
        #expect(try MTASTSRecord.select(["v=spf1 -all", "v=STSv1; id=1"])?.get().id == "1")
        guard case .failure(let error)? = MTASTSRecord.select(["v=STSv1; id=1", "v=STSv1; id=2"]) else { Issue.record("two records"); return }
        #expect(error.message.contains("2 v=STSv1 records"))
    }

    @Test func policiesParseWithCRLFOrLF() throws {
        // RFC 8461 section 3.2 example.
        let text = "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmx: backupmx.example.com\r\nmax_age: 604800\r\n"
        let policy = try MTASTSPolicy.parse(text).get()
        #expect(policy.mode == .enforce && policy.maxAge == 604800)
        #expect(policy.mx == ["mail.example.com", "*.example.net", "backupmx.example.com"])
        #expect(try MTASTSPolicy.parse(text.replacingOccurrences(of: "\r\n", with: "\n")).get() == policy)
        #expect(try MTASTSPolicy.parse("version: STSv1\nmode: none\nmax_age: 86400\n").get().mx.isEmpty)
        #expect(try MTASTSPolicy.parse("version: STSv1\nmode: testing\nmax_age: 86400\nmx: a.example\nunknown_key: x\n").get().mode == .testing)
    }

    @Test(arguments: [
        ("mode: enforce\nmax_age: 1\nmx: a.example\n", "no version"),
        ("version: STSv1\nmode: strict\nmax_age: 1\nmx: a.example\n", "is not enforce, testing or none"),
        ("version: STSv1\nmode: enforce\nmx: a.example\n", "no max_age"),
        ("version: STSv1\nmode: enforce\nmax_age: 12345678901\nmx: a.example\n", "up to 10 digits"),
        ("version: STSv1\nmode: enforce\nmax_age: -1\nmx: a.example\n", "is not a number of seconds"),
        ("version: STSv1\nmode: enforce\nmax_age: 1\n", "without any mx"),
        ("version: STSv1\nmode: enforce\nmax_age: 1\nmx: *.*.example\n", "is not a host name"),
        ("version: STSv1\nmode: enforce\nmode: none\nmax_age: 1\nmx: a.example\n", "mode given twice"),
        ("version: STSv1\njunk line\n", "is not key: value"),
    ])
    func badPolicies(text: String, expected: String) {
        guard case .failure(let error) = MTASTSPolicy.parse(text) else { Issue.record("\(text) parsed"); return }
        #expect(error.message.contains(expected), "\(error.message)")
    }

    @Test func anOversizedPolicyIsRefused() {
        let text = "version: STSv1\nmode: none\nmax_age: 1\n" + String(repeating: "x: y\n", count: 14_000)
        guard case .failure(let error) = MTASTSPolicy.parse(text) else { Issue.record("parsed"); return }
        #expect(error.message.contains("at most 65536"))
    }

    /// RFC 8461 section 4.1: a wildcard matches exactly one leftmost label.
    @Test(arguments: [
        ("mail.example.com", true), ("MAIL.Example.COM", true), ("a.example.net", true), ("b.a.example.net", false),
        ("example.net", false), ("other.example.com", false),
    ])
    func mxPatterns(host: String, matches: Bool) throws {
        let policy = MTASTSPolicy(mode: .enforce, maxAge: 86400, mx: ["mail.example.com", "*.example.net"])
        #expect(policy.matches(try DomainName(host)) == matches)
    }

    @Test func tlsRPTRecords() throws {
        // RFC 8460 section 3 examples.
        #expect(try TLSRPTRecord.parse("v=TLSRPTv1; rua=mailto:reports@example.com").get().rua == ["mailto:reports@example.com"])
        #expect(try TLSRPTRecord.parse("v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt").get().rua.count == 1)
        #expect(try TLSRPTRecord.parse("v=TLSRPTv1; rua=mailto:a@example.com,https://r.example/x").get().rua.count == 2)
        for (text, expected) in [("v=TLSRPTv1;", "no rua="), ("v=TLSRPTv1; rua=ftp://x.example", "neither mailto"),
                                 ("rua=mailto:a@b.example; v=TLSRPTv1", "must begin with v=TLSRPTv1")] {
            guard case .failure(let error) = TLSRPTRecord.parse(text) else { Issue.record("\(text) parsed"); continue }
            #expect(error.message.contains(expected), "\(error.message)")
        }
    }

    @Test func bimiRecords() throws {
        let record = try BIMIRecord.parse("v=BIMI1; l=https://example.com/logo.svg; a=https://example.com/vmc.pem").get()
        #expect(record.logo == "https://example.com/logo.svg" && record.authority == "https://example.com/vmc.pem")
        #expect(try BIMIRecord.parse("v=BIMI1; l=; a=;").get().isDeclination)
        for (text, expected) in [("v=BIMI1;", "no l="), ("v=BIMI1; l=http://example.com/logo.svg", "is not one https:// URL"),
                                 ("v=BIMI1; l=https://example.com/logo.png", "does not name an SVG")] {
            guard case .failure(let error) = BIMIRecord.parse(text) else { Issue.record("\(text) parsed"); continue }
            #expect(error.message.contains(expected), "\(error.message)")
        }
    }

    @Test func hostileRecordsNeverTrap() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("v=STSv1;TLSRPTBIMI id:mx*.\r\n\t ,é\u{0}ax_age0123456789mode")
        for length in 0..<400 {
            let text = String((0..<length).map { _ in alphabet.randomElement(using: &generator)! })
            _ = MTASTSRecord.parse(text); _ = MTASTSPolicy.parse(text); _ = TLSRPTRecord.parse(text); _ = BIMIRecord.parse(text)
            _ = MTASTSRecord.select([text, text])
        }
    }
}
