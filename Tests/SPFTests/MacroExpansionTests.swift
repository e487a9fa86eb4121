import DNSCore
import SPF
import Testing

/// The examples of RFC 7208 section 7.4, plus cases from the openspf.org suite (section 7 tests).
@Suite struct MacroExpansionTests {
    static let context = MacroContext(sender: "strong-bad@email.example.com", domain: "email.example.com",
                                      ip: IPAddress("192.0.2.3")!, helo: "mx.example.org",
                                      receivingHost: "mx.receiver.example", timestamp: 1_700_000_000)

    /// RFC 7208 section 7.4, verbatim.
    static let rfcExamples: [(String, String)] = [
        ("%{s}", "strong-bad@email.example.com"),
        ("%{o}", "email.example.com"),
        ("%{d}", "email.example.com"),
        ("%{d4}", "email.example.com"),
        ("%{d3}", "email.example.com"),
        ("%{d2}", "example.com"),
        ("%{d1}", "com"),
        ("%{dr}", "com.example.email"),
        ("%{d2r}", "example.email"),
        ("%{l}", "strong-bad"),
        ("%{l-}", "strong.bad"),
        ("%{lr}", "strong-bad"),
        ("%{lr-}", "bad.strong"),
        ("%{l1r-}", "strong"),
        ("%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"),
        ("%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"),
        ("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"),
        ("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com"),
        ("%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net"),
    ]

    @Test(arguments: rfcExamples) func rfcExample(_ macro: String, _ expected: String) throws {
        let record = try SPFRecord(parsing: "v=spf1 exists:" + macro)
        let spec = try #require(record.terms.first?.mechanism?.domainSpec)
        #expect(MacroExpander.expand(spec, Self.context) == expected)
    }

    @Test func rfcExampleIPv6() throws {
        var context = Self.context
        context.ip = IPAddress("2001:db8::cb01")!
        let spec = try #require(try SPFRecord(parsing: "v=spf1 exists:%{ir}.%{v}._spf.%{d2}").terms.first?.mechanism?.domainSpec)
        #expect(MacroExpander.expand(spec, context) == "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com")
    }

    @Test func escapesAndUpperCase() throws {
        var context = Self.context
        context.sender = "~jack&jill=up-a_b3.c@e8.example.com"
        context.localPart = "~jack&jill=up-a_b3.c"
        let text = try SPFRecord(parsing: "v=spf1 a:macro%%percent%_%_space%-url-space.example.com exists:%{L}.example.com").terms
        #expect(MacroExpander.expand(text[0].mechanism!.domainSpec!, context) == "macro%percent  space%20url-space.example.com")
        #expect(MacroExpander.expand(text[1].mechanism!.domainSpec!, context) == "~jack%26jill%3Dup-a_b3.c.example.com")
    }

    @Test func multipleDelimiters() throws {
        var context = Self.context
        context.localPart = "foo-bar+zip+quux"
        let spec = try #require(try SPFRecord(parsing: "v=spf1 exists:%{l2r+-}.user.%{d2}").terms.first?.mechanism?.domainSpec)
        #expect(MacroExpander.expand(spec, context) == "bar.foo.user.example.com")
    }

    /// Section 7.3: names over 253 octets lose labels from the left; explanation text is never cut.
    @Test func longNamesAreTruncatedFromTheLeft() throws {
        var context = Self.context
        context.senderDomain = String(repeating: "abcdefghij.", count: 30) + "example.com"
        let spec = try #require(try SPFRecord(parsing: "v=spf1 exists:x.%{o}").terms.first?.mechanism?.domainSpec)
        let expanded = MacroExpander.expand(spec, context)
        #expect(expanded.utf8.count <= 253)
        #expect(expanded.hasSuffix(".example.com"))
        #expect(MacroExpander.expand(spec, context, forDomain: false).utf8.count > 253)
    }

    @Test func explanationLettersAndEmptyLocalPart() {
        let context = MacroContext(sender: "@example.net", domain: "example.net", ip: IPAddress("2001:db8::1")!,
                                   helo: "h.example", receivingHost: "rcv.example", timestamp: 42)
        #expect(context.sender == "postmaster@example.net")
        let parts: [MacroString.Part] = [.macro(Macro(letter: .clientIP)), .literal(" "), .macro(Macro(letter: .receiver)),
                                         .literal(" "), .macro(Macro(letter: .timestamp)), .literal(" "), .macro(Macro(letter: .localPart))]
        #expect(MacroExpander.expand(MacroString(parts: parts), context, forDomain: false) == "2001:db8::1 rcv.example 42 postmaster")
    }
}
