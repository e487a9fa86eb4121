import DNSCore
import Foundation
import LDNSResolver
import Testing
import TestSupport

@Suite("ZoneFileResolver")
struct ZoneFileResolverTests {
    /// Every interesting owner in Tests/Fixtures/zones, asked with the types the audit uses.
    static let questions: [(String, DNSRecordType)] = [
        ("senderwatch.test", .txt), ("senderwatch.test", .mx), ("senderwatch.test", .a), ("senderwatch.test", .soa),
        ("_dmarc.senderwatch.test", .txt), ("multi.senderwatch.test", .txt), ("long.senderwatch.test", .txt),
        ("escaped.senderwatch.test", .txt), ("bigset.senderwatch.test", .txt), ("nodata.senderwatch.test", .txt),
        ("nodata.senderwatch.test", .a), ("missing.senderwatch.test", .txt), ("deep.missing.senderwatch.test", .a),
        ("ent.senderwatch.test", .txt), ("b.ent.senderwatch.test", .txt), ("a.b.ent.senderwatch.test", .txt),
        ("x.b.ent.senderwatch.test", .txt), ("ttl60.senderwatch.test", .txt),
        ("alias.senderwatch.test", .txt), ("alias.senderwatch.test", .cname), ("chain1.senderwatch.test", .txt),
        ("outside.senderwatch.test", .txt), ("loop1.senderwatch.test", .txt), ("dangling.senderwatch.test", .txt),
        ("hop1.senderwatch.test", .txt), ("hop4.senderwatch.test", .txt),
        ("anything.wild.senderwatch.test", .txt), ("a.b.wild.senderwatch.test", .txt), ("host.wild.senderwatch.test", .txt),
        ("host.wild.senderwatch.test", .a), ("sub.host.wild.senderwatch.test", .txt), ("wild.senderwatch.test", .txt),
        ("legacy.senderwatch.test", .spf), ("legacy.senderwatch.test", .txt),
        ("mx1.senderwatch.test", .a), ("mx1.senderwatch.test", .aaaa), ("mx1.senderwatch.test", .ptr),
        ("MX1.SenderWatch.TEST", .a),
        ("_spf.provider.test", .txt), ("mx2.provider.test", .a), ("nothing.provider.test", .txt),
        ("25.2.0.192.in-addr.arpa", .ptr), ("26.2.0.192.in-addr.arpa", .ptr), ("2.0.192.in-addr.arpa", .ptr),
    ]

    /// A comparable form: record sets sorted (servers may reorder), failures by kind only.
    static func normalized(_ result: DNSResult) -> String {
        switch result {
        case .success(.records(let records)):
            return records.map { "\($0.name.key) \($0.ttl) \($0.data)" }.sorted().joined(separator: "\n")
        case .success(let negative): return "\(negative)"
        case .failure(let failure): return "failure \(failure.kind)"
        }
    }

    @Test("answers the same as NSD serving the same files")
    func agreesWithNSD() async throws {
        let zoneFiles = try ZoneFileResolver(paths: [Fixtures.zones.path])
        #expect(zoneFiles.zones.map(\.text) == ["2.0.192.in-addr.arpa", "provider.test", "senderwatch.test"])
        try await Fixtures.withNSD { server in
            let resolver = try Fixtures.resolver(server.address)
            defer { resolver.shutdown() }
            for (owner, type) in Self.questions {
                let fromNSD = Self.normalized(await resolver.resolve(name(owner), type))
                let fromFiles = Self.normalized(await zoneFiles.resolve(name(owner), type))
                #expect(fromFiles == fromNSD, "\(owner) \(type)")
            }
        }
    }

    @Test("TXT octets from the file equal the octets NSD serves")
    func escapedOctets() async throws {
        let resolver = try ZoneFileResolver(paths: [Fixtures.zones.appendingPathComponent("senderwatch.test.zone").path])
        let records = await resolver.resolve(name("escaped.senderwatch.test"), .txt).answer?.records ?? []
        #expect(records.map(\.data) == [.txt(NSDAnswerTests.escapedStrings)])
    }

    @Test("a name outside every loaded zone is unknown (outside the zone files), not reported as missing")
    func outsideZones() async throws {
        let resolver = try ZoneFileResolver(paths: [Fixtures.zones.appendingPathComponent("senderwatch.test.zone").path])
        #expect(await resolver.resolve(name("example.org"), .txt).failureKind == .outsideZones)
        // The CNAME leads into provider.test, which this resolver did not load.
        #expect(await resolver.resolve(name("outside.senderwatch.test"), .txt).failureKind == .outsideZones)
    }

    /// Written to a temporary directory; each case names the line the error must point at.
    static let badFiles: [(file: String, text: String, expected: String)] = [
        ("bad-rdata.test.zone", "$TTL 300\n@ IN SOA ns1 host 1 2 3 4 5\n@ IN A 192.0.2.1\nwww IN A not-an-address\n", ":4: "),
        ("bad-type.test.zone", "$TTL 300\n@ IN SOA ns1 host 1 2 3 4 5\n\n\nx IN BOGUSTYPE foo\n", ":5: "),
        ("bad-mx.test.zone", "$TTL 300\n@ IN SOA ns1 host 1 2 3 4 5\nx IN MX ten mail\n", ":3: "),
    ]

    @Test("a bad zone file names the file and the line", arguments: badFiles)
    func badFile(_ file: String, _ text: String, _ expected: String) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zones-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent(file).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try ZoneFileResolver(paths: [path])
            Issue.record("\(file) was accepted")
        } catch {
            #expect(error.path == path)
            #expect(error.description.hasPrefix(path + expected), "\(error)")
        }
    }

    @Test("missing SOA, missing path, empty directory and duplicate zones are reported")
    func wholeFileErrors() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zones-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(throws: ZoneFileError(path: directory.path, message: "directory holds no *.zone or *.db file")) {
            try ZoneFileResolver(paths: [directory.path])
        }
        let noSOA = directory.appendingPathComponent("nosoa.test.zone").path
        try "$TTL 300\nwww IN A 192.0.2.1\n".write(toFile: noSOA, atomically: true, encoding: .utf8)
        #expect(throws: ZoneFileError.self) { try ZoneFileResolver(paths: [noSOA]) }
        #expect(throws: ZoneFileError(path: "/nonexistent.zone", message: "no such file or directory (expected a zone file or a directory of *.zone / *.db files)")) {
            try ZoneFileResolver(paths: ["/nonexistent.zone"])
        }
        let copy = directory.appendingPathComponent("db.provider.test").path
        try FileManager.default.copyItem(atPath: Fixtures.zones.appendingPathComponent("provider.test.zone").path, toPath: copy)
        #expect(throws: ZoneFileError.self) {
            try ZoneFileResolver(paths: [Fixtures.zones.appendingPathComponent("provider.test.zone").path, copy])
        }
    }

    @Test("without $ORIGIN the file name gives the origin (name.zone, name.db, db.name)")
    func originFromFileName() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zones-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let body = "$TTL 300\n@ IN SOA ns1 host 1 2 3 4 5\n@ IN TXT \"v=spf1 -all\"\n"
        for file in ["one.test.zone", "two.test.db", "db.three.test"] {
            try body.write(toFile: directory.appendingPathComponent(file).path, atomically: true, encoding: .utf8)
        }
        let resolver = try ZoneFileResolver(paths: [directory.appendingPathComponent("one.test.zone").path,
                                                    directory.appendingPathComponent("two.test.db").path,
                                                    directory.appendingPathComponent("db.three.test").path])
        #expect(resolver.zones.map(\.text) == ["one.test", "three.test", "two.test"])
        #expect(await resolver.resolve(name("three.test"), .txt).texts == ["v=spf1 -all"])
        #expect(await resolver.resolve(name("x.two.test"), .txt).answer == .nxdomain(negativeTTL: 5))
    }
}
