import DNSCore

/// A `DNSResolver` that answers from BIND-style zone files, for audits of DNS-as-code repositories before
/// anything is published, and for offline demos. Files are parsed once by libldns; answers follow the
/// rules of an authoritative server (see `ZoneIndex`), so they match what NSD serves from the same files,
/// octet for octet in TXT strings.
///
/// A name outside every loaded zone is answered with a `refused` failure, as an authoritative server
/// would: the audit cannot know what the rest of the DNS says, and must not take silence for "no record".
public final class ZoneFileResolver: DNSResolver, Sendable {
    private let index: ZoneIndex
    /// The zone files read, in the order read.
    public let files: [String]

    /// `paths` are zone files, or directories whose `*.zone` and `*.db` files are read in name order.
    /// See `ZoneFileLoader` for how a file without `$ORIGIN` gets its origin.
    public init(paths: [String]) throws(ZoneFileError) {
        let files = try ZoneFileLoader.files(paths)
        var zones: [LoadedZone] = []
        for file in files { zones.append(try ZoneFileLoader.load(file)) }
        index = try ZoneIndex(zones)
        self.files = files
    }

    /// The apex of every loaded zone.
    public var zones: [DomainName] { index.origins.sorted() }

    public func resolve(_ name: DomainName, _ type: DNSRecordType) async -> DNSResult {
        index.answer(name, type)
    }
}
