import DMARC
import DNSCore
import SPF

/// What one poll saw, reduced to what drift detection and history need. Stored with each observation;
/// two polls with equal summaries are the same observation.
public struct ObservationSummary: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Codable { case ok, temperror }

    public var status: Status
    public var spfRecord: String?
    public var spfResult: String?
    public var dnsLookups: Int
    public var voidLookups: Int
    public var allQualifier: String?
    /// The domain's own record, term by term.
    public var ownTerms: [String]
    /// Every network the record authorizes with `+`, as text, sorted.
    public var networks: [String]
    /// Include and redirect targets anywhere in the tree, sorted.
    public var includes: [String]
    /// For each include/redirect target, the networks its subtree authorizes, sorted.
    public var providerNetworks: [String: [String]]
    public var dmarcStatus: String
    public var dmarcRecord: String?
    public var dmarcPolicy: String?

    public init(_ o: DomainObservation) {
        status = o.hadTemporaryFailure ? .temperror : .ok
        spfRecord = o.spf.record
        spfResult = o.spf.result?.rawValue
        dnsLookups = o.spf.dnsLookups
        voidLookups = o.spf.voidLookups
        allQualifier = o.spf.allQualifier
        ownTerms = o.spf.record.map { $0.split(separator: " ").dropFirst().map(String.init) } ?? []
        let positive = o.spf.networks.filter { $0.qualifier == "+" }
        networks = Array(Set(positive.map { $0.network.description })).sorted()
        var providers: [String: Set<String>] = [:]
        var stack = o.spf.tree.map { [$0] } ?? []
        var subtreeOf: [String: String] = [:]
        while let node = stack.popLast() {
            for child in node.children where child.via != nil {
                let key = child.domain.lowercased()
                subtreeOf[key] = subtreeOf[node.domain.lowercased()] ?? key
                providers[key, default: []] = []
                stack.append(child)
            }
        }
        for network in positive {
            let holder = network.via.lowercased()
            guard holder != o.domain.key, let top = subtreeOf[holder] else { continue }
            providers[top, default: []].insert(network.network.description)
        }
        includes = providers.keys.sorted()
        providerNetworks = providers.mapValues { $0.sorted() }
        dmarcStatus = o.dmarc.status.rawValue
        dmarcRecord = o.dmarc.recordText
        dmarcPolicy = o.dmarc.appliedPolicy?.rawValue
    }

    /// A stable 64-bit FNV-1a digest of a text, in hex: used to tell record versions apart in finding
    /// subjects. (Tamper evidence for snapshots uses SHA-256 elsewhere.)
    public static func digest(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
