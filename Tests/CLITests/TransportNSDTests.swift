import Foundation
import TestSupport
import Testing

/// MTA-STS, TLS-RPT and BIMI through the binary: NSD serves the records (every mta-sts host at 127.0.0.1) and
/// an HTTPS server on loopback, with a CA made here, serves good, missing, redirecting, broken, slow and
/// expiring-certificate policies. Every transport finding kind opens on the first poll; a policy edited
/// without a new id opens mta-sts.id-unchanged on the next one.
@Suite(.serialized) struct TransportNSDTests {
    static let names = ["good", "uncovered", "nopolicy", "redirect", "badpolicy", "badrecord", "expiring", "shortage",
                        "expected", "badtls", "slow", "logo", "absent", "nologo"]

    static let monitor = """
    domains:
      - domain: good.sts.test
        expect: { mta_sts: enforce, tls_rpt: true, bimi: true }
      - { domain: uncovered.sts.test }
      - { domain: nopolicy.sts.test }
      - { domain: redirect.sts.test }
      - { domain: badpolicy.sts.test }
      - { domain: badrecord.sts.test }
      - { domain: expiring.sts.test }
      - domain: shortage.sts.test
        expect: { mta_sts: enforce }
      - domain: expected.sts.test
        expect: { mta_sts: enforce, tls_rpt: true, bimi: true }
      - { domain: badtls.sts.test }
      - { domain: slow.sts.test }
      - { domain: logo.sts.test }
      - domain: absent.sts.test
        expect: { mta_sts: testing }
      - { domain: nologo.sts.test }
    """

    static func zone(goodID: String) -> String {
        var lines = ["$TTL 300", "sts.test. IN SOA ns1.sts.test. hostmaster.sts.test. 1 3600 600 86400 300",
                     "sts.test. IN NS ns1.sts.test.", "ns1.sts.test. IN A 127.0.0.1"]
        for name in names {
            let d = "\(name).sts.test."
            lines.append("\(d) IN TXT \"v=spf1 -all\"")
            lines.append("_dmarc.\(d) IN TXT \"v=DMARC1; p=\(name == "expected" ? "none" : "reject"); rua=mailto:d@\(name).sts.test\"")
            lines.append("mta-sts.\(d) IN A 127.0.0.1")
            lines.append("\(d) IN A 127.0.0.1")
            lines.append("\(d) IN MX 10 mx1.\(d)")
            lines.append("mx1.\(d) IN A 192.0.2.25")
            switch name {
            case "expected", "logo", "absent", "nologo": break
            case "badrecord": lines.append("_mta-sts.\(d) IN TXT \"v=STSv1; id=not valid!\"")
            case "good": lines.append("_mta-sts.\(d) IN TXT \"v=STSv1; id=\(goodID)\"")
            default: lines.append("_mta-sts.\(d) IN TXT \"v=STSv1; id=20261201\"")
            }
            switch name {
            case "badtls":
                lines.append("_smtp._tls.\(d) IN TXT \"v=TLSRPTv1; rua=mailto:<script>alert(1)</script>@x.example\"")
                lines.append("default._bimi.\(d) IN TXT \"v=BIMI1; l=http://\(name).sts.test/logo.png\"")
            case "shortage", "expected": break
            default:
                lines.append("_smtp._tls.\(d) IN TXT \"v=TLSRPTv1; rua=mailto:tls@\(name).sts.test\"")
            }
            if name == "good" {
                lines.append("default._bimi.\(d) IN TXT \"v=BIMI1; l=https://good.sts.test/logo.svg; a=https://good.sts.test/vmc.pem\"")
            }
            if name == "nologo" {
                lines.append("default._bimi.\(d) IN TXT \"v=BIMI1; l=https://nologo.sts.test/gone.svg; a=https://nologo.sts.test/vmc.pem\"")
            }
            if name == "logo" {
                lines.append("default._bimi.\(d) IN TXT \"v=BIMI1; l=https://logo.sts.test/bad.svg; a=https://logo.sts.test/other.pem\"")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func policy(mode: String = "enforce", maxAge: Int = 604800, mx: [String]) -> String {
        (["version: STSv1", "mode: \(mode)", "max_age: \(maxAge)"] + mx.map { "mx: \($0)" }).joined(separator: "\r\n") + "\r\n"
    }

    static let parent = NSDServer.Zone(origin: "test", text: "$TTL 3600\ntest. IN SOA ns1.test. h.test. 1 3600 600 86400 300\ntest. IN NS ns1.test.\nns1.test. IN A 127.0.0.1\n")

    /// A CA, a certificate for every mta-sts host, and one for mta-sts.expiring.sts.test that ends in two days.
    static func certificates(in directory: URL) throws -> URL {
        func openssl(_ arguments: [String]) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            process.arguments = arguments
            process.currentDirectoryURL = directory
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw SinkError(message: "openssl \(arguments.joined(separator: " ")) failed") }
        }
        try openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "30",
                     "-subj", "/CN=senderwatch test CA"])
        let hosts = names.flatMap { ["DNS:mta-sts.\($0).sts.test", "DNS:\($0).sts.test"] }.joined(separator: ",")
        for (file, days, san) in [("default", 365, hosts), ("expiring", 2, "DNS:mta-sts.expiring.sts.test"),
                                  ("mark-good", 300, "DNS:good.sts.test"), ("mark-other", 300, "DNS:brand.other.example"),
                                  ("mark-soon", 5, "DNS:nologo.sts.test")] {
            try openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(file).key", "-out", "\(file).csr",
                         "-subj", "/CN=mta-sts test"])
            try "subjectAltName=\(san)\n".write(to: directory.appendingPathComponent("\(file).ext"), atomically: true, encoding: .utf8)
            try openssl(["x509", "-req", "-in", "\(file).csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                         "-out", "\(file).crt", "-days", String(days), "-extfile", "\(file).ext"])
        }
        return directory.appendingPathComponent("ca.crt")
    }

    @Test func everyTransportKindOverNSDAndHTTPS() async throws {
        guard FileManager.default.fileExists(atPath: "/usr/bin/openssl") else { try Test.cancel("openssl is not installed") }
        guard let server = try NSDServer.start(zones: [Self.parent, NSDServer.Zone(origin: "sts.test", text: Self.zone(goodID: "20261201"))]) else {
            try Test.cancel("NSD is not installed")
        }
        defer { server.stop() }
        let root = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let certs = root.appendingPathComponent("certs"), web = root.appendingPathComponent("web")
        try FileManager.default.createDirectory(at: certs, withIntermediateDirectories: true)
        let ca = try Self.certificates(in: certs)
        func serve(_ name: String, _ text: String) throws {
            let folder = web.appendingPathComponent("mta-sts.\(name).sts.test/.well-known")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try text.write(to: folder.appendingPathComponent("mta-sts.txt"), atomically: true, encoding: .utf8)
        }
        for name in ["good", "slow", "expiring", "expected"] { try serve(name, Self.policy(mx: ["mx1.\(name).sts.test"])) }
        try serve("uncovered", Self.policy(mx: ["*.elsewhere.sts.test"]))
        try serve("badpolicy", "version: STSv1\r\nmode: enforce\r\nmx: mx1.badpolicy.sts.test\r\n")
        try serve("shortage", Self.policy(mode: "testing", maxAge: 3600, mx: ["mx1.shortage.sts.test"]))
        try serve("badtls", Self.policy(mx: ["mx1.badtls.sts.test"]))
        // BIMI: a logo in the profile and a mark certificate naming the domain; a logo with a script and a
        // certificate for another name.
        func file(_ host: String, _ name: String, _ text: String) throws {
            let folder = web.appendingPathComponent(host)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        try file("good.sts.test", "logo.svg", """
            <svg xmlns="http://www.w3.org/2000/svg" version="1.2" baseProfile="tiny-ps" viewBox="0 0 10 10"><title>Good</title><rect width="10" height="10"/></svg>
            """)
        try file("logo.sts.test", "bad.svg", """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><script>alert(1)</script><image href="https://x.example/a.png"/></svg>
            """)
        try file("good.sts.test", "vmc.pem", String(contentsOf: certs.appendingPathComponent("mark-good.crt"), encoding: .utf8))
        try file("logo.sts.test", "other.pem", String(contentsOf: certs.appendingPathComponent("mark-other.crt"), encoding: .utf8))
        try file("nologo.sts.test", "vmc.pem", String(contentsOf: certs.appendingPathComponent("mark-soon.crt"), encoding: .utf8))
        let https = try SinkProcess(script: "policy_server.py", arguments: ["--root", web.path, "--certs", certs.path], workDirectory: root)
        defer { https.stop() }

        let database = root.appendingPathComponent("sw.sqlite").path
        let settings = root.appendingPathComponent("settings.yaml").path
        try """
            settings:
              policy_ca_file: \(ca.path)
              policy_port: \(https.port)
              policy_timeout: 3
            """.write(toFile: settings, atomically: true, encoding: .utf8)
        let monitor = root.appendingPathComponent("monitor.yaml").path
        try Self.monitor.write(toFile: monitor, atomically: true, encoding: .utf8)
        func run(_ arguments: [String]) throws -> CLIRunner.Output {
            try CLIRunner.run(arguments + ["--db", database, "--config", settings])
        }
        #expect(try run(["apply", monitor]).status == 0)
        let poll = try run(["poll", "--resolver", server.address, "--json"])
        #expect(poll.status == 1, "\(poll.stderr)")
        var open = try Self.open(run)
        func kinds(_ name: String) -> Set<String> { Set((open["\(name).sts.test"] ?? []).map(\.kind)) }
        #expect(kinds("good").isEmpty, "\((open["good.sts.test"] ?? []).map(\.message))")
        #expect(kinds("uncovered") == ["mta-sts.mx-not-covered"])
        #expect(open["uncovered.sts.test"]?.first?.severity == "critical")
        #expect(open["uncovered.sts.test"]?.first?.subject == "mx1.uncovered.sts.test")
        #expect(kinds("nopolicy") == ["mta-sts.record-without-policy"])
        #expect(kinds("redirect") == ["mta-sts.record-without-policy"])
        #expect(open["redirect.sts.test"]?.first?.message.contains("HTTP 301") == true, "\(open["redirect.sts.test"] ?? [])")
        #expect(kinds("badpolicy") == ["mta-sts.syntax"])
        #expect(open["badpolicy.sts.test"]?.first?.message.contains("no max_age") == true)
        #expect(kinds("badrecord") == ["mta-sts.syntax"])
        #expect(open["badrecord.sts.test"]?.first?.subject == "record")
        #expect(kinds("expiring") == ["mta-sts.certificate-expiring"])
        #expect(open["expiring.sts.test"]?.first?.severity == "error")
        #expect(kinds("shortage") == ["mta-sts.max-age", "mta-sts.weaker-than-expected", "tlsrpt.missing"])
        #expect(kinds("expected") == ["mta-sts.policy-without-record", "tlsrpt.missing", "bimi.missing", "bimi.dmarc-not-enforced",
                                      "dmarc.monitoring-only"])
        #expect(kinds("badtls") == ["tlsrpt.syntax", "bimi.syntax"])
        #expect(kinds("slow").isEmpty, "a policy that does not answer in time is unknown, not missing")
        #expect(kinds("logo") == ["bimi.logo-invalid", "bimi.certificate-invalid"], "\((open["logo.sts.test"] ?? []).map(\.message))")
        let logoMessage = open["logo.sts.test"]?.first { $0.kind == "bimi.logo-invalid" }?.message ?? ""
        #expect(logoMessage.contains("tiny-ps") && logoMessage.contains("<script>") && logoMessage.contains("external reference"))
        #expect(open["logo.sts.test"]?.first { $0.kind == "bimi.certificate-invalid" }?.message.contains("brand.other.example") == true)
        #expect(kinds("absent") == ["mta-sts.missing"], "\((open["absent.sts.test"] ?? []).map(\.message))")
        #expect(kinds("nologo") == ["bimi.logo-unavailable", "bimi.certificate-expiring"], "\((open["nologo.sts.test"] ?? []).map(\.message))")
        #expect(open["nologo.sts.test"]?.first { $0.kind == "bimi.logo-unavailable" }?.message.contains("HTTP 404") == true)
        let slow = (try poll.json()["domains"] as? [[String: Any]] ?? []).first { $0["domain"] as? String == "slow.sts.test" }
        #expect(slow?["status"] as? String == "partial")
        #expect(((slow?["unknownParts"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String } == ["mta-sts.policy"])

        // The snapshot carries each domain's transport records; text from DNS is escaped in the HTML.
        let snapshotPath = root.appendingPathComponent("snapshot.json").path
        #expect(try run(["snapshot", "--resolver", server.address, "--out", snapshotPath]).status == 0)
        let document = try CLIRunner.Output(status: 0, stdout: String(contentsOfFile: snapshotPath, encoding: .utf8), stderr: "").json()
        let snapshots = Dictionary(uniqueKeysWithValues: (document["domains"] as? [[String: Any]] ?? []).map {
            ($0["domain"] as? String ?? "", $0["transport"] as? [String: Any] ?? [:])
        })
        #expect(snapshots["uncovered.sts.test"]?["policyMode"] as? String == "enforce")
        #expect(snapshots["uncovered.sts.test"]?["policyMX"] as? [String] == ["*.elsewhere.sts.test"])
        #expect((snapshots["expiring.sts.test"]?["certificateDaysLeft"] as? Int).map { $0 <= 2 } == true)
        #expect(snapshots["redirect.sts.test"]?["policyStatus"] as? String == "refused")
        #expect(snapshots["slow.sts.test"]?["policyStatus"] as? String == "unknown")
        let html = try run(["snapshot", "--format", "html", "--from", snapshotPath]).stdout
        #expect(html.contains("<h3>MTA-STS, TLS-RPT and BIMI</h3>"))
        #expect(!html.contains("<script>alert(1)</script>") && html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))

        // The policy of good.sts.test gains an mx line; its id stays: senders keep the cached policy.
        try serve("good", Self.policy(mx: ["mx1.good.sts.test", "mx2.good.sts.test"]))
        let second = try run(["poll", "--all", "--resolver", server.address, "--json"])
        let good = (try second.json()["domains"] as? [[String: Any]] ?? []).first { $0["domain"] as? String == "good.sts.test" }
        let opened = Set((good?["opened"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String })
        #expect(opened == ["mta-sts.id-unchanged", "record.changed"], "\(opened)")
        open = try Self.open(run)
        #expect(kinds("good") == ["mta-sts.id-unchanged", "record.changed"])
        // A third poll with nothing changed keeps it open; a new id resolves it.
        _ = try run(["poll", "--all", "--resolver", server.address])
        open = try Self.open(run)
        #expect(kinds("good").contains("mta-sts.id-unchanged"))
        try server.write(zone: "sts.test", text: Self.zone(goodID: "20261202"))
        try await server.reload { (try? Self.txt(server, "_mta-sts.good.sts.test"))?.contains("20261202") == true }
        let fourth = try run(["poll", "--all", "--resolver", server.address, "--json"])
        let resolved = (try fourth.json()["domains"] as? [[String: Any]] ?? []).first { $0["domain"] as? String == "good.sts.test" }?["resolved"]
        #expect(((resolved as? [[String: Any]]) ?? []).compactMap { $0["kind"] as? String }.contains("mta-sts.id-unchanged"))
    }

    struct Open { let kind: String; let severity: String; let subject: String?; let message: String }

    static func open(_ run: ([String]) throws -> CLIRunner.Output) throws -> [String: [Open]] {
        let items = try run(["findings", "--open", "--json"]).json()["items"] as? [[String: Any]] ?? []
        var found: [String: [Open]] = [:]
        for item in items {
            guard let kind = item["kind"] as? String, let domain = item["domain"] as? String else { continue }
            if kind.hasPrefix("spf.") { continue }
            found[domain, default: []].append(Open(kind: kind, severity: item["severity"] as? String ?? "",
                                                   subject: item["subject"] as? String, message: item["message"] as? String ?? ""))
        }
        return found
    }

    /// The TXT text at `name`, asked of the server with dig.
    static func txt(_ server: NSDServer, _ name: String) throws -> String {
        let parts = server.address.split(separator: ":")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/dig")
        process.arguments = ["@\(parts[0])", "-p", String(parts[1]), "+short", "TXT", name]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        process.waitUntilExit()
        return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }
}
