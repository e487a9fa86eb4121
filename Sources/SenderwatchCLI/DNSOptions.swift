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
        "Answer from BIND zone files instead of the network: a file or a directory of them; repeatable.",
        valueName: "path"))
    var zones: [String] = []

    @Option(help: ArgumentHelp("Seconds to wait for each DNS answer before retrying.", valueName: "seconds"))
    var timeout: Double = 5

    @Option(help: "Retries after a timeout, per query.")
    var retries: Int = 2

    @Option(help: "Domains (or evaluations) audited at once.")
    var concurrency: Int = 32

    func validate() throws {
        if !zones.isEmpty && !resolvers.isEmpty {
            throw ValidationError("--zone answers from files and --resolver from the network: give one or the other")
        }
        for resolver in resolvers {
            do { _ = try Nameserver(parsing: resolver) } catch {
                throw ValidationError("--resolver \(resolver): \(error)")
            }
        }
        for zone in zones where !FileManager.default.fileExists(atPath: zone) {
            throw ValidationError("--zone \(zone): no such file or directory")
        }
        guard timeout > 0, timeout <= 120 else { throw ValidationError("--timeout must be between 0 and 120 seconds, got \(timeout)") }
        guard (0...10).contains(retries) else { throw ValidationError("--retries must be 0...10, got \(retries)") }
        guard (1...4096).contains(concurrency) else { throw ValidationError("--concurrency must be 1...4096, got \(concurrency)") }
    }

    /// The resolver for this run: zone files, or libldns behind a per-run cache.
    func makeResolver() throws -> ResolverSession {
        if !zones.isEmpty {
            do {
                return ResolverSession(resolver: try ZoneFileResolver(paths: zones), network: nil)
            } catch {
                throw InputError("\(error)")
            }
        }
        var configuration: LDNSConfiguration
        if resolvers.isEmpty {
            do { configuration = try LDNSConfiguration.system() } catch {
                throw InputError("no --resolver given and /etc/resolv.conf is unusable: \(error)")
            }
        } else {
            configuration = LDNSConfiguration(nameservers: try resolvers.map { try Nameserver(parsing: $0) })
        }
        configuration.timeout = timeout
        configuration.retries = retries
        let network = try LDNSResolver(configuration: configuration, workers: min(max(concurrency, 1), 16))
        return ResolverSession(resolver: CachingResolver(upstream: network), network: network)
    }
}

/// The resolver a command uses, and the network resolver behind it (to shut down when done).
struct ResolverSession {
    let resolver: any DNSResolver
    let network: LDNSResolver?

    func shutdown() { network?.shutdown() }
}

/// `--json` and nothing else, shared by every command.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print JSON (a versioned contract: see the schemaVersion field and README) instead of text.")
    var json = false
}

/// Parses a domain argument, exiting 2 with the exact problem when it is not a domain.
func parseDomain(_ text: String, option: String = "domain") throws -> DomainName {
    do { return try DomainName(text) } catch {
        throw ValidationError("\(option) \(error.description)")
    }
}

func parseIP(_ text: String, option: String = "--ip") throws -> IPAddress {
    guard let ip = IPAddress(text) else {
        throw ValidationError("\(option) \"\(text)\" is not an IP address (expected IPv4 such as 192.0.2.1 or IPv6 such as 2001:db8::1)")
    }
    return ip
}
