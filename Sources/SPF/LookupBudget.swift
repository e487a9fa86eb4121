/// The one place RFC 7208 section 4.6.4's processing limits are counted: at most `maxLookups` terms that
/// query DNS (include, a, mx, ptr, exists, redirect) and at most `maxVoidLookups` lookups answered with
/// NXDOMAIN or no data, per evaluation including every nested include and redirect.
///
/// A value type passed `inout` through one evaluation; because every include and redirect is charged before
/// it recurses, nesting depth is bounded by `maxLookups` and a cyclic chain ends in permerror.
public struct LookupBudget: Sendable, Hashable {
    public let maxLookups: Int
    public let maxVoidLookups: Int
    public private(set) var lookups = 0
    public private(set) var voidLookups = 0

    public init(maxLookups: Int = 10, maxVoidLookups: Int = 2) {
        self.maxLookups = maxLookups; self.maxVoidLookups = maxVoidLookups
    }

    public init(options: SPFOptions) {
        self.init(maxLookups: options.maxLookups, maxVoidLookups: options.maxVoidLookups)
    }

    /// Counts one DNS-querying term; false when this term goes over the limit (the caller stops with permerror).
    public mutating func chargeLookup() -> Bool {
        lookups += 1
        return lookups <= maxLookups
    }

    /// Counts one void answer; false when it goes over the limit.
    public mutating func chargeVoid() -> Bool {
        voidLookups += 1
        return voidLookups <= maxVoidLookups
    }

    public var lookupsExceeded: Bool { lookups > maxLookups }
    public var voidLookupsExceeded: Bool { voidLookups > maxVoidLookups }
}
