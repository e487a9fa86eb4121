import DNSCore
import Foundation
import SPF
import TestSupport
import Yams

/// The openspf.org YAML suites (rfc7208-tests.yml, rfc4408-tests.yml) as scenarios with a fake zone each.
///
/// Zone data follows the suite's reference harness (pyspf's testspf.py):
/// - an `SPF` entry is also served as TXT unless the name has a `TXT` entry of its own (`TXT: NONE` included);
///   the copies go after every other entry;
/// - `TIMEOUT` makes a query time out unless a record of the asked type came before it in the list;
/// - names that are not valid DNS names (labels over 63 octets) are left out, since no query can reach them;
/// - `\xNN` escapes arrive from Yams as code points and are encoded as UTF-8, as the harness does.
struct SuiteScenario {
    struct Case {
        var name: String
        var host: String
        var mailfrom: String
        var helo: String
        var results: [String]
        var explanation: String?
        var spec: String
    }

    var description: String
    var cases: [Case]
    var resolver: SuiteResolver
}

/// Answers from a `ZoneResolver`, except for names that time out only for some types.
struct SuiteResolver: DNSResolver {
    let zone: ZoneResolver
    /// Names with a TIMEOUT after records of these types: those types answer, every other type times out.
    let partialTimeouts: [DomainName: Set<DNSRecordType>]

    func resolve(_ name: DomainName, _ type: DNSRecordType) async -> DNSResult {
        if let answering = partialTimeouts[name], !answering.contains(type) {
            return .failure(DNSFailure(.timeout, name: name, type: type, detail: "test zone TIMEOUT"))
        }
        return await zone.resolve(name, type)
    }
}

enum SuiteLoader {
    static func load(_ url: URL) throws -> [SuiteScenario] {
        let text = try String(contentsOf: url, encoding: .utf8)
        return try Yams.load_all(yaml: text).compactMap { document in
            guard let doc = mapping(document) else { return nil }
            return scenario(doc)
        }
    }

    static func mapping(_ value: Any?) -> [String: Any]? {
        if let m = value as? [String: Any] { return m }
        guard let m = value as? [AnyHashable: Any] else { return nil }
        return Dictionary(uniqueKeysWithValues: m.map { ("\($0.key.base)", $0.value) })
    }

    static func scalar(_ value: Any?) -> String {
        guard let value else { return "" }
        return "\(value)"
    }

    static func scenario(_ doc: [String: Any]) -> SuiteScenario {
        let tests = mapping(doc["tests"]) ?? [:]
        let cases = tests.keys.sorted().map { name in
            let t = mapping(tests[name]) ?? [:]
            let results: [String] = (t["result"] as? [Any])?.map { scalar($0) } ?? [scalar(t["result"])]
            return SuiteScenario.Case(
                name: name, host: scalar(t["host"]), mailfrom: scalar(t["mailfrom"]), helo: scalar(t["helo"]),
                results: results, explanation: t["explanation"].map { scalar($0) }, spec: scalar(t["spec"]))
        }
        let (zone, partial) = buildZone(mapping(doc["zonedata"]) ?? [:])
        return SuiteScenario(description: scalar(doc["description"]), cases: cases,
                             resolver: SuiteResolver(zone: ZoneResolver(zone), partialTimeouts: partial))
    }

    static func strings(_ value: Any?) -> [[UInt8]] {
        if let list = value as? [Any] { return list.map { Array(scalar($0).utf8) } }
        return [Array(scalar(value).utf8)]
    }

    static func buildZone(_ data: [String: Any]) -> (MemoryZone, [DomainName: Set<DNSRecordType>]) {
        var zone = MemoryZone(emptyNonTerminals: false)
        var partial: [DomainName: Set<DNSRecordType>] = [:]
        for (owner, value) in data {
            guard let name = try? DomainName(owner) else { continue }
            var entries: [(type: String, value: Any?)] = []
            var copies: [(type: String, value: Any?)] = []
            var hasTXT = false
            for entry in value as? [Any] ?? [] {
                if let word = entry as? String { entries.append((word, nil)); continue }
                for (type, v) in mapping(entry) ?? [:] {
                    if type == "TXT" { hasTXT = true }
                    if type == "SPF" { copies.append(("TXT", v)) }
                    if scalar(v) != "NONE" { entries.append((type, v)) }
                }
            }
            if !hasTXT { entries += copies }
            zone.touch(name)
            var answered: Set<DNSRecordType> = []
            for (type, v) in entries {
                if type == "TIMEOUT" {
                    if answered.isEmpty { zone.addTimeout(name) } else { partial[name] = answered }
                    break
                }
                guard let data = recordData(type, v) else { continue }
                answered.insert(data.type)
                zone.add(name, data)
            }
        }
        return (zone, partial)
    }

    static func recordData(_ type: String, _ value: Any?) -> DNSRecordData? {
        switch type {
        case "A": return IPv4Address(scalar(value)).map { .a($0) }
        case "AAAA": return IPv6Address(scalar(value)).map { .aaaa($0) }
        case "TXT": return .txt(strings(value))
        case "SPF": return .spf(strings(value))
        case "PTR": return (try? DomainName(scalar(value))).map { .ptr($0) }
        case "CNAME": return (try? DomainName(scalar(value))).map { .cname($0) }
        case "MX":
            guard let pair = value as? [Any], pair.count == 2, let pref = UInt16(scalar(pair[0])),
                  let exchange = try? DomainName(scalar(pair[1])) else { return nil }
            return .mx(preference: pref, exchange: exchange)
        default: return nil
        }
    }

    /// Runs one case the way the reference harness does: the domain is the mail-from domain, or the HELO
    /// name when mail-from is empty (then the sender is postmaster@helo).
    static func run(_ c: SuiteScenario.Case, resolver: some DNSResolver) async -> SPFEvaluation? {
        guard let ip = IPAddress(c.host) else { return nil }
        let sender = c.mailfrom.isEmpty ? "postmaster@" + c.helo : c.mailfrom
        let domain = sender.lastIndex(of: "@").map { String(sender[sender.index(after: $0)...]) } ?? sender
        var options = SPFOptions()
        options.receivingHost = "receiver.example.org"
        let checker = SPFChecker(resolver: resolver, options: options)
        return await checker.checkHost(ip: ip, domain: domain, sender: sender, helo: c.helo)
    }

    /// The suite's `explanation: DEFAULT` stands for the checker's own text, i.e. no exp= explanation.
    /// DNS names are case-insensitive and the suite spells some nibbles in upper case, so compare that way.
    static func explanationMatches(_ expected: String?, _ actual: String?) -> Bool {
        guard let expected else { return true }
        if expected == "DEFAULT" { return actual == nil }
        return actual?.lowercased() == expected.lowercased()
    }
}
