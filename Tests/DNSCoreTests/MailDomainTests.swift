import DNSCore
import Testing

/// The rule for names a user gives as a domain to audit or monitor (DomainName(mailDomain:)).
@Suite struct MailDomainTests {
    /// Each input was accepted before the rule existed (issue 13), except where noted.
    @Test(arguments: [
        ("brightpath.example..", "label 3 is empty"),
        ("1.2.3.4", "is an IP address, not a domain name"),
        ("[2001:db8::1]", "is an IP address, not a domain name"),
        ("2001:db8::1", "is an IP address, not a domain name"),
        ("*.example", "is a wildcard"),
        ("mail.*.example", "is a wildcard"),
        ("localhost", "is a single label"),
        ("example.123", "its last label \"123\" is all digits"),
        ("cafe.123", "its last label \"123\" is all digits"),
        ("a.b_c-", "label \"b_c-\" starts or ends with a hyphen"),
        ("-bad.example", "label \"-bad\" starts or ends with a hyphen"),
        ("bad-.example", "label \"bad-\" starts or ends with a hyphen"),
        ("user@example.com", "character \"@\" at offset 4"),
        ("example.com/path", "character \"/\" at offset 11"),
        ("bücher.example", "write it as the IDNA A-label xn--bcher-kva.example"),
        ("MÜNCHEN.example.", "write it as the IDNA A-label xn--mnchen-3ya.example"),
    ])
    func refused(input: String, message: String) {
        #expect {
            try DomainName(mailDomain: input)
        } throws: { error in
            let text = (error as? DomainNameError)?.description ?? ""
            return text.contains(message) && text.contains("\"\(input)\"")
        }
    }

    @Test(arguments: ["example.com", "Example.COM.", "_spf.google.com", "xn--bcher-kva.example", "a-b.c-d.example",
                      "mail2.example", "1.example.com", "cafe.be", "dead.beef.ad", "a1.b2", "x_y.example", String(repeating: "x", count: 63) + ".example"])
    func accepted(input: String) throws {
        let name = try DomainName(mailDomain: input)
        #expect(name == (try DomainName(input)))
    }

    /// Owner names in DNS data keep the plain rule: wildcards and service labels.
    @Test func internalNamesStillParse() throws {
        _ = try DomainName("*._report._dmarc.example.net")
        _ = try DomainName("_dmarc.example")
        #expect(throws: DomainNameError.self) { try DomainName("a..") }
    }

    /// RFC 3492 section 7.1 samples (lower-cased), and labels that are all basic or all non-basic.
    @Test(arguments: [
        ("bücher", "bcher-kva"),
        ("münchen", "mnchen-3ya"),
        ("他们为什么不说中文", "ihqwcrb4cv8a8dqg056pqjye"),
        ("pročprostěnemluvíčesky", "proprostnemluvesky-uyb24dma41a"),
        ("例え", "r8jz45g"),
        ("abc", "abc-"),
    ])
    func punycode(label: String, encoded: String) {
        #expect(Punycode.encode(label) == encoded)
    }
}
