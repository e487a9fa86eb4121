import DMARC
import PropertyBased
import Testing

/// A record built from random valid values serializes and parses back to the same values.
@Suite("DMARC record round trip")
struct RoundTripTests {
    static let uriLists: [[String]] = [
        [], ["mailto:dmarc@example.com"], ["mailto:a@example.com!10m", "mailto:b@reports.example.net"],
        ["mailto:x@example.org!1500", "https://reports.example.com/dmarc"], ["mailto:r%2Cx@example.com!2g"],
    ]

    /// Builds a record whose every field is drawn from `bits`, so the generator (and its shrinking)
    /// stays two integers however many tags there are.
    static func record(_ bits: UInt64, _ more: UInt64) -> DMARCRecord {
        var bits = bits
        func pick(_ count: Int) -> Int {
            defer { bits /= UInt64(count) }
            return Int(bits % UInt64(count))
        }
        let policies = DMARCPolicy.allCases
        let optional: [DMARCPolicy?] = [nil] + policies
        let options = DMARCFailureOption.allCases
        let fo = (0..<pick(4)).map { _ in options[pick(options.count)] }
        return DMARCRecord(
            policy: policies[pick(3)], subdomainPolicy: optional[pick(4)], nonexistentSubdomainPolicy: optional[pick(4)],
            dkimAlignment: AlignmentMode.allCases[pick(2)], spfAlignment: AlignmentMode.allCases[pick(2)],
            percentage: pick(2) == 0 ? nil : pick(101),
            aggregateURIs: uriLists[pick(uriLists.count)].map { try! DMARCReportURI(parsing: $0) },
            failureURIs: uriLists[pick(uriLists.count)].map { try! DMARCReportURI(parsing: $0) },
            failureOptions: fo, reportFormat: pick(2) == 0 ? nil : ["afrf"],
            reportInterval: more % 3 == 0 ? nil : UInt32(truncatingIfNeeded: more >> 2),
            testing: pick(2) == 1, psd: DMARCPublicSuffixFlag.allCases[pick(3)])
    }

    @Test func serializeThenParse() async {
        await propertyCheck(count: 500, input: Gen<UInt64>.uint64(), Gen<UInt64>.uint64()) { bits, more in
            let record = Self.record(bits, more)
            let text = record.serialized
            #expect(record.text == text)
            guard let parsed = try? DMARCRecord(parsing: text) else {
                Issue.record("\(text) did not parse")
                return
            }
            #expect(parsed.policy == record.policy)
            #expect(parsed.subdomainPolicy == record.subdomainPolicy)
            #expect(parsed.nonexistentSubdomainPolicy == record.nonexistentSubdomainPolicy)
            #expect(parsed.dkimAlignment == record.dkimAlignment && parsed.spfAlignment == record.spfAlignment)
            #expect(parsed.percentage == record.percentage)
            #expect(parsed.aggregateURIs == record.aggregateURIs && parsed.failureURIs == record.failureURIs)
            #expect(parsed.failureOptions == record.failureOptions)
            #expect(parsed.reportFormat == record.reportFormat && parsed.reportInterval == record.reportInterval)
            #expect(parsed.testing == record.testing && parsed.psd == record.psd)
            #expect(parsed.serialized == text)
        }
    }
}
