import DMARC
import DNSCore
import SPF

/// Gathers a `DomainObservation` through a resolver: SPF analysis, DMARC discovery, report-destination
/// authorization and `check_host` for the given senders, with the independent parts run concurrently.
public struct DomainInspector: Sendable {
    public let resolver: any DNSResolver
    public let spfOptions: SPFOptions

    public init(resolver: any DNSResolver, spfOptions: SPFOptions = .init()) {
        self.resolver = resolver
        self.spfOptions = spfOptions
    }

    /// Observes `domain`: `ips` are checked as anonymous senders (`check --ip`), `approved` senders are
    /// expanded to their addresses and each address checked.
    public func observe(_ domain: DomainName, ips: [IPAddress] = [], approved: [ApprovedSender] = [],
                        sender localPart: String = "postmaster") async -> DomainObservation {
        async let spf = SPFAnalyzer(resolver: resolver, options: spfOptions).analyze(domain: domain)
        async let dmarc = DMARCDiscovery(resolver: resolver).discover(domain)
        let checker = SPFChecker(resolver: resolver, options: spfOptions)
        let mailFrom = "\(localPart)@\(domain.text)"
        var checks: [SenderCheck] = []
        for ip in ips {
            let evaluation = await checker.checkHost(ip: ip, domain: domain.text, sender: mailFrom, helo: nil)
            checks.append(SenderCheck(ip: ip, evaluation: evaluation))
        }
        let expanded = await SenderExpansion.expand(approved, resolver: resolver)
        for entry in expanded {
            for ip in entry.addresses {
                let evaluation = await checker.checkHost(ip: ip, domain: domain.text, sender: mailFrom, helo: nil)
                checks.append(SenderCheck(ip: ip, label: entry.sender.name, sender: entry.sender, evaluation: evaluation))
            }
        }
        let discovered = await dmarc
        var authorizations: [ReportAuthorization] = []
        if let record = discovered.record {
            authorizations = await DMARCReportAuthorizer(resolver: resolver).authorize(
                domain: discovered.policyDomain ?? domain, record: record,
                organizationalDomain: discovered.organizationalDomain ?? discovered.policyDomain ?? domain)
        }
        return DomainObservation(domain: domain, spf: await spf, dmarc: discovered,
                                 reportAuthorizations: authorizations, senderChecks: checks, expandedSenders: expanded)
    }
}
