import DNSCore
import Foundation
import SPF
import TestSupport

/// Runs the openspf.org suites' cases (loaded by TestSupport's `SPFTestSuite`) the way the reference
/// harness does.
enum SuiteLoader {
    static func load(_ url: URL) throws -> [SPFTestSuite.Scenario] {
        try SPFTestSuite.load(url)
    }

    static func run(_ c: SPFTestSuite.Case, resolver: some DNSResolver) async -> SPFEvaluation? {
        guard let ip = IPAddress(c.host) else { return nil }
        var options = SPFOptions()
        options.receivingHost = "receiver.example.org"
        return await SPFChecker(resolver: resolver, options: options).checkHost(ip: ip, domain: c.domain, sender: c.sender, helo: c.helo)
    }

    static func explanationMatches(_ expected: String?, _ actual: String?) -> Bool {
        SPFTestSuite.explanationMatches(expected, actual)
    }
}
