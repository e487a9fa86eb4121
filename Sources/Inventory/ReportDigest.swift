import AuthReports

/// A digest of what a report contributes to the inventory: its policy domain, its date range and, for each
/// record, the observed line it adds to and its message count. The records are summed, not chained, so their
/// order does not matter; the same report sent as XML, gzip or zip has one digest. Not cryptographic: it tells
/// a re-sent report from a different one with the same id, and nothing rides on an attacker making two agree
/// (both would only be refused).
struct ReportDigest {
    private var header: UInt64
    private var records: UInt64 = 0
    private var count: UInt64 = 0

    init(_ summary: ReportSummary) {
        var h = Self.basis
        for text in [summary.policy.domain, summary.metadata.reportID] {
            for byte in text.utf8 { h = (h ^ UInt64(byte)) &* Self.prime }
            h = (h ^ 0xFF) &* Self.prime
        }
        h = Self.mix(h ^ UInt64(bitPattern: summary.metadata.begin))
        header = Self.mix(h ^ UInt64(bitPattern: summary.metadata.end))
    }

    /// One record: the observed line's digest (`ObservedKey.lineKey`) and its count.
    mutating func add(lineKey: Int64, messages: Int) {
        records &+= Self.mix(UInt64(bitPattern: lineKey) ^ Self.mix(UInt64(bitPattern: Int64(messages)) &+ Self.prime))
        count &+= 1
    }

    /// 16 hex digits.
    var text: String {
        let value = Self.mix(header ^ Self.mix(records ^ count))
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    private static let basis: UInt64 = 0xCBF2_9CE4_8422_2325
    private static let prime: UInt64 = 0x0000_0100_0000_01B3

    /// The splitmix64 finalizer.
    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
