import DNSCore
import Foundation
import TestSupport

/// Loads `conformance/dmarc-records/dmarc-record-vectors.json` from ../shared (see DESIGN, "Data in
/// ../shared"): extracted from the test suites of domainaware/checkdmarc (Apache-2.0) and
/// postalsys/mailauth (MIT); each vector names its source file, commit and test.
enum DMARCVectorFile {
    static let path = "conformance/dmarc-records/dmarc-record-vectors.json"

    /// One group of vectors as JSON objects, or nil (with a printed note) when the data is absent outside CI.
    static func group(_ name: String) throws -> [[String: Any]]? {
        guard let url = try SharedData.url(path) else { return nil }
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
        guard let root = object as? [String: Any], let group = root[name] as? [[String: Any]] else {
            throw VectorError("\(path) has no \(name) array")
        }
        return group
    }

    /// Builds a zone from a vector's `zone`: owner -> {TXT: [[string]], A: [ip], MX: [[pref, host]]} or
    /// "TIMEOUT". A name absent from the zone is NXDOMAIN; `TXT: []` makes the name exist without data.
    static func resolver(_ zoneObject: Any?) throws -> ZoneResolver {
        var zone = MemoryZone()
        for (owner, value) in zoneObject as? [String: Any] ?? [:] {
            let name = try DomainName(owner)
            if value as? String == "TIMEOUT" {
                zone.addTimeout(name)
                continue
            }
            zone.touch(name)
            let types = value as? [String: Any] ?? [:]
            for record in types["TXT"] as? [[String]] ?? [] {
                zone.add(name, .txt(record.map { Array($0.utf8) }))
            }
            for address in types["A"] as? [String] ?? [] {
                guard let ip = IPv4Address(address) else { throw VectorError("bad A \(address)") }
                zone.add(name, .a(ip))
            }
            for mx in types["MX"] as? [[Any]] ?? [] {
                guard let pref = mx.first as? Int, let host = mx.last as? String else { throw VectorError("bad MX \(mx)") }
                zone.add(name, .mx(preference: UInt16(pref), exchange: try DomainName(host)))
            }
        }
        return ZoneResolver(zone)
    }

    /// The domain of `user@domain`.
    static func domain(ofAddress address: String) throws -> DomainName {
        guard let at = address.lastIndex(of: "@") else { throw VectorError("no @ in \(address)") }
        return try DomainName(String(address[address.index(after: at)...]))
    }

    /// A JSON scalar as the text a DMARC tag would hold (mailauth's vectors give pct and ri as numbers).
    static func text(_ value: Any) -> String {
        if let string = value as? String { return string }
        if let number = value as? NSNumber { return number.stringValue }
        return "\(value)"
    }
}

struct VectorError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Counts outcomes and prints the one summary line each vector suite ends with.
struct VectorTally {
    var passed = 0, failed = 0, skipped = 0
    var failures: [String] = []

    mutating func record(_ id: String, _ problems: [String]) {
        if problems.isEmpty { passed += 1 } else {
            failed += 1
            failures.append("\(id): " + problems.joined(separator: "; "))
        }
    }

    func summary(_ prefix: String) -> String { "\(prefix): \(passed) passed, \(failed) failed, \(skipped) skipped" }
}
