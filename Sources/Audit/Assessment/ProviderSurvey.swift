import DNSCore
import SPF

/// Reads included providers' SPF through DNS into what the generator needs: their lookup cost and the
/// networks they authorize now.
public enum ProviderSurvey {
    /// One provider; `failure` is set when DNS failed for now, so nothing may be concluded from it.
    public struct Reading: Sendable {
        public var provider: ProviderSPF?
        public var failure: DNSFailure?
        public var problem: String?

        public var temporary: Bool { failure != nil }
    }

    public static func read(_ names: [String], resolver: any DNSResolver) async -> [String: Reading] {
        var readings: [String: Reading] = [:]
        for name in Set(names.map { $0.lowercased() }).sorted() {
            readings[name] = await read(name, resolver: resolver)
        }
        return readings
    }

    public static func read(_ name: String, resolver: any DNSResolver) async -> Reading {
        guard let domain = try? DomainName(name) else {
            return Reading(provider: nil, failure: nil, problem: "\(name) is not a domain name")
        }
        let analysis = await SPFAnalyzer(resolver: resolver).analyze(domain: domain)
        if let part = analysis.unknownParts.first {
            return Reading(provider: nil, failure: part.cause, problem: "\(part.label) is unknown: \(part.cause)")
        }
        if analysis.record == nil || analysis.result == SPFResult.none || analysis.result == .permerror {
            let why = analysis.errors.first?.message ?? "\(name) publishes no usable SPF record"
            return Reading(provider: nil, failure: nil, problem: why)
        }
        var blocker: String?
        if !analysis.unenumerable.isEmpty {
            blocker = "its record depends on the message (\(analysis.unenumerable.joined(separator: ", ")))"
        } else if let error = analysis.errors.first {
            blocker = error.message
        }
        let networks = analysis.authorizedNetworks.map(\.network)
        // `include:name` costs the include itself plus everything below it.
        let provider = ProviderSPF(name: name, lookups: 1 + analysis.dnsLookups, networks: networks, unflattenable: blocker)
        return Reading(provider: provider, failure: nil, problem: nil)
    }

    /// The readings that succeeded, as the generator takes them.
    public static func providers(_ readings: [String: Reading]) -> [String: ProviderSPF] {
        readings.compactMapValues(\.provider)
    }
}
