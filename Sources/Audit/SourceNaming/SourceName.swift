/// Who an observed source is, and how that was learned.
public struct SourceName: Sendable, Hashable, Codable {
    /// How the name was learned, in the order they are tried.
    public enum Method: String, Sendable, Hashable, Codable, CaseIterable {
        /// The source is one of the approved senders of the monitor file.
        case approvedSender = "approved-sender"
        /// The domain's own SPF authorizes it through an include (named after the catalogue's provider when known).
        case spfInclude = "spf-include"
        /// The domain's SPF does not authorize it, but a catalogue provider's include does.
        case providerCatalogue = "provider-catalogue"
        /// Its reverse DNS name, confirmed by the name's own addresses.
        case reverseDNS = "reverse-dns"
        /// The DKIM `d=` its passing signatures carry.
        case dkimDomain = "dkim-domain"
    }

    /// "Google Workspace", "Office relay", "crmcloud.example".
    public var name: String
    public var method: Method
    /// What the name rests on, e.g. "inside the networks include:_spf.google.com authorizes".
    public var detail: String
    /// The catalogue provider's id, when the name is one.
    public var provider: String?
    /// The include that authorizes the source, or would: the one a fix adds.
    public var include: String?

    public init(name: String, method: Method, detail: String, provider: String? = nil, include: String? = nil) {
        self.name = name; self.method = method; self.detail = detail; self.provider = provider; self.include = include
    }

    /// "Google Workspace (provider-catalogue: inside the networks include:_spf.google.com authorizes)".
    public var label: String { "\(name) (\(method.rawValue): \(detail))" }
}
