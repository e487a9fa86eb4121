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

    public func observe(_ domain: DomainName, senders: [(ip: IPAddress, label: String?)] = [],
                        sender localPart: String = "postmaster") async -> DomainObservation {
        async let spf = SPFAnalyzer(resolver: resolver, options: spfOptions).analyze(domain: domain)
        async let dmarc = DMARCDiscovery(resolver: resolver).discover(domain)
        let checker = SPFChecker(resolver: resolver, options: spfOptions)
        var checks: [SenderCheck] = []
        for sender in senders {
            let evaluation = await checker.checkHost(ip: sender.ip, domain: domain.text,
                                                     sender: "\(localPart)@\(domain.text)", helo: nil)
            checks.append(SenderCheck(ip: sender.ip, label: sender.label, evaluation: evaluation))
        }
        let discovered = await dmarc
        var authorizations: [ReportAuthorization] = []
        if let record = discovered.record {
            authorizations = await DMARCReportAuthorizer(resolver: resolver).authorize(
                domain: discovered.policyDomain ?? domain, record: record,
                organizationalDomain: discovered.organizationalDomain ?? discovered.policyDomain ?? domain)
        }
        return DomainObservation(domain: domain, spf: await spf, dmarc: discovered,
                                 reportAuthorizations: authorizations, senderChecks: checks)
    }
}
