import DNSCore
import Foundation
import LDNSResolver
import SPF
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Hostile DNS must end in permerror or temperror within the configured time, never a hang or a crash:
/// an include loop, a TXT RRset of about 61 KB (TCP only), CNAME loops, a 64-level include chain, and a
/// server that never answers. The zone is generated (see `HostileZone`) and served by NSD on 127.0.0.1;
/// the silent server is a UDP socket this test binds and never reads. Each query to NSD takes milliseconds,
/// so a whole evaluation (up to 11 queries) must end within 1 s, half the 2 s timeout one unanswered query
/// would add; against the silent server, timeout x tries is 1 s and the bound 2 s. Timed calls run on a
/// dedicated executor (see `executor`); the suite is serialized so its NSDs do not start all at once.
@Suite("hostile DNS ends in an error, promptly", .serialized)
struct HostileDNSTests {
    static let client = IPAddress("192.0.2.10")!

    /// Runs the timed calls on a thread of their own: the cooperative pool has one thread per CPU, and
    /// other suites' synchronous waits (NSD start-up polls, stopping a server) can hold it for seconds,
    /// which would be measured here as our time.
    static let executor = ThreadTaskExecutor.shared

    static func check(_ resolver: some DNSResolver, _ domain: String) async -> (SPFEvaluation, Double) {
        let (evaluation, elapsed) = await withTaskExecutorPreference(executor) {
            let start = Date()
            let evaluation = await SPFChecker(resolver: resolver).checkHost(ip: client, domain: domain, sender: "postmaster@" + domain)
            return (evaluation, Date().timeIntervalSince(start))
        }
        print(String(format: "hostile: check_host %@ -> %@ (%d lookups) in %.3f s", domain, evaluation.result.rawValue, evaluation.dnsLookups, elapsed))
        return (evaluation, elapsed)
    }

    static func analyze(_ resolver: some DNSResolver, _ domain: String) async -> (SPFAnalysis, Double) {
        let (analysis, elapsed) = await withTaskExecutorPreference(executor) {
            let start = Date()
            let analysis = await SPFAnalyzer(resolver: resolver).analyze(domain: name(domain))
            return (analysis, Date().timeIntervalSince(start))
        }
        print(String(format: "hostile: analyze %@ -> %@, errors %@ in %.3f s", domain, analysis.result?.rawValue ?? "-",
                     analysis.errors.map(\.code).joined(separator: ","), elapsed))
        return (analysis, elapsed)
    }

    static func withHostileNSD(_ body: (NSDServer, LDNSResolver) async throws -> Void) async throws {
        guard let server = try NSDServer.start(zones: [HostileZone.zone]) else { try Test.cancel("NSD is not installed") }
        defer { server.stop() }
        let resolver = try Fixtures.resolver(server.address, timeout: 2, retries: 0)
        defer { resolver.shutdown() }
        try await body(server, resolver)
    }

    @Test("an include loop a -> b -> a is permerror at the lookup limit")
    func includeLoop() async throws {
        try await Self.withHostileNSD { _, resolver in
            let (e, elapsed) = await Self.check(resolver, "loop-a.hostile.test")
            #expect(e.result == .permerror, "\(e.result): \(e.problem ?? "-")")
            #expect(e.problem?.contains("too many DNS lookups") == true, "\(e.problem ?? "-")")
            #expect(e.dnsLookups == 11)
            #expect(e.trace.count == 11)
            #expect(elapsed < 1, "\(elapsed) s")
            let (self1, _) = await Self.check(resolver, "self.hostile.test")
            #expect(self1.result == .permerror)
        }
    }

    @Test("a TXT RRset of about 61 KB comes over TCP and gives the RFC's answer", arguments: [
        ("big-none.hostile.test", SPFResult.none),
        ("big-pass.hostile.test", .pass),
        ("big-multi.hostile.test", .permerror),
    ])
    func hugeTXTSet(_ domain: String, _ expected: SPFResult) async throws {
        try await Self.withHostileNSD { _, resolver in
            let (answer, fetch) = await withTaskExecutorPreference(Self.executor) {
                let start = Date()
                let answer = await resolver.resolve(name(domain), .txt)
                return (answer, Date().timeIntervalSince(start))
            }
            var records: [DNSRecord] = []
            if case .records(let r)? = answer.answer { records = r }
            #expect(records.count == HostileZone.bigRecordCount, "\(answer)")
            let octets = records.compactMap { $0.data.joinedText?.count }.reduce(0, +)
            #expect(octets >= 58_000, "\(octets) octets")
            #expect(fetch < 1, "\(fetch) s")
            let (e, elapsed) = await Self.check(resolver, domain)
            #expect(e.result == expected, "\(e.result): \(e.problem ?? "-")")
            #expect(elapsed < 1, "\(elapsed) s")
            if expected == .pass { #expect(e.mechanism == "ip4:192.0.2.10") }
        }
    }

    /// A CNAME loop at the name whose TXT is asked is a `cnameLoop` DNSFailure. As a receiver's recursive
    /// resolver answers it with SERVFAIL, every lookup failure is temperror: at the SPF record's own name
    /// (RFC 7208 section 4.4), at a mechanism's target (section 5), and under an include (section 5.2).
    @Test("CNAME loops end at once in temperror, wherever they are")
    func cnameLoops() async throws {
        try await Self.withHostileNSD { _, resolver in
            for domain in ["cname-a.hostile.test", "cname-self.hostile.test"] {
                let lookup = await resolver.resolve(name(domain), .txt)
                #expect(lookup.failureKind == .cnameLoop, "\(domain): \(lookup)")
                let (e, elapsed) = await Self.check(resolver, domain)
                #expect(e.result == .temperror, "\(domain): \(e.result): \(e.problem ?? "-")")
                #expect(e.problem?.contains("cname-loop") == true, "\(e.problem ?? "-")")
                #expect(elapsed < 1, "\(domain): \(elapsed) s")
            }
            for domain in ["mech-cname.hostile.test", "include-cname.hostile.test"] {
                let (e, elapsed) = await Self.check(resolver, domain)
                let expected: SPFResult = .temperror
                #expect(e.result == expected, "\(domain): \(e.result): \(e.problem ?? "-")")
                #expect(elapsed < 1, "\(domain): \(elapsed) s")
            }
        }
    }

    @Test("a 64-level include chain stops after 10 lookups: 11 queries reach NSD")
    func longIncludeChain() async throws {
        try await Self.withHostileNSD { server, resolver in
            let before = server.queryCount
            let sentBefore = resolver.statistics.queriesSent
            let (e, elapsed) = await Self.check(resolver, "chain-0.hostile.test")
            #expect(e.result == .permerror, "\(e.result): \(e.problem ?? "-")")
            #expect(e.problem?.contains("too many DNS lookups") == true, "\(e.problem ?? "-")")
            // The top record is fetched free; include 1...10 are charged and fetched; include 11 is
            // charged (lookups = 11) and refused before its query.
            #expect(e.dnsLookups == 11)
            #expect(e.trace.map(\.name) == (0...10).map { "chain-\($0).hostile.test" })
            #expect(resolver.statistics.queriesSent - sentBefore == 11)
            if let before, let after = server.queryCount {
                #expect(after - before == 11, "NSD counted \(after - before) queries")
            } else {
                print("note: nsd-control statistics unavailable; counted the resolver's queries only")
            }
            #expect(elapsed < 1, "\(elapsed) s")
        }
    }

    @Test("a server that never answers: temperror after timeout x tries (0.5 s x 2)")
    func silentServer() async throws {
        let silent = try SilentUDPServer()
        defer { silent.close() }
        var configuration = LDNSConfiguration(nameservers: [try Nameserver(parsing: "127.0.0.1:\(silent.port)")])
        configuration.timeout = 0.5
        configuration.retries = 1
        let resolver = try LDNSResolver(configuration: configuration, workers: 2)
        defer { resolver.shutdown() }
        let (e, elapsed) = await Self.check(resolver, "example.com")
        #expect(e.result == .temperror, "\(e.result): \(e.problem ?? "-")")
        #expect(e.problem?.contains("timeout") == true, "\(e.problem ?? "-")")
        #expect(elapsed >= 0.9 && elapsed < 2, "\(elapsed) s")
        let (analysis, analysisTime) = await Self.analyze(resolver, "example.com")
        #expect(analysis.result == .temperror)
        #expect(analysis.errors.map(\.code).contains("dns-temporary"), "\(analysis.errors)")
        #expect(analysisTime < 2, "\(analysisTime) s")
        // Two tries for checkHost's one query and two for the analyzer's: the server did receive them.
        let datagrams = silent.received()
        #expect(datagrams >= 4, "the server saw \(datagrams) datagrams")
    }

    @Test("SPFAnalyzer over the hostile zone ends quickly and reports errors", arguments: [
        ("loop-a.hostile.test", "include-loop"),
        ("chain-0.hostile.test", "lookup-limit"),
        ("cname-a.hostile.test", "dns-failure"),
        ("mech-cname.hostile.test", "dns-failure"),
        ("big-none.hostile.test", "no-record"),
        ("big-multi.hostile.test", "multiple-records"),
    ])
    func analyzer(_ domain: String, _ code: String) async throws {
        try await Self.withHostileNSD { _, resolver in
            let (analysis, elapsed) = await Self.analyze(resolver, domain)
            #expect(analysis.errors.map(\.code).contains(code), "\(domain): \(analysis.errors.map { "\($0.code): \($0.message)" })")
            #expect(elapsed < 1, "\(domain): \(elapsed) s")
        }
    }
}

/// The hostile zone, `hostile.test`.
enum HostileZone {
    static let bigRecordCount = 60
    static let stringsPerRecord = 4
    static let stringLength = 250

    static func txt(_ owner: String, _ text: String) -> (DomainName, DNSRecordData) {
        (name(owner + ".hostile.test"), .txt([Array(text.utf8)]))
    }

    /// `count` filler TXT records of 4 x 250 octets, distinct (a server keeps one copy of identical RRs).
    static func filler(_ owner: String, count: Int) -> [(DomainName, DNSRecordData)] {
        (0..<count).map { r in
            let strings = (0..<stringsPerRecord).map { s in
                let head = Array("filler \(r) \(s) ".utf8)
                return head + Array(repeating: UInt8(ascii: "x"), count: stringLength - head.count)
            }
            return (name(owner + ".hostile.test"), .txt(strings))
        }
    }

    /// A 1,000-octet SPF record in 250-octet strings, matching the client only at its last ip4.
    static var longRecord: [[UInt8]] {
        let size = 4 * stringLength
        let tail = " ip4:192.0.2.10 -all"
        var text = "v=spf1"
        for n in 1...250 {
            let term = " ip4:203.0.113.\(n)"
            guard text.utf8.count + term.utf8.count + tail.utf8.count <= size else { break }
            text += term
        }
        text += tail
        // Trailing spaces are allowed (RFC 7208 section 4.5: record = version terms *SP).
        text += String(repeating: " ", count: size - text.utf8.count)
        let octets = Array(text.utf8)
        return stride(from: 0, to: octets.count, by: stringLength).map { Array(octets[$0..<min($0 + stringLength, octets.count)]) }
    }

    static var zone: NSDServer.Zone {
        var records: [(DomainName, DNSRecordData)] = [
            txt("loop-a", "v=spf1 include:loop-b.hostile.test -all"),
            txt("loop-b", "v=spf1 include:loop-a.hostile.test -all"),
            txt("self", "v=spf1 include:self.hostile.test -all"),
            (name("cname-a.hostile.test"), .cname(name("cname-b.hostile.test"))),
            (name("cname-b.hostile.test"), .cname(name("cname-a.hostile.test"))),
            (name("cname-self.hostile.test"), .cname(name("cname-self.hostile.test"))),
            txt("mech-cname", "v=spf1 a:cname-a.hostile.test -all"),
            txt("include-cname", "v=spf1 include:cname-a.hostile.test -all"),
        ]
        records += (0..<64).map { txt("chain-\($0)", "v=spf1 include:chain-\($0 + 1).hostile.test -all") }
        records.append(txt("chain-64", "v=spf1 +all"))
        records += filler("big-none", count: bigRecordCount)
        records += filler("big-pass", count: bigRecordCount - 1)
        records.append((name("big-pass.hostile.test"), .txt(longRecord)))
        records += filler("big-multi", count: bigRecordCount - 2)
        records.append(txt("big-multi", "v=spf1 ip4:192.0.2.10 -all"))
        records.append(txt("big-multi", "v=spf1 -all"))
        return ZoneTextWriter.zone(origin: "hostile.test", records: records)
    }
}

/// A UDP socket on 127.0.0.1 that receives queries and never answers (nothing listens on TCP there).
final class SilentUDPServer: @unchecked Sendable {
    let fd: Int32
    let port: UInt16

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw SocketError(call: "socket", errno: errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { let e = errno; Glibc.close(fd); throw SocketError(call: "bind", errno: e) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.fd = fd
        self.port = UInt16(bigEndian: address.sin_port)
    }

    /// Drains and counts the queries that arrived (without answering them).
    func received() -> Int {
        var count = 0
        var buffer = [UInt8](repeating: 0, count: 4096)
        while recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT)) >= 0 { count += 1 }
        return count
    }

    func close() { Glibc.close(fd) }

    struct SocketError: Error {
        let call: String
        let errno: Int32
    }
}
