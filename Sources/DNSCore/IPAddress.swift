/// An IPv4 address (RFC 791), stored in host order.
public struct IPv4Address: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let value: UInt32
    public init(_ value: UInt32) { self.value = value }
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        value = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// Parses a dotted quad strictly: four decimal octets 0...255 without leading zeros (RFC 7208 `qnum`).
    public init?(_ text: some StringProtocol) {
        guard let value = Self.parse(text.utf8) else { return nil }
        self.value = value
    }

    /// The dotted quad in `octets`, or nil.
    static func parse(_ octets: some Sequence<UInt8>) -> UInt32? {
        var result: UInt32 = 0
        var octet: UInt32 = 0
        var digits = 0
        var parts = 0
        var leadingZero = false
        for byte in octets {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, parts < 3 else { return nil }
                result = result << 8 | octet
                parts += 1
                octet = 0; digits = 0; leadingZero = false
            } else if byte >= 0x30 && byte <= 0x39 {
                guard !leadingZero, digits < 3 else { return nil }
                if digits == 0 && byte == 0x30 { leadingZero = true }
                octet = octet * 10 + UInt32(byte - 0x30)
                guard octet <= 255 else { return nil }
                digits += 1
            } else {
                return nil
            }
        }
        guard digits > 0, parts == 3 else { return nil }
        return result << 8 | octet
    }

    public var octets: [UInt8] { [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }
    /// Dotted decimal, written digit by digit into one string: every authorized network of every poll is
    /// formatted, and four `String(Int)` plus a join cost several allocations each time.
    public var description: String {
        String(unsafeUninitializedCapacity: 15) { buffer in
            var count = 0
            for shift in [24, 16, 8, 0] as [UInt32] {
                if shift != 24 { buffer[count] = UInt8(ascii: "."); count += 1 }
                let octet = UInt8(truncatingIfNeeded: value >> shift)
                if octet >= 100 { buffer[count] = 0x30 + octet / 100; count += 1 }
                if octet >= 10 { buffer[count] = 0x30 + octet / 10 % 10; count += 1 }
                buffer[count] = 0x30 + octet % 10; count += 1
            }
            return count
        }
    }
    public static func < (lhs: IPv4Address, rhs: IPv4Address) -> Bool { lhs.value < rhs.value }
}

/// An IPv6 address (RFC 4291), stored as two 64-bit halves in host order.
public struct IPv6Address: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let high: UInt64
    public let low: UInt64
    public init(high: UInt64, low: UInt64) { self.high = high; self.low = low }

    public init(groups: [UInt16]) {
        precondition(groups.count == 8)
        var h: UInt64 = 0, l: UInt64 = 0
        for i in 0..<4 { h = h << 16 | UInt64(groups[i]) }
        for i in 4..<8 { l = l << 16 | UInt64(groups[i]) }
        high = h; low = l
    }

    /// The IPv4-mapped address `::ffff:a.b.c.d` (RFC 4291 section 2.5.5.2).
    public init(mapping v4: IPv4Address) { high = 0; low = 0xFFFF_0000_0000 | UInt64(v4.value) }

    /// Parses RFC 4291 section 2.2 text: eight groups of one to four hex digits, `::` once for a run of zero
    /// groups, an optional trailing dotted quad in place of the last two groups. One pass over the octets.
    public init?(_ text: some StringProtocol) {
        let octets = text.utf8
        guard !octets.isEmpty, octets.count <= 45 else { return nil }
        var words = SIMD8<UInt16>()
        var count = 0
        var gap = -1
        var index = octets.startIndex
        func at(_ i: String.UTF8View.Index) -> UInt8? { i < octets.endIndex ? octets[i] : nil }
        if at(index) == UInt8(ascii: ":") {
            index = octets.index(after: index)
            guard at(index) == UInt8(ascii: ":") else { return nil }
            index = octets.index(after: index)
            gap = 0
        }
        while index < octets.endIndex {
            let start = index
            var value: UInt32 = 0, digits = 0
            while let byte = at(index), let digit = Self.hexValue(byte) {
                value = value << 4 | UInt32(digit)
                digits += 1
                index = octets.index(after: index)
            }
            if at(index) == UInt8(ascii: ".") {
                // The dotted quad ends the address and stands for two groups.
                guard count <= 6, let v4 = IPv4Address.parse(octets[start...]) else { return nil }
                words[count] = UInt16(v4 >> 16); words[count + 1] = UInt16(v4 & 0xFFFF)
                count += 2
                index = octets.endIndex
                break
            }
            guard (1...4).contains(digits), count < 8 else { return nil }
            words[count] = UInt16(value)
            count += 1
            guard let separator = at(index) else { break }
            guard separator == UInt8(ascii: ":") else { return nil }
            index = octets.index(after: index)
            if at(index) == UInt8(ascii: ":") {
                guard gap < 0 else { return nil }
                gap = count
                index = octets.index(after: index)
            } else if index == octets.endIndex {
                return nil
            }
        }
        if gap < 0 {
            guard count == 8 else { return nil }
        } else {
            guard count <= 7 else { return nil }
            // The groups after the gap move to the end; the gap's are zero.
            let moved = count - gap
            var full = SIMD8<UInt16>()
            for i in 0..<gap { full[i] = words[i] }
            for i in 0..<moved { full[8 - moved + i] = words[gap + i] }
            words = full
        }
        var h: UInt64 = 0, l: UInt64 = 0
        for i in 0..<4 { h = h << 16 | UInt64(words[i]) }
        for i in 4..<8 { l = l << 16 | UInt64(words[i]) }
        high = h; low = l
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x37
        case 0x61...0x66: byte - 0x57
        default: nil
        }
    }

    public var groups: [UInt16] {
        (0..<4).map { UInt16(truncatingIfNeeded: high >> (48 - 16 * UInt64($0))) }
            + (0..<4).map { UInt16(truncatingIfNeeded: low >> (48 - 16 * UInt64($0))) }
    }

    public var bytes: [UInt8] { groups.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] } }

    /// The embedded IPv4 address when this is an IPv4-mapped address.
    public var mappedIPv4: IPv4Address? {
        high == 0 && low >> 32 == 0xFFFF ? IPv4Address(UInt32(truncatingIfNeeded: low)) : nil
    }

    /// RFC 5952 canonical text: lower case, no leading zeros, the longest (first, on a tie) run of two or
    /// more zero groups as `::`. Written into one string (addresses are formatted for every report record and
    /// every authorized network), without a string per group.
    public var description: String {
        if let v4 = mappedIPv4 { return "::ffff:\(v4)" }
        func group(_ i: Int) -> UInt16 {
            UInt16(truncatingIfNeeded: (i < 4 ? high : low) >> (48 - 16 * UInt64(i % 4)))
        }
        var bestStart = -1, bestLength = 0, runStart = -1
        for i in 0...8 {
            if i < 8, group(i) == 0 {
                if runStart < 0 { runStart = i }
            } else if runStart >= 0 {
                if i - runStart > bestLength { bestStart = runStart; bestLength = i - runStart }
                runStart = -1
            }
        }
        if bestLength < 2 { bestStart = -1; bestLength = 0 }
        return String(unsafeUninitializedCapacity: 39) { buffer in
            var count = 0
            var i = 0
            while i < 8 {
                if i == bestStart {
                    buffer[count] = UInt8(ascii: ":"); count += 1
                    if i == 0 { buffer[count] = UInt8(ascii: ":"); count += 1 }
                    i += bestLength
                    continue
                }
                let value = group(i)
                var shift = 12
                while shift > 0, value >> UInt16(shift) == 0 { shift -= 4 }
                while shift >= 0 {
                    let digit = UInt8(truncatingIfNeeded: value >> UInt16(shift)) & 0xF
                    buffer[count] = digit < 10 ? 0x30 + digit : 0x57 + digit; count += 1
                    shift -= 4
                }
                i += 1
                if i < 8 { buffer[count] = UInt8(ascii: ":"); count += 1 }
            }
            return count
        }
    }

    public static func < (lhs: IPv6Address, rhs: IPv6Address) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }
}

/// An IPv4 or IPv6 address.
public enum IPAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    case v4(IPv4Address)
    case v6(IPv6Address)

    /// Parses either family; IPv6 text may be written in brackets.
    public init?(_ text: some StringProtocol) {
        var s = Substring(text)
        if s.hasPrefix("["), s.hasSuffix("]") { s = s.dropFirst().dropLast() }
        if let v4 = IPv4Address(s) { self = .v4(v4) } else if let v6 = IPv6Address(s) { self = .v6(v6) } else { return nil }
    }

    public var description: String {
        switch self { case .v4(let a): a.description; case .v6(let a): a.description }
    }

    public var isIPv4: Bool { if case .v4 = self { true } else { false } }
    public var bitWidth: Int { isIPv4 ? 32 : 128 }

    /// An IPv4-mapped IPv6 address becomes the IPv4 address it carries; anything else is returned unchanged.
    public var unmapped: IPAddress {
        if case .v6(let a) = self, let v4 = a.mappedIPv4 { return .v4(v4) }
        return self
    }

    /// The name a PTR query uses (RFC 1035 section 3.5, RFC 3596 section 2.5).
    public var reverseName: DomainName {
        switch self {
        case .v4(let a):
            // Four decimal labels plus in-addr.arpa always form a valid name.
            return try! DomainName(a.octets.reversed().map(String.init).joined(separator: ".") + ".in-addr.arpa")
        case .v6(let a):
            let nibbles = a.bytes.flatMap { [$0 >> 4, $0 & 0xF] }.reversed().map { String($0, radix: 16) }
            return try! DomainName(nibbles.joined(separator: ".") + ".ip6.arpa")
        }
    }

    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        switch (lhs, rhs) {
        case (.v4(let a), .v4(let b)): a < b
        case (.v6(let a), .v6(let b)): a < b
        case (.v4, .v6): true
        case (.v6, .v4): false
        }
    }
}

