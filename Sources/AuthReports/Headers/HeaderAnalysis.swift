import DNSCore
import Foundation

/// What a saved message's headers say about its sending: the diagnosis a postmaster does by hand, without
/// DNS. Only the `Authentication-Results` and `Received-SPF` the receiver wrote are believed (`HeaderTrust`):
/// the topmost trusted one of each; the others are listed in `ignored` with the reason.
public struct HeaderAnalysis: Hashable, Sendable {
    public enum IPSource: String, Hashable, Sendable, Codable {
        case receivedSPF = "Received-SPF client-ip"
        case authenticationResults = "Authentication-Results"
        case received = "Received"
    }

    public var connectingIP: IPAddress?
    public var connectingIPSource: IPSource?
    /// The domain of the `From:` address (RFC 5322.From, what DMARC protects).
    public var headerFromDomain: String?
    /// The envelope sender's domain (RFC 5321.MailFrom): `Return-Path`, else what the receiver recorded.
    public var envelopeFromDomain: String?
    public var envelopeFrom: String?
    /// The receiver's Received-SPF and Authentication-Results (the topmost trusted ones).
    public var receivedSPF: ReceivedSPF?
    public var authenticationResults: AuthenticationResults?
    public var hops: [ReceivedHop]
    /// The receiver's verdicts, as it wrote them: `spf`, `dkim`, `dmarc` results.
    public var receiverSPF: String?
    public var receiverDKIM: String?
    /// The `d=` domain of the receiver's DKIM verdict.
    public var receiverDKIMDomain: String?
    public var receiverDMARC: String?
    /// The receiver's own explanations (the comments of its SPF verdicts).
    public var receiverSaid: [String]
    /// The receivers whose verdicts were believed (configured, or the receiving hosts' names).
    public var trustedReceivers: [String]
    /// Verdict fields not believed, each with its reason, top first.
    public var ignored: [String]
    /// The `Message-ID` field (RFC 5322 section 3.6.4), as written.
    public var messageID: String?

    /// Analyses the header block of `message` (the body, if present, is ignored). `trustedReceivers` are the
    /// authserv-ids and host names whose verdicts count; empty: the receiving hosts' own names.
    public init(message: String, trustedReceivers: [String] = []) {
        let fields = HeaderFields(message)
        let trust = HeaderTrust(fields, trusted: trustedReceivers)
        hops = trust.hops
        self.trustedReceivers = trust.trustedReceivers
        var ignored: [String] = []
        receivedSPF = nil
        for position in fields.positions(of: "received-spf") {
            let spf = ReceivedSPF(fields.fields[position].value)
            if let reason = trust.distrust(spf, at: position) {
                let client = spf.fields["client-ip"].map { " client-ip=\($0)" } ?? ""
                ignored.append("Received-SPF (\(spf.result)\(client)): \(reason)")
            } else if receivedSPF == nil {
                receivedSPF = spf
            }
        }
        authenticationResults = nil
        for position in fields.positions(of: "authentication-results") {
            let ar = AuthenticationResults(fields.fields[position].value)
            if let reason = trust.distrust(authservID: ar.authservID, at: position) {
                ignored.append("Authentication-Results (\(ar.authservID ?? "no authserv-id")): \(reason)")
            } else if authenticationResults == nil {
                authenticationResults = ar
            }
        }
        self.ignored = ignored
        let ar = authenticationResults
        receiverSPF = ar?.first("spf")?.result ?? receivedSPF?.result
        receiverDKIM = ar?.first("dkim")?.result
        receiverDKIMDomain = ar?.first("dkim").flatMap {
            $0.properties["header.d"] ?? $0.properties["header.i"].map { HeaderFields.domain(of: $0) }
        }
        receiverDMARC = ar?.first("dmarc")?.result
        let comments = [receivedSPF?.comment].compactMap { $0 }
            + (ar?.clauses.filter { $0.method == "spf" || $0.method == "dmarc" }.flatMap(\.comments) ?? [])
        receiverSaid = comments.filter { !$0.isEmpty }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }

        func routable(_ ip: IPAddress?) -> IPAddress? { ip.flatMap { $0.isInternal ? nil : $0 } }
        if let ip = routable(receivedSPF?.fields["client-ip"].flatMap(IPAddress.init)) {
            connectingIP = ip; connectingIPSource = .receivedSPF
        } else if let ip = routable(ar.flatMap(Self.ipFromAuthenticationResults)) {
            connectingIP = ip; connectingIPSource = .authenticationResults
        } else if let ip = routable(receivedSPF?.comment.flatMap(HeaderFields.firstIP)) {
            connectingIP = ip; connectingIPSource = .receivedSPF
        } else if let ip = trust.receivingHopIP {
            connectingIP = ip; connectingIPSource = .received
        }
        headerFromDomain = fields.first("from").flatMap(HeaderFields.address).map(HeaderFields.domain(of:))
        let returnPath = fields.first("return-path").flatMap(HeaderFields.address)
        let mailFrom = returnPath ?? receivedSPF?.fields["envelope-from"] ?? ar?.first("spf")?.properties["smtp.mailfrom"]
        envelopeFrom = mailFrom.flatMap { $0.isEmpty ? nil : $0 }
        envelopeFromDomain = envelopeFrom.map(HeaderFields.domain(of:))
        messageID = fields.first("message-id").map { $0.trimming([" ", "\t"]) }.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The address the receiver named: `smtp.client-ip` / `smtp.remote-ip`, or the IP in its SPF comment
    /// (`designate 192.0.2.1 as`, Microsoft's `sender IP is 192.0.2.1`).
    static func ipFromAuthenticationResults(_ ar: AuthenticationResults) -> IPAddress? {
        for clause in ar.clauses {
            for key in ["smtp.client-ip", "smtp.remote-ip", "policy.iprev"] {
                if let ip = clause.properties[key].flatMap(IPAddress.init) { return ip }
            }
        }
        for clause in ar.clauses where clause.method == "spf" || clause.method == "iprev" {
            for comment in clause.comments { if let ip = HeaderFields.firstIP(comment) { return ip } }
        }
        return nil
    }
}
