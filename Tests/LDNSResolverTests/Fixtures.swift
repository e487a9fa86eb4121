import DNSCore
import Foundation
import LDNSResolver
import TestSupport

/// Where the fixture zones live, and helpers that start a server for one test and stop it afterwards
/// (by pid, also when the body throws). Servers start in about 0.1 s, so each test gets its own.
enum Fixtures {
    static var zones: URL { SharedData.packageRoot.appendingPathComponent("Tests/Fixtures/zones") }
    static var testnsData: URL { zones.appendingPathComponent("testns/failures.testns") }

    /// Runs `body` with NSD serving the fixture zones; skips (returns nil) when NSD is absent outside CI.
    static func withNSD<T>(_ body: (NSDServer) async throws -> T) async throws -> T? {
        guard let server = try NSDServer.start(fixtureDirectory: zones) else { return nil }
        defer { server.stop() }
        return try await body(server)
    }

    static func withTestNS<T>(_ body: (TestNS) async throws -> T) async throws -> T? {
        guard let server = try TestNS.start(dataFile: testnsData, probeName: "ok.failures.test") else { return nil }
        defer { server.stop() }
        return try await body(server)
    }

    static func resolver(_ address: String, timeout: Double = 2, retries: Int = 1, workers: Int = 2) throws -> LDNSResolver {
        var configuration = LDNSConfiguration(nameservers: [try Nameserver(parsing: address)])
        configuration.timeout = timeout
        configuration.retries = retries
        return try LDNSResolver(configuration: configuration, workers: workers)
    }
}

func name(_ text: String) -> DomainName { try! DomainName(text) }

extension DNSResult {
    /// The joined texts of a TXT answer, as strings (octets decoded leniently), sorted.
    var texts: [String] {
        guard case .success(let answer) = self else { return [] }
        return answer.records.compactMap { $0.data.joinedText }.map { String(decoding: $0, as: UTF8.self) }.sorted()
    }

    var failureKind: DNSFailure.Kind? {
        if case .failure(let failure) = self { failure.kind } else { nil }
    }

    var answer: DNSAnswer? {
        if case .success(let answer) = self { answer } else { nil }
    }
}
