import Audit
import Foundation
import Inventory
import Testing
import TestSupport
@testable import Alerting

/// Digest delivery to a real SMTP server on loopback (aiosmtpd, Sinks/smtp_sink.py) with STARTTLS required,
/// AUTH only after TLS, and certificate verification on (the test CA is the server's self-signed cert).
@Suite(.enabled(if: Sinks.smtpAvailable, Sinks.skipNote), .serialized)
struct EmailDeliveryTests {
    let password = "smtp-pass-\(UUID().uuidString.prefix(8))"
    let t0 = Fixtures.t0

    struct Server {
        let sink: SinkProcess
        let cert: String
    }

    func startServer() throws -> Server {
        let dir = try Sinks.temporaryDirectory()
        let cert = dir.appendingPathComponent("cert.pem").path, key = dir.appendingPathComponent("key.pem").path
        let status = Sinks.run("/usr/bin/env", ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
                                                "-days", "1", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                                                "-keyout", key, "-out", cert])
        guard status == 0 else { throw SinkError(message: "openssl req failed with \(status)") }
        let sink = try SinkProcess(script: "smtp_sink.py", arguments: ["--cert", cert, "--key", key, "--user", "senderwatch", "--password", password],
                                   workDirectory: dir)
        return Server(sink: sink, cert: cert)
    }

    func route(_ server: Server, verify: Bool = true, caFile: Bool = true) -> AlertRoute {
        let smtp = EmailTarget.SMTP(url: "smtp://127.0.0.1:\(server.sink.port)", starttls: true, username: "senderwatch",
                                    password: .env("SW_TEST_SMTP_PASSWORD"), tlsVerify: verify,
                                    caFile: caFile ? server.cert : nil, timeout: 10)
        return AlertRoute(name: "postmaster", target: .email(EmailTarget(from: "senderwatch <sw@example.com>",
                                                                          to: ["pm@example.com", "ops@example.com"], smtp: smtp)))
    }

    func dispatcher(_ store: InventoryStore, _ route: AlertRoute, password: String? = nil) -> OutboxDispatcher {
        OutboxDispatcher(store: store, routes: [route], random: { 0.5 }, clock: { Fixtures.t0 },
                         environment: ["SW_TEST_SMTP_PASSWORD": password ?? self.password])
    }

    @Test func oneDigestWithEveryEvent() async throws {
        let server = try startServer()
        defer { server.sink.stop() }
        let store = try Fixtures.store()
        let route = route(server)
        let rows = AlertPlanner(routes: [route]).events(
            domain: "example.com", opened: [Fixtures.finding(), Fixtures.finding(.spfNoAll, .warning)],
            resolved: [Fixtures.row(Fixtures.finding(.dmarcMissing, .critical), id: 1, firstSeen: t0 - 3600)], stillOpen: [], now: t0)
        for var row in rows { row.findingId = nil; try store.enqueue(row) }   // no finding rows in this store
        let report = await dispatcher(store, route).dispatch(now: t0)
        #expect(report.delivered == 3 && report.isClean, "\(report.errors)")
        let mails = server.sink.records()
        try #require(mails.count == 1)
        let mail = mails[0]
        #expect(mail["tls"] as? Bool == true && mail["authenticated"] as? Bool == true)
        #expect(mail["mailFrom"] as? String == "sw@example.com")
        #expect(mail["rcptTos"] as? [String] == ["pm@example.com", "ops@example.com"])
        let data = try #require(mail["data"] as? String)
        #expect(data.contains("Subject: [senderwatch] 2 opened, 1 resolved: example.com spf.sender-unauthorized, example.com spf.no-all and 1 more"))
        for header in ["Date: ", "Message-ID: <senderwatch.", "From: senderwatch <sw@example.com>", "To: pm@example.com, ops@example.com",
                       "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8"] {
            #expect(data.contains(header), "missing \(header)")
        }
        for row in rows { #expect(data.contains(row.eventId)) }
        #expect(data.contains("Fix: Fix spf.no-all.") && data.contains("Resolved (1):"))
        #expect(!data.contains(password))
        #expect(try store.outbox(state: OutboxRow.stateDelivered).count == 3)
        #expect(await dispatcher(store, route).dispatch(now: t0 + 86400).delivered == 0)
        #expect(server.sink.records().count == 1)
    }

    @Test func wrongPasswordFailsWithoutEchoingIt() async throws {
        let server = try startServer()
        defer { server.sink.stop() }
        let store = try Fixtures.store()
        let route = route(server)
        try Fixtures.enqueueOpened([Fixtures.finding()], routes: [route], store: store)
        let wrong = "wrong-\(password)"
        let report = await dispatcher(store, route, password: wrong).dispatch(now: t0)
        #expect(report.failed == 1)
        let message = try #require(report.errors["postmaster"]?.first)
        #expect(message.contains("SMTP smtp://127.0.0.1:\(server.sink.port)") && !message.contains(wrong))
        #expect(server.sink.records().isEmpty)
    }

    /// Verification is on by default: the self-signed server fails against the system CAs, and works once
    /// the route trusts its cert or opts out with tls_verify: false.
    @Test func certificatesAreVerifiedUnlessTheRouteOptsOut() async throws {
        let server = try startServer()
        defer { server.sink.stop() }
        let strict = OutboxDispatcher(store: try Fixtures.store(), routes: [], environment: ["SW_TEST_SMTP_PASSWORD": password])
        let untrusted = await strict.sendTest(route: route(server, caFile: false), now: t0)
        #expect(untrusted?.lowercased().contains("certificate") == true, "\(untrusted ?? "sent")")
        #expect(await strict.sendTest(route: route(server, verify: false, caFile: false), now: t0) == nil)
        #expect(await strict.sendTest(route: route(server), now: t0) == nil)
        #expect(server.sink.records().count == 2)
    }

    @Test func sendmailInterface() async throws {
        let dir = try Sinks.temporaryDirectory()
        let out = dir.appendingPathComponent("message.txt").path
        let program = dir.appendingPathComponent("sendmail").path
        try "#!/bin/sh\necho \"$@\" > \(out).args\ncat > \(out)\n".write(toFile: program, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: program)
        let route = AlertRoute(name: "local", target: .email(EmailTarget(from: "sw@example.com", to: ["pm@example.com"], sendmail: program)))
        let store = try Fixtures.store()
        try Fixtures.enqueueOpened([Fixtures.finding()], routes: [route], store: store)
        #expect(await OutboxDispatcher(store: store, routes: [route]).dispatch(now: t0).delivered == 1)
        #expect(try String(contentsOfFile: out + ".args", encoding: .utf8) == "-t -i\n")
        let message = try String(contentsOfFile: out, encoding: .utf8)
        #expect(message.contains("To: pm@example.com\n") && message.contains("Subject: [senderwatch] 1 opened: example.com spf.sender-unauthorized\n"))
    }
}
