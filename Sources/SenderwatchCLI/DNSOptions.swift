import ArgumentParser
import DNSCore
import Foundation
import LDNSResolver

/// DNS options shared by every command that queries DNS.
struct DNSOptions: ParsableArguments {
    @Option(name: .customLong("resolver"), help: ArgumentHelp(
        "Nameserver to query, as IP or IP:PORT ([IPv6]:PORT); repeat for several. Default: /etc/resolv.conf.",
        valueName: "ip[:port]"))
    var resolvers: [String] = []

    @Option(name: .customLong("zone"), help: ArgumentHelp(
        "Answer from BIND zone files: a file or a directory of them; repeatable. The files are authoritative for "
            + "their zones; other names go to --resolver when one is given, else they are unknown (outside the zone files).",
        valueName: "path"))
    var zones: [String] = []

    // Numbers parse unconditionally so that `--timeout -1` reaches validate() and gets a real message.
    @Option(parsing: .unconditional,
            help: ArgumentHelp("Seconds to wait for each DNS answer before retrying (default 5).", valueName: "seconds"))
    var timeout: Double?

    @Option(parsing: .unconditional, help: "Retries after a timeout, per query (default 2).")
    var retries: Int?

    @Option(parsing: .unconditional, help: "Domains (or evaluations) audited at once (default 32).")
    var concurrency: Int?

    @Flag(inversion: .prefixedNo, help: ArgumentHelp(
        "Validate the SPF, DMARC, MX, MTA-STS and DKIM answers with DNSSEC from the trust anchor (default: the "
            + "settings file's dnssec:, else off). Costs about 2 queries per unsigned domain and 5 per signed one; "
            + "zone files are never validated."))
    var dnssec: Bool?

    @Option(name: .customLong("trust-anchor"), help: ArgumentHelp(
        "DNSSEC trust anchors: a file of DS or DNSKEY records (default: the root zone's keys); implies --dnssec.",
        valueName: "file"))
    var trustAnchor: String?

    func validate() throws {
        for resolver in resolvers {
            do { _ = try Nameserver(parsing: resolver) } catch {
                throw ValidationError("--resolver \(resolver): \(error)")
            }
        }
        for zone in zones where !FileManager.default.fileExists(atPath: zone) {
            throw ValidationError("--zone \(zone): no such file or directory")
        }
        if let timeout, !(timeout > 0 && timeout <= 120) { throw ValidationError("--timeout must be between 0 and 120 seconds, got \(timeout)") }
        if let retries, !(0...10).contains(retries) { throw ValidationError("--retries must be 0...10, got \(retries)") }
        if let concurrency, !(1...4096).contains(concurrency) { throw ValidationError("--concurrency must be 1...4096, got \(concurrency)") }
        if let trustAnchor {
            do { _ = try DNSSECTrustAnchors(file: trustAnchor) } catch { throw ValidationError("--trust-anchor: \(error)") }
        }
    }

    /// Command-line values win over the settings file's, which win over the defaults.
    func effective(_ settings: DNSSettings = .init()) -> DNSSettings {
        let fromCommandLine = !resolvers.isEmpty || !zones.isEmpty
        return DNSSettings(resolvers: fromCommandLine ? resolvers : settings.resolvers,
                           zones: fromCommandLine ? zones : settings.zones,
                           timeout: timeout ?? settings.timeout ?? 5, retries: retries ?? settings.retries ?? 2,
                           concurrency: concurrency ?? settings.concurrency ?? 32,
                           dnssec: trustAnchor != nil ? true : dnssec ?? settings.dnssec ?? false,
                           trustAnchor: trustAnchor ?? settings.trustAnchor)
    }

    var effectiveConcurrency: Int { concurrency ?? 32 }

    /// The resolver for this run: zone files, libldns behind a per-run cache that keeps answers at most
    /// `cacheMaxTTL` seconds (the daemon keeps them shorter than its shortest interval), or both: the zone
    /// files for their zones and the network for every other name.
    func makeResolver(settings: DNSSettings = .init(), cacheMaxTTL: Double = 3600) throws -> ResolverSession {
        let values = effective(settings)
        let zones = values.zones, resolvers = values.resolvers
        if !zones.isEmpty {
            // Zone files carry no signatures: nothing is validated, and the DNSSEC parts are absent.
            var unvalidated = values
            unvalidated.dnssec = false
            let network = resolvers.isEmpty ? nil : try networkSession(unvalidated, cacheMaxTTL: cacheMaxTTL)
            do {
                return ResolverSession(resolver: try ZoneFileResolver(paths: zones, fallback: network?.resolver),
                                       network: network?.network, validator: nil)
            } catch {
                network?.shutdown()
                throw InputError("\(error)")
            }
        }
        return try networkSession(values, cacheMaxTTL: cacheMaxTTL)
    }

    private func networkSession(_ values: DNSSettings, cacheMaxTTL: Double) throws -> ResolverSession {
        let resolvers = values.resolvers
        var configuration: LDNSConfiguration
        if resolvers.isEmpty {
            do { configuration = try LDNSConfiguration.system() } catch {
                throw InputError("no --resolver given and /etc/resolv.conf is unusable: \(error)")
            }
        } else {
            configuration = LDNSConfiguration(nameservers: try resolvers.map { try Nameserver(parsing: $0) })
        }
        configuration.timeout = values.timeout ?? 5
        configuration.retries = values.retries ?? 2
        // Threads start as queries need them; a wait on a silent server must not hold up the other domains.
        let network = try LDNSResolver(configuration: configuration, workers: min(max(values.concurrency ?? 32, 1), 128))
        var validator: LDNSDNSSECValidator?
        if values.dnssec == true {
            do {
                let anchors = try values.trustAnchor.map { try DNSSECTrustAnchors(file: $0) } ?? .root
                validator = try LDNSDNSSECValidator(configuration: configuration, anchors: anchors,
                                                    threads: min(max(values.concurrency ?? 32, 1), 8))
            } catch {
                network.shutdown()
                throw InputError("\(error)")
            }
        }
        return ResolverSession(resolver: CachingResolver(upstream: network, maxTTL: cacheMaxTTL), network: network, validator: validator)
    }
}

/// DNS settings from the settings file.
struct DNSSettings {
    var resolvers: [String] = []
    var zones: [String] = []
    var timeout: Double?
    var retries: Int?
    var concurrency: Int?
    /// `dnssec:` and `dnssec_trust_anchor:`.
    var dnssec: Bool? = nil
    var trustAnchor: String? = nil
}

/// The resolver a command uses, and the network resolver behind it (to shut down when done).
struct ResolverSession {
    let resolver: any DNSResolver
    let network: LDNSResolver?
    /// The DNSSEC validator, when validation is on and answers come from the network.
    let validator: LDNSDNSSECValidator?

    func shutdown() {
        validator?.shutdown()
        network?.shutdown()
    }
}

/// `--json` and nothing else, shared by every command.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print JSON (a versioned contract: see the schemaVersion field and README) instead of text.")
    var json = false
}

/// Parses a domain argument, exiting 2 with the exact problem when it is not a domain.
func parseDomain(_ text: String, option: String = "domain") throws -> DomainName {
    do { return try DomainName(mailDomain: text) } catch {
        throw ValidationError("\(option) \(error.description)")
    }
}

func parseIP(_ text: String, option: String = "--ip") throws -> IPAddress {
    guard let ip = IPAddress(text) else {
        throw ValidationError("\(option) \"\(text)\" is not an IP address (expected IPv4 such as 192.0.2.1 or IPv6 such as 2001:db8::1)")
    }
    return ip
}
