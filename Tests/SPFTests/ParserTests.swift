import DNSCore
import SPF
import Testing

/// Grammar of RFC 7208 section 12; cases written for this project, several after the openspf.org suite.
@Suite struct ParserTests {
    struct Bad: CustomTestStringConvertible, Sendable {
        var record: String
        var term: String
        var offset: Int
        var message: String
        var testDescription: String { record }
    }

    static let bad: [Bad] = [
        Bad(record: "v=spf1 a:foo-bar -all", term: "a:foo-bar", offset: 7, message: "no dot"),
        Bad(record: "v=spf1 ip4:1.2.3.4 -all moo", term: "moo", offset: 24, message: "unknown mechanism \"moo\""),
        Bad(record: "v=spf1 -all.", term: "-all.", offset: 7, message: "unknown mechanism \"all.\""),
        Bad(record: "v=spf1 -all:foobar", term: "-all:foobar", offset: 7, message: "takes no argument"),
        Bad(record: "v=spf1 ptr/0 -all", term: "ptr/0", offset: 7, message: "takes no prefix length"),
        Bad(record: "v=spf1 ptr:", term: "ptr:", offset: 7, message: "empty domain-spec"),
        Bad(record: "v=spf1 ip4:1.2.3.4/33", term: "ip4:1.2.3.4/33", offset: 7, message: "expected 0 to 32"),
        Bad(record: "v=spf1 ip4:01.2.3.4", term: "ip4:01.2.3.4", offset: 7, message: "not an IPv4 address"),
        Bad(record: "v=spf1 ip6:1.2.3.4", term: "ip6:1.2.3.4", offset: 7, message: "not an IPv6 address"),
        Bad(record: "v=spf1 ip6:::1/129", term: "ip6:::1/129", offset: 7, message: "expected 0 to 128"),
        Bad(record: "v=spf1 a/024", term: "a/024", offset: 7, message: "without leading zeros"),
        Bad(record: "v=spf1  exists:%(ir).sbl.example.com", term: "exists:%(ir).sbl.example.com", offset: 8, message: "'%' followed by '('"),
        Bad(record: "v=spf1 exists:foo%.sbl.example.com", term: "exists:foo%.sbl.example.com", offset: 7, message: "'%' followed by '.'"),
        Bad(record: "v=spf1 -all exp=%{r}.example.com", term: "exp=%{r}.example.com", offset: 12, message: "only in explanation text"),
        Bad(record: "v=spf1 a:%{d0}.example.com", term: "a:%{d0}.example.com", offset: 7, message: "nonzero"),
        Bad(record: "v=spf1 a:%{x}.example.com", term: "a:%{x}.example.com", offset: 7, message: "macro letter"),
        Bad(record: "v=spf1 redirect=a.example.com redirect=b.example.com", term: "redirect=b.example.com", offset: 30, message: "twice"),
        Bad(record: "v=spf1 exp=a.example.com exp=b.example.com", term: "exp=b.example.com", offset: 25, message: "twice"),
        Bad(record: "v=spf1 exp=", term: "exp=", offset: 7, message: "empty domain-spec"),
        Bad(record: "v=spf1 redirect=", term: "redirect=", offset: 7, message: "empty domain-spec"),
        Bad(record: "v=spf1 =bar", term: "=bar", offset: 7, message: "no name"),
        Bad(record: "v=spf1 1foo=bar", term: "1foo=bar", offset: 7, message: "start with a letter"),
        Bad(record: "v=spf1 moo.cow/far_out=man:dog/cat", term: "moo.cow/far_out=man:dog/cat", offset: 7, message: "unknown mechanism"),
        Bad(record: "v=spf1 redirect:t2.example.com", term: "redirect:t2.example.com", offset: 7, message: "unknown mechanism \"redirect\""),
        Bad(record: "v=spf1 a:ctrl.example.com\rptr -all", term: "a:ctrl.example.com\rptr", offset: 7, message: "U+000D"),
        Bad(record: "v=spf1 include:", term: "include:", offset: 7, message: "empty domain-spec"),
        Bad(record: "v=spf1 include", term: "include", offset: 7, message: "needs a ':'"),
        Bad(record: "v=spf1 a:example.com.%{d}com", term: "a:example.com.%{d}com", offset: 7, message: "no dot"),
        Bad(record: "v=spf1 a:example.-com", term: "a:example.-com", offset: 7, message: "not a top-level label"),
        Bad(record: "v=spf10 -all", term: "v=spf10", offset: 0, message: "v=spf1"),
        Bad(record: "spf1 -all", term: "spf1", offset: 0, message: "v=spf1"),
    ]

    @Test(arguments: bad) func rejects(_ c: Bad) {
        #expect {
            _ = try SPFRecord(parsing: c.record)
        } throws: { error in
            guard let e = error as? SPFSyntaxError else { return false }
            #expect(e.term == c.term)
            #expect(e.offset == c.offset)
            #expect(e.message.contains(c.message), "message was: \(e.message)")
            return true
        }
    }

    /// Records the suite says are valid, with their canonical serialization.
    static let good: [(String, String)] = [
        ("v=spf1", "v=spf1"),
        ("V=SPF1  +a  -all ", "v=spf1 a -all"),
        ("v=spf1 A:Example.COM/24//64 MX//0 ptr ?ptr:example.org", "v=spf1 a:Example.COM/24//64 mx//0 ptr ?ptr:example.org"),
        ("v=spf1 ip4:192.0.2.77/24 ip6:2001:DB8::1/64 ~all", "v=spf1 ip4:192.0.2.77/24 ip6:2001:db8::1/64 ~all"),
        ("v=spf1 exists:%{ir}.%{l1r-}.%{D2}._spf.example.com", "v=spf1 exists:%{ir}.%{l1r-}.%{D2}._spf.example.com"),
        ("v=spf1 a:macro%%percent%_%_space%-url-space.example.com -all", "v=spf1 a:macro%%percent%_%_space%-url-space.example.com -all"),
        ("v=spf1 moo.cow-far_out=man:dog/cat ip4:1.2.3.4 -all", "v=spf1 moo.cow-far_out=man:dog/cat ip4:1.2.3.4 -all"),
        ("v=spf1 REDIRECT=_spf.example.com Exp=explain.%{d}", "v=spf1 redirect=_spf.example.com exp=explain.%{d}"),
        ("v=spf1 include:o.spf.example.com. ~all", "v=spf1 include:o.spf.example.com. ~all"),
        ("v=spf1 a:%{H} -all", "v=spf1 a:%{H} -all"),
        ("v=spf1 a:1-2.3-4 -all", "v=spf1 a:1-2.3-4 -all"),
        ("v=spf1 exists:%{l02r+-}.user.%{d2}", "v=spf1 exists:%{l2r+-}.user.%{d2}"),
        ("v=spf1 default=deny", "v=spf1 default=deny"),
    ]

    @Test(arguments: good) func parsesAndSerializes(_ input: String, _ canonical: String) throws {
        let record = try SPFRecord(parsing: input)
        #expect(record.description == canonical)
        #expect(try SPFRecord(parsing: record.description) == record)
    }

    @Test func structure() throws {
        let record = try SPFRecord(parsing: "v=spf1 -a:mail.example.com/24//64 include:_spf.example.net redirect=x.example.org exp=why.%{d}")
        #expect(record.terms.count == 4)
        guard case .directive(.fail, .a(let spec, let cidr)) = record.terms[0].kind else { Issue.record("a"); return }
        #expect(spec?.description == "mail.example.com")
        #expect(cidr == SPFDualCIDR(ipv4: 24, ipv6: 64))
        #expect(record.terms[0].source == "-a:mail.example.com/24//64")
        #expect(record.terms[1].offset == 34)
        #expect(record.redirect?.spec.description == "x.example.org")
        #expect(record.explanation?.description == "why.%{d}")
        #expect(record.lookupTermCount == 3)
        #expect(record.all == nil)
    }

    @Test func ip4KeepsHostBitsButMatchesTheNetwork() throws {
        let record = try SPFRecord(parsing: "v=spf1 ip4:192.0.2.77/24")
        let mechanism = try #require(record.terms.first?.mechanism)
        #expect(mechanism.network == CIDRNetwork("192.0.2.0/24"))
        #expect(record.description == "v=spf1 ip4:192.0.2.77/24")
    }

    @Test func redirectIsNotCountedWhenAllMakesItUnreachable() throws {
        #expect(try SPFRecord(parsing: "v=spf1 mx redirect=a.example.com -all").lookupTermCount == 1)
        #expect(try SPFRecord(parsing: "v=spf1 mx redirect=a.example.com").lookupTermCount == 2)
    }
}
