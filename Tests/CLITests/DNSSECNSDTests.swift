import Foundation
import TestSupport
import Testing

/// DNSSEC through the binary: NSD serves a parent zone `test` and child zones signed here with ldns-keygen and
/// ldns-signzone (secure, expiring in three days, expired, not yet valid, a DS that matches no key) and an
/// unsigned child without DS; the trust anchor is the parent's key. `check --json` gives each answer its
/// status, a first `poll` opens the expiring zone's warning, and a zone that stops being signed is drift.
@Suite(.serialized) struct DNSSECNSDTests {
    static let children = ["secure", "expiring", "expired", "future", "brokends", "plain", "dane", "stripped"]

    static let goodTLSA = "3 1 1 " + String(repeating: "ab", count: 32)

    /// Runs a tool of ldnsutils in `directory`; its standard output.
    @discardableResult
    static func tool(_ name: String, _ arguments: [String], in directory: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/\(name)")
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw SinkError(message: "\(name) \(arguments.joined(separator: " ")) failed") }
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `YYYYMMDDhhmmss` in UTC, `days` from now.
    static func stamp(days: Double) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMddHHmmss"
        return formatter.string(from: Date().addingTimeInterval(days * 86400))
    }

    static func childZone(_ name: String) -> String {
        let d = "\(name).test."
        return """
        $TTL 300
        \(d) IN SOA ns1.test. hostmaster.test. 1 3600 600 86400 300
        \(d) IN NS ns1.test.
        \(d) IN TXT "v=spf1 ip4:192.0.2.1 -all"
        _dmarc.\(d) IN TXT "v=DMARC1; p=reject"
        \(d) IN MX 10 mx.\(d)
        mx.\(d) IN A 192.0.2.25
        \(tlsa(name).map { "_25._tcp.mx.\(d) IN TLSA \($0)" }.joined(separator: "\n"))

        """
    }

    /// The TLSA records of each child's MX host: a good DANE-EE record (also in the unsigned zone, where senders
    /// ignore it), and beside it a PKIX-EE one senders must not use.
    static func tlsa(_ child: String) -> [String] {
        switch child {
        case "secure", "plain": [goodTLSA]
        case "dane": [goodTLSA, "1 0 1 " + String(repeating: "cd", count: 32)]
        default: []
        }
    }

    struct Signed {
        let directory: URL
        let anchor: URL
        let zones: [NSDServer.Zone]
    }

    /// Keys, signatures and the parent's DS records; `unsigned` children are served without signature or DS.
    static func build(in directory: URL, unsigned: Set<String> = ["plain"]) throws -> Signed {
        func key(_ zone: String) throws -> String { try tool("ldns-keygen", ["-a", "ECDSAP256SHA256", "-k", zone], in: directory) }
        func sign(_ zone: String, text: String, keys: [String], expiry: Double = 30, inception: Double = -1) throws -> String {
            let file = directory.appendingPathComponent("\(zone).zone")
            try text.write(to: file, atomically: true, encoding: .utf8)
            try tool("ldns-signzone", ["-e", stamp(days: expiry), "-i", stamp(days: inception), "-o", zone, file.path] + keys, in: directory)
            return try String(contentsOf: directory.appendingPathComponent("\(zone).zone.signed"), encoding: .utf8)
        }
        func ds(_ base: String) throws -> String {
            try String(contentsOf: directory.appendingPathComponent("\(base).ds"), encoding: .utf8)
        }
        var parent = """
        $TTL 300
        test. IN SOA ns1.test. hostmaster.test. 1 3600 600 86400 300
        test. IN NS ns1.test.
        ns1.test. IN A 127.0.0.1

        """
        var zones: [NSDServer.Zone] = []
        for child in children {
            let zone = "\(child).test"
            parent += "\(zone). IN NS ns1.test.\n"
            if unsigned.contains(child) {
                zones.append(NSDServer.Zone(origin: zone, text: childZone(child)))
                continue
            }
            let base = try key(zone)
            let text: String
            switch child {
            case "expiring": text = try sign(zone, text: childZone(child), keys: [base], expiry: 3)
            case "expired": text = try sign(zone, text: childZone(child), keys: [base], expiry: -1, inception: -10)
            case "future": text = try sign(zone, text: childZone(child), keys: [base], expiry: 30, inception: 2)
            case "stripped":
                // Signed, then the DMARC record's signature taken away: a signed zone serving an unsigned answer.
                text = try sign(zone, text: childZone(child), keys: [base]).split(separator: "\n")
                    .filter { !($0.hasPrefix("_dmarc.") && $0.contains("RRSIG") && $0.contains("TXT")) }.joined(separator: "\n") + "\n"
            default: text = try sign(zone, text: childZone(child), keys: [base])
            }
            zones.append(NSDServer.Zone(origin: zone, text: text))
            // The broken DS names a key the zone never published.
            parent += child == "brokends" ? try ds(try key(zone)) : try ds(base)
            parent += "\n"
        }
        let parentKey = try key("test")
        zones.insert(NSDServer.Zone(origin: "test", text: try sign("test", text: parent, keys: [parentKey])), at: 0)
        return Signed(directory: directory, anchor: directory.appendingPathComponent("\(parentKey).key"), zones: zones)
    }

    static let expected: [String: [String]] = [
        "secure": [], "plain": ["dane.insecure warning mx.plain.test"], "expiring": ["dnssec.signature-expiring warning"],
        "dane": ["dane.unusable warning mx.dane.test"], "stripped": ["dnssec.bogus critical _dmarc.stripped.test/TXT"],
        "expired": ["dnssec.bogus critical _dmarc.expired.test/TXT", "dnssec.bogus critical expired.test/MX",
                    "dnssec.bogus critical expired.test/TXT"],
        "future": ["dnssec.bogus critical _dmarc.future.test/TXT", "dnssec.bogus critical future.test/MX",
                   "dnssec.bogus critical future.test/TXT"],
        "brokends": ["dnssec.ds-mismatch critical"],
    ]

    static let statuses: [String: String] = ["secure": "secure", "plain": "insecure", "expiring": "secure", "expired": "bogus",
                                             "future": "bogus", "brokends": "bogus", "dane": "secure",
                                             "stripped": "secure"]

    @Test func everyStatusOverNSD() async throws {
        guard FileManager.default.fileExists(atPath: "/usr/bin/ldns-signzone") else { try Test.cancel("ldnsutils is not installed") }
        let root = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let signed = try Self.build(in: root)
        guard let server = try NSDServer.start(zones: signed.zones) else { try Test.cancel("NSD is not installed") }
        defer { server.stop() }
        let names = Self.children.map { "\($0).test" }
        let check = try CLIRunner.run(["check"] + names + ["--resolver", server.address, "--trust-anchor", signed.anchor.path, "--json"])
        let domains = try check.json()["domains"] as? [[String: Any]] ?? []
        #expect(domains.count == names.count, "\(check.stderr)")
        for entry in domains {
            let name = entry["domain"] as? String ?? ""
            let label = String(name.prefix { $0 != "." })
            let found = (entry["findings"] as? [[String: Any]] ?? []).compactMap { finding -> String? in
                guard let kind = finding["kind"] as? String, kind.hasPrefix("dnssec.") || kind.hasPrefix("dane.") else { return nil }
                return ([kind, finding["severity"] as? String ?? ""] + ((finding["subject"] as? String).map { [$0] } ?? []))
                    .joined(separator: " ")
            }
            #expect(found.sorted() == (Self.expected[label] ?? ["?"]).sorted(), "\(name): \(entry["dnssec"] ?? "")")
            let answers = entry["dnssec"] as? [[String: Any]] ?? []
            let spf = answers.first { $0["answer"] as? String == "\(name)/TXT" }
            #expect(spf?["status"] as? String == Self.statuses[label], "\(name): \(answers)")
            if label == "expired" { #expect((spf?["reason"] as? String)?.hasPrefix("signature-expired") == true, "\(answers)") }
            if label == "future" { #expect((spf?["reason"] as? String)?.hasPrefix("signature-not-yet-valid") == true, "\(answers)") }
            if label == "stripped" {
                let dmarc = answers.first { $0["answer"] as? String == "_dmarc.stripped.test/TXT" }
                #expect((dmarc?["reason"] as? String)?.hasPrefix("missing-signature") == true, "\(answers)")
            }
            if label == "brokends" { #expect((spf?["reason"] as? String)?.hasPrefix("ds-mismatch") == true, "\(answers)") }
            if label == "secure" {
                #expect(spf?["expires"] as? String != nil)
                let tlsa = answers.first { $0["answer"] as? String == "_25._tcp.mx.secure.test/TLSA" }
                #expect(tlsa?["status"] as? String == "secure", "\(answers)")
            }
            #expect(!((entry["parts"] as? [[String: Any]]) ?? []).contains { $0["verdict"] as? String == "unknown" }, "\(name)")
        }
        // Without --trust-anchor (and without dnssec: in settings) nothing is validated.
        let plain = try CLIRunner.run(["check", "secure.test", "--resolver", server.address, "--json"])
        let first = (try plain.json()["domains"] as? [[String: Any]])?.first
        #expect((first?["dnssec"] as? [Any])?.isEmpty == true)
    }

    @Test func aFirstPollOpensTheExpiryWarningAndUnsigningIsDrift() async throws {
        guard FileManager.default.fileExists(atPath: "/usr/bin/ldns-signzone") else { try Test.cancel("ldnsutils is not installed") }
        let root = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let signed = try Self.build(in: root)
        guard let server = try NSDServer.start(zones: signed.zones) else { try Test.cancel("NSD is not installed") }
        defer { server.stop() }
        let database = root.appendingPathComponent("sw.sqlite").path
        let settings = root.appendingPathComponent("settings.yaml").path
        try "settings:\n  dnssec_trust_anchor: \(signed.anchor.path)\n".write(toFile: settings, atomically: true, encoding: .utf8)
        let monitor = root.appendingPathComponent("monitor.yaml").path
        try "domains:\n  - { domain: expiring.test }\n  - { domain: secure.test }\n".write(toFile: monitor, atomically: true, encoding: .utf8)
        func run(_ arguments: [String]) throws -> CLIRunner.Output {
            try CLIRunner.run(arguments + ["--db", database, "--config", settings])
        }
        #expect(try run(["apply", monitor]).status == 0)
        let poll = try run(["poll", "--resolver", server.address, "--json"])
        let polled = try poll.json()["domains"] as? [[String: Any]] ?? []
        let expiring = polled.first { $0["domain"] as? String == "expiring.test" }
        let opened = (expiring?["opened"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }.filter { $0.hasPrefix("dnssec.") }
        #expect(opened == ["dnssec.signature-expiring"], "\(poll.stdout) \(poll.stderr)")
        let statuses = (expiring?["dnssec"] as? [[String: Any]] ?? []).compactMap { $0["status"] as? String }
        #expect(!statuses.isEmpty && statuses.allSatisfy { $0 == "secure" }, "\(expiring ?? [:])")
        #expect(polled.allSatisfy { $0["status"] as? String == "ok" }, "\(polled)")

        // The snapshot carries each answer's status and the MX set, in JSON, CSV and (escaped) HTML.
        let snapshotPath = root.appendingPathComponent("snapshot.json").path
        #expect(try run(["snapshot", "--resolver", server.address, "--out", snapshotPath]).status == 0)
        let document = try CLIRunner.Output(status: 0, stdout: String(contentsOfFile: snapshotPath, encoding: .utf8), stderr: "").json()
        let entry = (document["domains"] as? [[String: Any]] ?? []).first { $0["domain"] as? String == "expiring.test" }
        let answers = entry?["dnssec"] as? [[String: Any]] ?? []
        #expect(answers.first { $0["answer"] as? String == "expiring.test/TXT" }?["status"] as? String == "secure", "\(answers)")
        #expect((entry?["mx"] as? [String: Any])?["records"] as? [String] == ["10 mx.expiring.test"])
        let csv = try run(["snapshot", "--format", "csv", "--from", snapshotPath]).stdout
        #expect(csv.contains("expiring.test/TXT=secure"))
        let html = try run(["snapshot", "--format", "html", "--from", snapshotPath]).stdout
        #expect(html.contains("<h3>DNSSEC</h3>") && html.contains("<h3>MX</h3>"))

        // secure.test is served unsigned and its DS withdrawn: the next poll sees secure go to insecure.
        let unsignedParent = try Self.build(in: root.appendingPathComponent("again", isDirectory: true).creating(),
                                            unsigned: ["plain", "secure"])
        for zone in unsignedParent.zones where zone.origin == "secure.test" || zone.origin == "test" {
            try server.write(zone: zone.origin, text: zone.text)
        }
        // The parent is re-signed with a new key: the anchor file is replaced with it.
        try FileManager.default.removeItem(at: signed.anchor)
        try FileManager.default.copyItem(at: unsignedParent.anchor, to: signed.anchor)
        try await server.reload { (try? Self.dig(server, "secure.test", "DS"))?.isEmpty == true }
        let second = try run(["poll", "--all", "--resolver", server.address, "--json"])
        let secure = (try second.json()["domains"] as? [[String: Any]] ?? []).first { $0["domain"] as? String == "secure.test" }
        let drift = (secure?["opened"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == "record.changed" }
        #expect(drift.count == 1, "\(second.stdout)")
        #expect((drift.first?["subject"] as? String)?.hasPrefix("dnssec@") == true)
        #expect(drift.first?["severity"] as? String == "error")
    }

    /// What validation costs: the queries NSD answers for one `check`, with and without it, for an unsigned
    /// domain (below a signed parent) and a signed one. The chain above the domain (the parent's DNSKEY) is
    /// paid once per run and shared by every domain under it.
    @Test func validationCostPerDomain() async throws {
        guard FileManager.default.fileExists(atPath: "/usr/bin/ldns-signzone") else { try Test.cancel("ldnsutils is not installed") }
        let root = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let signed = try Self.build(in: root)
        guard let server = try NSDServer.start(zones: signed.zones) else { try Test.cancel("NSD is not installed") }
        defer { server.stop() }
        guard server.queryCount != nil else { try Test.cancel("nsd-control is not available to count queries") }
        var times: [String] = []
        func queries(_ arguments: [String]) throws -> Int {
            let before = server.queryCount ?? 0
            let started = ContinuousClock.now
            _ = try CLIRunner.run(["check"] + arguments + ["--resolver", server.address, "--json"])
            times.append("\(arguments.joined(separator: " ")): \(ContinuousClock.now - started)")
            return (server.queryCount ?? 0) - before
        }
        let anchor = ["--trust-anchor", signed.anchor.path]
        let plain = try queries(["plain.test"]), plainValidated = try queries(["plain.test"] + anchor)
        let secure = try queries(["secure.test"]), secureValidated = try queries(["secure.test"] + anchor)
        let both = try queries(["plain.test", "secure.test"] + anchor) - plain - secure
        print("dnssec cost: unsigned \(plain) -> \(plainValidated) queries, signed \(secure) -> \(secureValidated), "
              + "both in one run: +\(both); wall time per check (process start included): \(times.joined(separator: "; "))")
        // Unsigned: its TXT with signatures requested, the DS denial at the delegation, the parent's DNSKEY, and
        // the MX host's TLSA set (read only with validation on; its status costs nothing below the insecure cut).
        #expect(plainValidated - plain <= 4, "unsigned: \(plain) -> \(plainValidated)")
        // Signed: SPF, DMARC and MX with signatures, the zone's DNSKEY and DS, the parent's DNSKEY, and DANE: the
        // TLSA set, then it and the MX host's address with signatures.
        #expect(secureValidated - secure <= 9, "signed: \(secure) -> \(secureValidated)")
        #expect(both < (plainValidated - plain) + (secureValidated - secure), "the parent's key is read once per run")
    }

    @Test func aBadTrustAnchorFileSaysWhatIsWrong() throws {
        let root = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let missing = try CLIRunner.run(["check", "example.test", "--trust-anchor", root.appendingPathComponent("none.ds").path])
        #expect(missing.status == 64 || missing.status == 2, "\(missing.status)")
        #expect(missing.stderr.contains("cannot read trust anchor file"), "\(missing.stderr)")
        let garbage = root.appendingPathComponent("garbage.ds")
        try "; the root\n. IN TXT \"not a key\"\n".write(to: garbage, atomically: true, encoding: .utf8)
        let wrong = try CLIRunner.run(["check", "example.test", "--trust-anchor", garbage.path])
        #expect(wrong.stderr.contains("line 2: expected a DS or DNSKEY record"), "\(wrong.stderr)")
        let empty = root.appendingPathComponent("empty.ds")
        try "; nothing\n".write(to: empty, atomically: true, encoding: .utf8)
        let none = try CLIRunner.run(["check", "example.test", "--trust-anchor", empty.path])
        #expect(none.stderr.contains("no DS or DNSKEY record"), "\(none.stderr)")
    }

    static func dig(_ server: NSDServer, _ name: String, _ type: String) throws -> String {
        let parts = server.address.split(separator: ":")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/dig")
        process.arguments = ["@\(parts[0])", "-p", String(parts[1]), "+short", type, name]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        process.waitUntilExit()
        return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

extension URL {
    /// Creates the directory (and its parents); the URL itself.
    fileprivate func creating() throws -> URL {
        try FileManager.default.createDirectory(at: self, withIntermediateDirectories: true)
        return self
    }
}
