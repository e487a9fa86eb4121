import Audit
import DNSCore
import Foundation
import Inventory
import Monitor
import MonitorConfig
import Snapshots
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// dns.unreachable: only after three polls in a row end in a temporary failure; a single timeout opens
/// nothing, resolves nothing and is never drift; the finding resolves on the first good poll.
@Suite struct UnreachableTests {
    typealias F = MonitorFixture

    /// A UDP socket bound on 127.0.0.1 that never reads: queries sent to it are never answered (a real
    /// timeout, not the ICMP "port unreachable" a closed port would give).
    struct SocketError: Error {}

    final class SilentPort {
        let fd: Int32
        let port: UInt16
        init() throws {
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = 0
            address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            guard fd >= 0, bound == 0 else { throw SocketError() }
            self.fd = fd
            port = UInt16(bigEndian: address.sin_port)
        }
        var address: String { "127.0.0.1:\(port)" }
        deinit { close(fd) }
    }

    /// Runs the sequence: good poll, one bad poll, good poll, three bad polls, good poll; `bad` and `good`
    /// give the resolver for each kind of poll.
    static func scenario(_ harness: Harness, badStatus: String, good: () throws -> any DNSResolver,
                         bad: () throws -> any DNSResolver) async throws {
        let name = F.d("ip-unauth")
        let standing = "spf.sender-unauthorized|\(name)|ip:192.0.2.11"
        func open() throws -> Set<String> { Set(try harness.openFindings(name).map(\.fingerprint)) }

        let baseline = try await harness.poll(try good())[name]!
        #expect(baseline.status == "ok")
        #expect(try open() == [standing])
        let observationsBefore = try harness.store.observations(domainId: try harness.store.domain(named: name)!.id!).count

        // One timeout: no verdict, nothing opens or resolves; the next good poll sees no drift.
        let single = try await harness.poll(try bad())[name]!
        #expect(single.status == badStatus)
        #expect(single.opened.isEmpty && single.resolved.isEmpty)
        #expect(single.consecutiveTempFailures == 1)
        let recovered = try await harness.poll(try good())[name]!
        #expect(recovered.status == "ok" && recovered.consecutiveTempFailures == 0)
        #expect(recovered.opened.isEmpty, "a timeout is never drift: \(recovered.opened.map(\.fingerprint))")
        #expect(recovered.resolved.isEmpty)
        #expect(try open() == [standing])

        // Three in a row: dns.unreachable opens exactly at the third; nothing else moves meanwhile.
        for attempt in 1...3 {
            let result = try await harness.poll(try bad())[name]!
            #expect(result.status == badStatus)
            #expect(result.consecutiveTempFailures == attempt)
            #expect(result.resolved.isEmpty, "poll \(attempt) resolved \(result.resolved.map(\.fingerprint))")
            if attempt < 3 {
                #expect(result.opened.isEmpty, "poll \(attempt) opened \(result.opened.map(\.fingerprint))")
                #expect(try open() == [standing])
            } else {
                #expect(result.opened.map(\.kind.rawValue) == ["dns.unreachable"])
                #expect(result.opened.first?.evidence["consecutivePolls"] == "3")
                #expect(try open() == [standing, "dns.unreachable|\(name)|"])
            }
        }
        // The first good poll resolves it and opens nothing (no record.changed).
        let back = try await harness.poll(try good())[name]!
        #expect(back.status == "ok")
        #expect(back.resolved.map(\.kind.rawValue) == ["dns.unreachable"])
        #expect(back.opened.isEmpty, "\(back.opened.map(\.fingerprint))")
        #expect(back.stillOpen == [standing])
        #expect(try open() == [standing])
        // Nothing known changed: the polls without an answer carried the last known values forward, so the
        // history holds one observation seen by all seven polls, as a clean run would.
        let observations = try harness.store.observations(domainId: try harness.store.domain(named: name)!.id!)
        #expect(observationsBefore == 1)
        #expect(observations.map(\.status) == ["ok"])
        #expect(observations.map(\.seenCount) == [7])
    }

    @Test("in memory: a zone that times out")
    func inMemory() async throws {
        let domains = F.domains.filter { $0.label == "ip-unauth" }
        let harness = try Harness(domains)
        let healthy = F.memoryZone(monitor: F.monitorRecords(domains))
        var broken = healthy
        broken.addTimeout(try DomainName(F.d("ip-unauth")))
        broken.addTimeout(try DomainName("_dmarc." + F.d("ip-unauth")))
        // The domain's own records time out: no verdict.
        try await Self.scenario(harness, badStatus: "unknown", good: { ZoneResolver(healthy) }, bad: { ZoneResolver(broken) })
    }

    @Test("through real DNS: a silent UDP port for the bad polls, NSD for the good ones")
    func throughNSD() async throws {
        let domains = F.domains.filter { $0.label == "ip-unauth" }
        guard let server = try NSDServer.start(zones: F.nsdZones(monitor: F.monitorRecords(domains))) else { try Test.cancel("NSD is not installed") }
        defer { server.stop() }
        let silent = try SilentPort()
        let good = try F.resolver(server.address)
        let bad = try F.resolver(silent.address, timeout: 0.3, retries: 0)
        defer { good.shutdown(); bad.shutdown() }
        let harness = try Harness(domains)
        let started = Date()
        try await Self.scenario(harness, badStatus: "unknown", good: { good }, bad: { bad })
        print("dns.unreachable (NSD + silent port): 8 polls in \(String(format: "%.2f", Date().timeIntervalSince(started))) s")
    }
}
