import Foundation

/// The `lineKey` of an `observed_sender` line: a 64-bit digest of its thirteen key columns, so the table needs
/// one small unique index on an integer instead of one over thirteen text columns.
///
/// The digest is stable across processes (FNV-1a with a final mix; Swift's `Hasher` is seeded per process).
/// Its high 32 bits come from domain, day and reporter, so the lines of one report sit together in the index
/// and a report's commit touches few index pages. A digest is not unique: two different lines may get the
/// same key. `ObservedUpsert` therefore compares every column on conflict and, when the line at that key is
/// another one, tries the next key (open addressing); rows are never deleted, so a probe sequence never has a
/// hole and a line is always found at the key where it was first stored.
extension ObservedKey {
    public var lineKey: Int64 {
        var group = Digest()
        group.add(domain); group.add(day); group.add(reporter)
        var rest = Digest()
        rest.add(sourceIP); rest.add(headerFrom); rest.add(envelopeFrom); rest.add(dkimAligned); rest.add(spfAligned)
        rest.add(dkimResult); rest.add(dkimDomain); rest.add(spfResult); rest.add(spfDomain); rest.add(disposition)
        return Int64(bitPattern: (group.mixed & 0xFFFF_FFFF_0000_0000) | (rest.mixed >> 32))
    }

    private struct Digest {
        var state: UInt64 = 0xCBF2_9CE4_8422_2325

        mutating func add(_ text: String) {
            var h = state
            for byte in text.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
            // 0xFF never occurs in UTF-8: fields cannot run into each other ("ab"+"c" vs "a"+"bc").
            state = (h ^ 0xFF) &* 0x0000_0100_0000_01B3
        }

        /// The splitmix64 finalizer: FNV's high bits alone are poorly mixed.
        var mixed: UInt64 {
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
