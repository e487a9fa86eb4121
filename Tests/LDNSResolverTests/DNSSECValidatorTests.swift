import DNSCore
import Foundation
import LDNSResolver
import Testing
import TestSupport

/// The DNSSEC validator's inputs and its failure mode: trust anchors read from text with clear errors, and a
/// nameserver that does not answer leaves every status indeterminate (never bogus, never insecure).
@Suite struct DNSSECValidatorTests {
    @Test func rootAnchorsAreTheTwoKSKs() throws {
        let anchors = try DNSSECTrustAnchors(text: """
            ; KSK-2017
            . IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D
            """, source: "test")
        _ = anchors
        _ = DNSSECTrustAnchors.root
    }

    @Test(arguments: [
        ("", "no DS or DNSKEY record"),
        ("example. IN A 192.0.2.1", "line 1: expected a DS or DNSKEY record"),
        ("; x\nexample. IN DS not-a-number", "line 2: not a DS or DNSKEY record"),
        (String(repeating: ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n", count: 65),
         "more than 64 trust anchors"),
    ])
    func badAnchorsSayWhy(_ text: String, _ expected: String) {
        do {
            _ = try DNSSECTrustAnchors(text: text, source: "anchors.ds")
            Issue.record("accepted: \(text.prefix(40))")
        } catch {
            #expect(error.message.contains(expected) && error.message.hasPrefix("anchors.ds"), "\(error.message)")
        }
    }

    @Test func aClosedPortLeavesTheStatusIndeterminate() async throws {
        var configuration = LDNSConfiguration(nameservers: [try Nameserver(parsing: "127.0.0.1:9")])
        configuration.timeout = 0.5
        configuration.retries = 0
        let validator = try LDNSDNSSECValidator(configuration: configuration)
        defer { validator.shutdown() }
        let name = try DomainName("example.com")
        // Timed on a thread of its own: the cooperative pool can be held for a minute and more by other
        // suites' synchronous process start-ups, and that wait is not the validator's.
        let (status, elapsed) = await withTaskExecutorPreference(ThreadTaskExecutor.shared) {
            let started = ContinuousClock.now
            let status = await validator.status(name, .txt, now: 1_800_000_000)
            return (status, ContinuousClock.now - started)
        }
        #expect(status.isIndeterminate, "\(status)")
        // Bounded by the timeout, not a hang.
        #expect(elapsed < .seconds(20), "\(elapsed)")
        #expect(validator.queriesSent >= 1)
    }
}
