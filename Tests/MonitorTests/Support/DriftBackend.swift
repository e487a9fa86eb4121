import DNSCore
import Foundation
import LDNSResolver
import TestSupport

/// Where the fixture's DNS comes from in a drift test, and how a changed zone gets published there:
/// a `ZoneResolver` whose zone is swapped, or NSD with its zone files rewritten and reloaded.
final class DriftBackend: @unchecked Sendable {
    let resolver: any DNSResolver
    private let publishChange: ([FixtureRecord], [FixtureRecord], (name: String, text: String)) async throws -> Void
    private let shutdown: () -> Void

    private init(resolver: any DNSResolver,
                 publish: @escaping ([FixtureRecord], [FixtureRecord], (name: String, text: String)) async throws -> Void,
                 shutdown: @escaping () -> Void) {
        self.resolver = resolver; self.publishChange = publish; self.shutdown = shutdown
    }

    static func memory(monitor: [FixtureRecord], providers: [FixtureRecord]) -> DriftBackend {
        let resolver = ZoneResolver(MonitorFixture.memoryZone(monitor: monitor, providers: providers))
        return DriftBackend(resolver: resolver, publish: { monitor, providers, _ in
            resolver.update { $0 = MonitorFixture.memoryZone(monitor: monitor, providers: providers) }
        }, shutdown: {})
    }

    /// Nil when NSD is not installed (outside CI).
    static func nsd(monitor: [FixtureRecord], providers: [FixtureRecord]) throws -> DriftBackend? {
        guard let server = try NSDServer.start(zones: MonitorFixture.nsdZones(monitor: monitor, providers: providers)) else { return nil }
        let resolver = try MonitorFixture.resolver(server.address)
        return DriftBackend(resolver: resolver, publish: { monitor, providers, probe in
            for zone in MonitorFixture.nsdZones(monitor: monitor, providers: providers) {
                try server.write(zone: zone.origin, text: zone.text)
            }
            let name = try DomainName(probe.name)
            try await server.reload {
                guard case .success(let found) = await resolver.txt(name) else { return false }
                return found.texts.contains { String(decoding: $0, as: UTF8.self) == probe.text }
            }
        }, shutdown: { resolver.shutdown(); server.stop() })
    }

    /// Publishes the new zones and waits until `probe` (a name and one TXT text it must hold) is served.
    func publish(monitor: [FixtureRecord], providers: [FixtureRecord], probe: (name: String, text: String)) async throws {
        try await publishChange(monitor, providers, probe)
    }

    func stop() { shutdown() }
}
