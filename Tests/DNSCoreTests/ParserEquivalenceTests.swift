import DNSCore
#if canImport(Glibc)
import Glibc
#endif
import TestSupport
import Testing

/// The one-pass readers of IPv6 text and domain names against independent references: the C library's
/// `inet_pton` for addresses, and the rules written out plainly for names. Inputs come from a fixed-seed
/// generator over the characters that matter, so a failure repeats.
@Suite struct ParserEquivalenceTests {
    static func text(_ alphabet: [Character], maximum: Int, using random: inout SeededGenerator) -> String {
        String((0..<Int.random(in: 0...maximum, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
    }

    @Test func ipv6AgreesWithInetPton() {
        var random = SeededGenerator(seed: 7)
        let alphabet = Array("0000111ffFaA9:::::...2g")
        var accepted = 0
        for _ in 0..<200_000 {
            let text = Self.text(alphabet, maximum: 24, using: &random)
            var bytes = [UInt8](repeating: 0, count: 16)
            let reference = inet_pton(AF_INET6, text, &bytes) == 1
            let parsed = IPv6Address(text)
            #expect((parsed != nil) == reference, "\(text)")
            if let parsed, reference {
                accepted += 1
                #expect(IPAddress.v6(parsed).description == IPAddress(Self.ntop(bytes))?.description, "\(text)")
                #expect(parsed.bytes == bytes, "\(text)")
            }
        }
        #expect(accepted > 100, "the generator reaches valid addresses")
    }

    /// The C library's text for the address.
    static func ntop(_ bytes: [UInt8]) -> String {
        var out = [CChar](repeating: 0, count: 64)
        _ = inet_ntop(AF_INET6, bytes, &out, 64)
        return String(decoding: out.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// RFC 1035 lengths, printable ASCII without spaces, no empty label; one trailing dot dropped.
    static func referenceAccepts(_ input: String) -> Bool {
        var text = Array(input.utf8)
        if text.count > 1, text.last == UInt8(ascii: ".") { text.removeLast() }
        guard !text.isEmpty, text.count <= 253 else { return false }
        let labels = text.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            (1...63).contains(label.count) && label.allSatisfy { $0 > 0x20 && $0 < 0x7F }
        }
    }

    @Test func domainNamesAgreeWithTheRules() {
        var random = SeededGenerator(seed: 11)
        let alphabet = Array("aaaaZ-_.....9 \u{7f}é*")
        for _ in 0..<100_000 {
            let text = Self.text(alphabet, maximum: 12, using: &random)
            let name = try? DomainName(text)
            #expect((name != nil) == Self.referenceAccepts(text), "\(text.debugDescription)")
            if let name {
                #expect(name.key == name.text.lowercased())
                #expect(name.parent == (try? DomainName(String(name.text.drop { $0 != "." }.dropFirst()))))
            }
        }
        let long = String(repeating: "a", count: 63) + "." + String(repeating: "b", count: 63)
        #expect(Self.referenceAccepts(long) && (try? DomainName(long)) != nil)
        #expect((try? DomainName(long + "b")) == nil)
    }
}
