import DNSCore
import Testing

@Suite struct DomainNameTests {
    @Test func comparesCaseInsensitivelyAndDropsTrailingDot() throws {
        let a = try DomainName("Example.COM.")
        let b = try DomainName("example.com")
        #expect(a == b)
        #expect(a.text == "Example.COM")
        #expect(a.hashValue == b.hashValue)
        #expect(a.labelCount == 2)
        #expect(a.parent == (try DomainName("com")))
    }

    @Test(arguments: [
        ("", "empty domain name"),
        ("a..b", "label 2 is empty"),
        (".a", "label 1 is empty"),
        ("bücher.de", "non-ASCII character \"ü\" at offset 1"),
        ("a b.com", "invalid character U+0020 at offset 1"),
        (String(repeating: "x", count: 64) + ".com", "is 64 octets, the limit is 63"),
        (Array(repeating: "abcdefghi", count: 26).joined(separator: "."), "it is 259 octets long, the limit is 253"),
    ])
    func rejectsMalformedNames(input: String, message: String) {
        #expect {
            try DomainName(input)
        } throws: { error in
            (error as? DomainNameError)?.description.contains(message) == true
        }
    }

    @Test func acceptsServiceLabelsAndLimits() throws {
        _ = try DomainName("_dmarc.example.com")
        _ = try DomainName(String(repeating: "x", count: 63) + ".com")
        let longest = Array(repeating: String(repeating: "a", count: 49), count: 5).joined(separator: ".")
        #expect(longest.utf8.count == 249)
        _ = try DomainName(longest)
        #expect(try DomainName("mail.Example.com").isSubdomain(of: DomainName("example.COM")))
        #expect(!(try DomainName("badexample.com").isSubdomain(of: DomainName("example.com"))))
        #expect(try DomainName("Example.com").isSubdomain(of: DomainName("example.COM")))
        #expect(!(try DomainName("com").isSubdomain(of: DomainName("example.com"))))
        #expect(!(try DomainName("xexample.com").isSubdomain(of: DomainName("example.com"))))
    }

    /// A name's parent keeps its case in the text and compares by its key.
    @Test func parentsAndTrailingDots() throws {
        let name = try DomainName("Mail.Example.COM.")
        let parent = try #require(name.parent)
        #expect(parent.text == "Example.COM")
        #expect(parent.key == "example.com")
        #expect(parent.parent?.text == "COM")
        #expect(parent.parent?.parent == nil)
        #expect(throws: DomainNameError.self) { try DomainName("a..") }
        #expect(throws: DomainNameError.self) { try DomainName("..") }
        #expect(throws: DomainNameError.self) { try DomainName(".") }
        #expect(try DomainName("a.").text == "a")
    }
}
