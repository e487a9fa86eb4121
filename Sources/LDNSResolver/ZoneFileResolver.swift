import DNSCore

/// A `DNSResolver` that answers from BIND-style zone files, for audits of DNS-as-code repositories before
/// anything is published, and for offline demos. Files are parsed once by libldns; answers follow the
/// rules of an authoritative server (see `ZoneIndex`), so they match what NSD serves from the same files,
/// octet for octet in TXT strings.
///
/// The files are authoritative for their origins. A name outside every loaded zone goes to `fallback` when
/// one is given (a DNS-as-code audit of one's own zone can still follow `include:_spf.provider.example`
/// live); without one it fails with `outsideZones`, a temporary failure that leaves the part that needed it
/// unknown: the audit cannot know what the rest of the DNS says and must not take silence for "no record".
public final class ZoneFileResolver: DNSResolver, Sendable {
    private let index: ZoneIndex
    private let fallback: (any DNSResolver)?
    /// The zone files read, in the order read.
    public let files: [String]

    /// `paths` are zone files, or directories whose `*.zone` and `*.db` files are read in name order.
    /// See `ZoneFileLoader` for how a file without `$ORIGIN` gets its origin.
    public init(paths: [String], fallback: (any DNSResolver)? = nil) throws(ZoneFileError) {
        let files = try ZoneFileLoader.files(paths)
        var zones: [LoadedZone] = []
        for file in files { zones.append(try ZoneFileLoader.load(file)) }
        index = try ZoneIndex(zones)
        self.files = files
        self.fallback = fallback
    }

    /// The apex of every loaded zone.
    public var zones: [DomainName] { index.origins.sorted() }

    public func resolve(_ name: DomainName, _ type: DNSRecordType) async -> DNSResult {
        let local = index.answer(name, type)
        guard let fallback, case .failure(let failure) = local, failure.kind == .outsideZones,
              let outside = failure.name else { return local }
        // A CNAME chain that leaves the zones goes on in the live DNS from the name it left at.
        return await fallback.resolve(outside, type)
    }
}
