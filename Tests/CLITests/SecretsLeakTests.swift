import Foundation
import GRDB
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Issue 13, part 2: with known secrets in play (a webhook URL with userinfo, ?token= and a fragment, a URL
/// kept in an environment variable, an SMTP password, an HMAC key), the real binary's every output, its
/// daemon's logs, its JSON and every table of its database files hold none of them.
@Suite(.serialized) struct SecretsLeakTests {
    static let python = "/usr/bin/python3"
    static let toolsPresent: Bool = {
        func run(_ program: String, _ arguments: [String]) -> Int32 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            do { try process.run() } catch { return -1 }
            process.waitUntilExit()
            return process.terminationStatus
        }
        return run(python, ["-c", "import aiosmtpd"]) == 0 && run("/usr/bin/env", ["openssl", "version"]) == 0
    }()

    @Test func noSecretReachesAnyOutputOrTable() async throws {
        guard Self.toolsPresent else {
            #expect(ProcessInfo.processInfo.environment["CI"] != "true", "CI=true but python3 with aiosmtpd or openssl is missing")
            return
        }
        let id = UUID().uuidString.prefix(8)
        let secrets = [
            "query": "QUERYTOKEN\(id)", "userinfo": "USERPASS\(id)", "fragment": "FRAGSECRET\(id)",
            "urlpath": "ENVPATH\(id)", "urlquery": "ENVTOKEN\(id)", "hmac": "HMACKEY\(id)", "smtp": "SMTPPASS\(id)",
        ]
        let root = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }

        // Receivers: a webhook sink failing its first two requests, a hung one, an SMTP server with STARTTLS and AUTH.
        let hook = try SinkProcess(script: "http_sink.py", arguments: ["--secret", secrets["hmac"]!, "--fail-first", "2"],
                                   workDirectory: root)
        defer { hook.stop() }
        let hung = try SilentServer()
        defer { hung.stop() }
        let cert = root.appendingPathComponent("cert.pem").path, key = root.appendingPathComponent("key.pem").path
        let openssl = try Process.run(URL(fileURLWithPath: "/usr/bin/env"), arguments: [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1",
            "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert])
        openssl.waitUntilExit()
        let smtp = try SinkProcess(script: "smtp_sink.py", arguments: ["--cert", cert, "--key", key, "--user", "senderwatch",
                                                                       "--password", secrets["smtp"]!], workDirectory: root)
        defer { smtp.stop() }

        let monitors = root.appendingPathComponent("monitors")
        try FileManager.default.createDirectory(at: monitors, withIntermediateDirectories: true)
        for file in ["acme-widgets.yaml", "brightpath.yaml", "portfolio.yaml"] {
            try FileManager.default.copyItem(atPath: CLIRunner.demoMonitors + "/" + file, toPath: monitors.appendingPathComponent(file).path)
        }
        let database = root.appendingPathComponent("sw.sqlite").path
        let settings = monitors.appendingPathComponent("settings.yaml")
        try """
        settings:
          database: \(database)
          zones: [\(CLIRunner.demoZones)]
          alert_timeout: 1s
        alerts:
          - name: hook-literal
            type: webhook
            url: "http://hookuser:\(secrets["userinfo"]!)@127.0.0.1:\(hook.port)/hook?token=\(secrets["query"]!)#\(secrets["fragment"]!)"
            secret: { env: SW_LEAK_HMAC }
            severities: [info, warning, error, critical]
          - name: hook-env
            type: webhook
            url: { env: SW_LEAK_URL }
            secret: { env: SW_LEAK_HMAC }
          - name: mail
            type: email
            url: smtp://127.0.0.1:\(smtp.port)
            starttls: true
            username: senderwatch
            password: { env: SW_LEAK_SMTP }
            ca_file: \(cert)
            from: senderwatch@example.com
            to: [postmaster@example.com]

        """.write(to: settings, atomically: true, encoding: .utf8)
        let environment = [
            "SW_LEAK_HMAC": secrets["hmac"]!, "SW_LEAK_SMTP": secrets["smtp"]!,
            "SW_LEAK_URL": "http://127.0.0.1:\(hung.port)/\(secrets["urlpath"]!)?token=\(secrets["urlquery"]!)",
        ]
        var outputs: [String] = []
        func run(_ arguments: [String]) async throws -> CLIRunner.Output {
            let out = try await CLIRunner.launch(arguments, environment: environment)
            outputs += [out.stdout, out.stderr]
            return out
        }
        let config = ["--config", settings.path]

        #expect(try await run(["apply", monitors.path]).status == 0)
        let poll = try await run(["poll", "--all"] + config)
        #expect(poll.stderr.contains("alert route hook-literal: POST http://***@127.0.0.1:\(hook.port)/hook?***#***: HTTP 500"),
                "\(poll.stderr)")
        #expect(poll.stderr.contains("alert route hook-env: POST (url from environment variable SW_LEAK_URL): Timeout was reached"),
                "\(poll.stderr)")
        _ = try await run(["poll", "--all", "--json"] + config)
        let list = try await run(["alerts", "list"] + config)
        #expect(list.stdout.contains("last error: POST http://***@127.0.0.1"), "\(list.stdout)")
        _ = try await run(["alerts", "list", "--json"] + config)
        for route in ["hook-literal", "hook-env", "mail"] { _ = try await run(["alerts", "test", route] + config) }
        _ = try await run(["domains", "list", "--json"] + config)
        _ = try await run(["findings", "--json"] + config)

        // The daemon on a second database: it polls everything, dispatches, and logs the failures.
        let daemonDatabase = root.appendingPathComponent("daemon.sqlite").path
        #expect(try await run(["apply", monitors.path, "--db", daemonDatabase]).status == 0)
        let daemon = try DaemonProcess(config + ["--db", daemonDatabase, "--outbox-interval", "0.5"], directory: root,
                                       environment: environment)
        defer { daemon.stop() }
        let logged = await daemon.wait(timeout: 60) { lines in
            lines.contains { $0["message"] as? String == "alert route failed" && $0["route"] as? String == "hook-env" }
        }
        #expect(logged, "\(daemon.tail)")
        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit() == 0, "\(daemon.tail)")
        outputs.append((try? String(contentsOf: daemon.log, encoding: .utf8)) ?? "")

        // The secrets were used for real: signatures checked out, the SMTP login succeeded.
        #expect(hook.records().contains { $0["signatureValid"] as? Bool == true && $0["status"] as? Int == 200 })
        #expect(smtp.records().contains { $0["authenticated"] as? Bool == true })
        #expect(hung.acceptedCount >= 1)

        var everything = outputs.joined(separator: "\n")
        for path in [database, daemonDatabase] {
            for file in [path, path + "-wal"] {
                if let bytes = FileManager.default.contents(atPath: file) { everything += String(decoding: bytes, as: UTF8.self) }
            }
            everything += try Self.dumpTables(path)
        }
        #expect(everything.contains("hook-literal") && everything.contains("(url from environment variable SW_LEAK_URL)"))
        for (what, secret) in secrets.sorted(by: { $0.key < $1.key }) {
            #expect(!everything.contains(secret), "the \(what) secret leaked")
        }
    }

    /// Every row of every table as text.
    static func dumpTables(_ path: String) throws -> String {
        var configuration = Configuration()
        configuration.readonly = true
        return try DatabaseQueue(path: path, configuration: configuration).read { db in
            var text = ""
            for table in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'") {
                for row in try Row.fetchAll(db, sql: "SELECT * FROM \(table.quotedDatabaseIdentifier)") {
                    text += table + ": " + row.description + "\n"
                }
            }
            return text
        }
    }
}
