import DNSCore
import PropertyBased
import SPF
import TestSupport
import Testing

/// parse(serialize(parse(x))) == parse(x) for random valid records, built term by term from seeds.
@Suite struct RoundTripPropertyTests {
    /// Draws term pieces from one seed (SplitMix64), so the generator shrinks by dropping whole terms.
    struct TermMaker {
        var random: SeededGenerator
        init(state: UInt64) { random = SeededGenerator(seed: state) }
        mutating func next() -> UInt64 { random.next() }
        mutating func pick<T>(_ items: [T]) -> T { items[Int(next() % UInt64(items.count))] }
        mutating func chance() -> Bool { next() % 2 == 0 }

        mutating func macro() -> String {
            let letter = pick(["s", "l", "o", "d", "i", "p", "h", "v", "S", "L", "D", "I", "H"])
            let digits = chance() ? String(1 + next() % 12) : ""
            let reverse = chance() ? "r" : ""
            let delimiters = (0..<Int(next() % 3)).map { _ in pick([".", "-", "+", ",", "/", "_", "="]) }.joined()
            return "%{\(letter)\(digits)\(reverse)\(delimiters)}"
        }

        mutating func label() -> String {
            pick(["mail", "_spf", "a-b", "x1", "Example", "spf%%x", "a%_b", "c%-d", "_dmarc", "s"])
        }

        /// `macro-string domain-end`: ends in a macro or in "." toplabel ["."].
        mutating func domainSpec() -> String {
            var parts: [String] = []
            for _ in 0..<(1 + next() % 3) { parts.append(chance() ? macro() : label()) }
            if chance() { return parts.joined(separator: ".") + "." + macro() }
            return parts.joined(separator: ".") + "." + pick(["com", "net", "ORG", "x-y", "a1", "1a"]) + (chance() ? "." : "")
        }

        mutating func cidr() -> String {
            (chance() ? "/\(next() % 33)" : "") + (chance() ? "//\(next() % 129)" : "")
        }

        mutating func term() -> String {
            let qualifier = pick(["", "+", "-", "~", "?"])
            switch next() % 12 {
            case 0: return qualifier + "all"
            case 1: return qualifier + "include:" + domainSpec()
            case 2: return qualifier + pick(["a", "A"]) + (chance() ? ":" + domainSpec() : "") + cidr()
            case 3: return qualifier + pick(["mx", "MX"]) + (chance() ? ":" + domainSpec() : "") + cidr()
            case 4: return qualifier + "ptr" + (chance() ? ":" + domainSpec() : "")
            case 5:
                let ip = IPv4Address(UInt32(truncatingIfNeeded: next()))
                return qualifier + "ip4:\(ip)" + (chance() ? "/\(next() % 33)" : "")
            case 6:
                let ip = IPv6Address(high: next(), low: chance() ? 0 : next())
                return qualifier + "ip6:\(ip)" + (chance() ? "/\(next() % 129)" : "")
            case 7: return qualifier + "exists:" + domainSpec()
            case 8: return pick(["redirect", "REDIRECT"]) + "=" + domainSpec()
            case 9: return "exp=" + domainSpec()
            case 10: return pick(["x-", "foo.bar", "v", "default", "ra", "rp_1"]) + "=" + (chance() ? domainSpec() : "")
            default: return qualifier + "a"
            }
        }
    }

    /// A record text from seeds: redirect= and exp= are kept to one each, as section 6 requires.
    static func record(_ seeds: [UInt64], separators: [UInt64]) -> String {
        var terms: [String] = []
        var seenRedirect = false, seenExp = false
        for (i, seed) in seeds.enumerated() {
            var maker = TermMaker(state: seed)
            let term = maker.term()
            if term.lowercased().hasPrefix("redirect=") { if seenRedirect { continue }; seenRedirect = true }
            if term.hasPrefix("exp=") { if seenExp { continue }; seenExp = true }
            let spaces = i < separators.count ? Int(separators[i] % 3) + 1 : 1
            terms.append(String(repeating: " ", count: spaces) + term)
        }
        return "v=spf1" + terms.joined()
    }

    @Test func serializedRecordsParseBackEqual() async {
        await propertyCheck(count: 500, input: Gen<UInt64>.uint64().array(of: 0...12), Gen<UInt64>.uint64().array(of: 0...3)) { seeds, separators in
            let text = Self.record(seeds, separators: separators)
            do {
                let record = try SPFRecord(parsing: text)
                let again = try SPFRecord(parsing: record.description)
                #expect(again == record, "\(text) -> \(record.description)")
                #expect(again.description == record.description)
                #expect(record.terms.count == text.split(separator: " ").count - 1)
            } catch {
                Issue.record("generated record did not parse: \(text): \(error)")
            }
        }
    }

    /// Canonical text is a fixed point: serializing twice changes nothing, whatever the input spelling.
    @Test func canonicalTextIsStable() async {
        await propertyCheck(count: 200, input: Gen<UInt64>.uint64().array(of: 1...8)) { seeds in
            guard let record = try? SPFRecord(parsing: Self.record(seeds, separators: [])) else {
                Issue.record("generated record did not parse"); return
            }
            let canonical = record.description
            #expect((try? SPFRecord(parsing: canonical))?.description == canonical)
        }
    }
}
