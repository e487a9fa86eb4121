import DNSCore
import Foundation
import Synchronization
import Yams

/// The openspf.org YAML suites (rfc7208-tests.yml, rfc4408-tests.yml), read once for every test that runs
/// them: in memory (SPFTests) and over NSD (LDNSResolverTests).
///
/// Zone data follows the suite's reference harness (pyspf's testspf.py):
/// - an `SPF` entry is also served as TXT unless the name has a `TXT` entry of its own (`TXT: NONE` included);
///   the copies go after every other entry;
/// - `TIMEOUT` makes a query time out unless a record of the asked type came before it in the list;
/// - names that are not valid DNS names (labels over 63 octets, spaces) are left out, since no query reaches them;
/// - `\xNN` escapes arrive from Yams as code points and are encoded as UTF-8, as the harness does.
public enum SPFTestSuite {
    public struct Case: Sendable {
        public var name: String
        public var host: String
        public var mailfrom: String
        public var helo: String
        /// The results the suite accepts.
        public var results: [String]
        public var explanation: String?
        public var spec: String

        /// As the reference harness: the mail-from, or postmaster@HELO when it is empty.
        public var sender: String { mailfrom.isEmpty ? "postmaster@" + helo : mailfrom }
        /// The domain check_host starts from: the sender's domain.
        public var domain: String {
            let s = sender
            return s.lastIndex(of: "@").map { String(s[s.index(after: $0)...]) } ?? s
        }
    }

    /// One owner name of a scenario's zone data, with what it serves in order.
    public struct Owner: Sendable {
        public var name: DomainName
        public var records: [DNSRecordData]
        /// A TIMEOUT entry follows the records: other types time out (every type when there are no records).
        public var timesOut: Bool
    }

    public struct Scenario: Sendable {
        public var description: String
        public var cases: [Case]
        /// Owners in name order.
        public var owners: [Owner]

        /// The zone as the reference harness serves it (a name absent from the data is NXDOMAIN).
        public var memoryZone: MemoryZone {
            var zone = MemoryZone(emptyNonTerminals: false)
            for owner in owners {
                zone.touch(owner.name)
                if owner.timesOut && owner.records.isEmpty { zone.addTimeout(owner.name) }
                for record in owner.records { zone.add(owner.name, record) }
            }
            return zone
        }

        /// Names with a TIMEOUT after records of these types: those types answer, every other type times out.
        public var partialTimeouts: [DomainName: Set<DNSRecordType>] {
            var partial: [DomainName: Set<DNSRecordType>] = [:]
            for owner in owners where owner.timesOut && !owner.records.isEmpty {
                partial[owner.name] = Set(owner.records.map(\.type))
            }
            return partial
        }

        /// A resolver over `memoryZone` that honours partial timeouts.
        public var resolver: Resolver { Resolver(zone: ZoneResolver(memoryZone), partialTimeouts: partialTimeouts) }
    }

    /// The suite's in-memory resolver; it remembers the first TIMEOUT it served.
    public final class Resolver: DNSResolver {
        public let zone: ZoneResolver
        let partialTimeouts: [DomainName: Set<DNSRecordType>]
        private let timeout = Mutex<String?>(nil)

        init(zone: ZoneResolver, partialTimeouts: [DomainName: Set<DNSRecordType>]) {
            self.zone = zone
            self.partialTimeouts = partialTimeouts
        }

        /// The first query that timed out, as "name TYPE times out".
        public var firstTimeout: String? { timeout.withLock { $0 } }

        public func resolve(_ name: DomainName, _ type: DNSRecordType) async -> DNSResult {
            let result: DNSResult
            if let answering = partialTimeouts[name], !answering.contains(type) {
                result = .failure(DNSFailure(.timeout, name: name, type: type, detail: "test zone TIMEOUT"))
            } else {
                result = await zone.resolve(name, type)
            }
            if case .failure(let f) = result, f.kind == .timeout {
                timeout.withLock { if $0 == nil { $0 = "\(name) \(type) times out" } }
            }
            return result
        }
    }

    public static func load(_ url: URL) throws -> [Scenario] {
        let text = try String(contentsOf: url, encoding: .utf8)
        return try Yams.load_all(yaml: text).compactMap { document in
            mapping(document).map(scenario)
        }
    }

    /// The suite's `explanation: DEFAULT` stands for the checker's own text, i.e. no exp= explanation.
    /// DNS names are case-insensitive and the suite spells some nibbles in upper case, so compare that way.
    public static func explanationMatches(_ expected: String?, _ actual: String?) -> Bool {
        guard let expected else { return true }
        if expected == "DEFAULT" { return actual == nil }
        return actual?.lowercased() == expected.lowercased()
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

    static func scenario(_ doc: [String: Any]) -> Scenario {
        let tests = mapping(doc["tests"]) ?? [:]
        let cases = tests.keys.sorted().map { name in
            let t = mapping(tests[name]) ?? [:]
            let results: [String] = (t["result"] as? [Any])?.map { scalar($0) } ?? [scalar(t["result"])]
            return Case(name: name, host: scalar(t["host"]), mailfrom: scalar(t["mailfrom"]), helo: scalar(t["helo"]),
                        results: results, explanation: t["explanation"].map { scalar($0) }, spec: scalar(t["spec"]))
        }
        let data = mapping(doc["zonedata"]) ?? [:]
        let owners = data.keys.sorted().compactMap { key in owner(key, data[key]) }
        return Scenario(description: scalar(doc["description"]), cases: cases, owners: owners)
    }

    static func owner(_ key: String, _ value: Any?) -> Owner? {
        guard let name = try? DomainName(key) else { return nil }
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
        var owner = Owner(name: name, records: [], timesOut: false)
        for (type, v) in entries {
            if type == "TIMEOUT" { owner.timesOut = true; break }
            if let data = recordData(type, v) { owner.records.append(data) }
        }
        return owner
    }

    static func strings(_ value: Any?) -> [[UInt8]] {
        if let list = value as? [Any] { return list.map { Array(scalar($0).utf8) } }
        return [Array(scalar(value).utf8)]
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
}
