#if canImport(Monitor) && canImport(CYaml)
// Monitor is not a declared dependency of AlertingTests (Package.swift is not ours to change). Importing it
// needs Yams' C module too, which SwiftPM only exposes to declared dependents; so these tests compile when
// "Monitor" is added to AlertingTests' dependencies (or the file moves to MonitorTests), and are left out
// otherwise rather than breaking the build.
import Alerting
import Audit
import Foundation
import Monitor
import MonitorConfig
import Testing

/// The `alerts:` list of a settings file: parsing, located problems, and secrets checked at load time.
@Suite struct AlertRoutesLoaderTests {
    func write(_ yaml: String) throws -> String {
        let path = try Sinks.temporaryDirectory().appendingPathComponent("settings.yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static let sample = """
    settings:
      default_interval: 1h
    alerts:
      - name: ops-hook
        type: webhook
        url: https://hooks.example.com/senderwatch
        secret: { env: SW_HOOK_SECRET }
        format: slack
        severities: [error, critical]
        domains: ["*.example.com"]
        events: [opened, resolved]
        reminder_after: 24h
        max_attempts: 5
      - name: postmaster
        type: email
        url: smtp://mail.example.com:587
        username: senderwatch
        password: { file: smtp-password }
        from: senderwatch@example.com
        to: [postmaster@example.com]
    """

    @Test func parsesRoutes() throws {
        let path = try write(Self.sample)
        let routes = try MonitorLoader.load(paths: [path]).routes
        #expect(routes.map(\.name) == ["ops-hook", "postmaster"])
        let hook = routes[0]
        #expect(hook.severities == [.error, .critical] && hook.domains == ["*.example.com"])
        #expect(hook.events == [.opened, .resolved] && hook.reminderAfter == 86400 && hook.maxAttempts == 5)
        guard case .webhook(let target) = hook.target else { Issue.record("not a webhook"); return }
        #expect(target.format == .slack && target.tlsVerify && target.secret == .env("SW_HOOK_SECRET"))
        guard case .email(let mail) = routes[1].target else { Issue.record("not email"); return }
        #expect(mail.smtp?.starttls == true && mail.to == ["postmaster@example.com"])
        #expect(mail.smtp?.password == .file((path as NSString).deletingLastPathComponent + "/smtp-password"))
        #expect(routes[1].severities == AlertRoute.defaultSeverities && routes[1].events == Set(AlertEvent.subscribable))
    }

    @Test func missingSecretIsReportedAtItsLine() throws {
        let path = try write(Self.sample)
        let routes = try MonitorLoader.load(paths: [path]).routes
        let problems = AlertRoutesLoader.secretProblems(routes, environment: [:]).map(\.description)
        #expect(problems == [
            "\(path):7:13: alerts[0].secret: environment variable SW_HOOK_SECRET is not set",
            "\(path):18:15: alerts[1].password: file \((path as NSString).deletingLastPathComponent)/smtp-password cannot be read (missing or not readable)",
        ])
        #expect(AlertRoutesLoader.secretProblems([routes[0]], environment: ["SW_HOOK_SECRET": "x"]).isEmpty)
        #expect(AlertRoutesLoader.secretProblems([routes[0]], environment: ["SW_HOOK_SECRET": ""]).first?.message
                == "environment variable SW_HOOK_SECRET is empty")
    }

    /// Each case: a route snippet and the problem it must produce (never echoing an inline secret).
    @Test(arguments: [
        ("type: webhook\n    url: ftp://x.example/\n", "alerts[0].url: expected an http:// or https:// URL, found \"ftp://x.example/\""),
        ("type: webhook\n    url: https://u:pw@h.example/\n    secret: inline-secret-value\n",
         "alerts[0].secret: secrets are given by reference, { env: NAME } or { file: /path }, never inline"),
        ("type: pager\n", "alerts[0].type: expected type: webhook or type: email, found \"pager\""),
        ("type: email\n    from: a@example.com\n    to: [b@example.com]\n", "alerts[0]: an email route needs exactly one of url: (smtp:// or smtps://) and sendmail: (a path)"),
        ("type: webhook\n    url: https://h.example/\n    events: [opened, sometimes]\n", "alerts[0].events: expected opened, resolved or reminder, found \"sometimes\""),
    ])
    func rejects(snippet: String, expected: String) throws {
        let path = try write("alerts:\n  - name: r\n    \(snippet)")
        do {
            _ = try MonitorLoader.load(paths: [path])
            Issue.record("loaded")
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
            #expect(!error.description.contains("inline-secret-value") && !error.description.contains(":pw@"))
        }
    }
    /// `url` by reference: the route carries the reference only; `apply` reads and checks the value.
    @Test func urlByReference() throws {
        let path = try write("""
        alerts:
          - name: chat
            type: webhook
            url: { env: SW_CHAT_URL }
          - name: mail
            type: email
            url: { file: mail-url }
            username: sw
            password: { env: SW_MAIL_PASSWORD }
            from: a@example.com
            to: [b@example.com]
        """)
        let routes = try MonitorLoader.load(paths: [path]).routes
        guard case .webhook(let hook) = routes[0].target, case .email(let mail) = routes[1].target else {
            Issue.record("targets"); return
        }
        #expect(hook.url == .secret(.env("SW_CHAT_URL")))
        #expect(mail.smtp?.url == .secret(.file((path as NSString).deletingLastPathComponent + "/mail-url")))
        #expect(routes[0].destination == "webhook (url from environment variable SW_CHAT_URL)")
        let token = "T0KEN-\(UUID().uuidString)"
        #expect(AlertRoutesLoader.secretProblems([routes[0]], environment: ["SW_CHAT_URL": "https://h.example/x?token=\(token)"]).isEmpty)
        let missing = AlertRoutesLoader.secretProblems([routes[0]], environment: [:]).map(\.description)
        #expect(missing == ["\(path):4:10: alerts[0].url: environment variable SW_CHAT_URL is not set"])
        let wrong = AlertRoutesLoader.secretProblems([routes[0]], environment: ["SW_CHAT_URL": "ftp://h.example/\(token)"])
        #expect(wrong.map(\.message) == ["environment variable SW_CHAT_URL does not hold an http:// or https:// URL"])
        #expect(!wrong.map(\.description).joined().contains(token))
        // A cleartext smtp:// URL behind the reference is refused when apply reads it.
        try "smtp://mail.example.com:25\n".write(toFile: (path as NSString).deletingLastPathComponent + "/mail-url",
                                                  atomically: true, encoding: .utf8)
        var cleartext = routes[1]
        if case .email(var target) = cleartext.target { target.smtp?.starttls = false; cleartext.target = .email(target) }
        let refused = AlertRoutesLoader.secretProblems([cleartext], environment: ["SW_MAIL_PASSWORD": "pw"])
        #expect(refused.first?.message.contains("SMTP AUTH without TLS") == true, "\(refused)")
    }

    /// AUTH over a connection without TLS is refused at load time unless the route says so.
    @Test func cleartextAuthNeedsExplicitConsent() throws {
        let route = """
        alerts:
          - name: mail
            type: email
            url: smtp://mail.example.com:25
            starttls: false
            username: sw
            password: { env: SW_MAIL_PASSWORD }
            from: a@example.com
            to: [b@example.com]

        """
        let refused = try write(route)
        let error = try #require(throws: MonitorFileError.self) { try MonitorLoader.load(paths: [refused]) }
        #expect(error.description.contains("\(refused):5:15: alerts[0].starttls: SMTP AUTH without TLS would send the password in clear"),
                "\(error.description)")
        let allowed = try write(route + "    allow_cleartext_auth: true\n")
        let routes = try MonitorLoader.load(paths: [allowed]).routes
        guard case .email(let mail) = routes.first?.target else { Issue.record("not email"); return }
        #expect(mail.smtp?.allowCleartextAuth == true && mail.smtp?.starttls == false)
        // Without credentials there is nothing to leak: no consent needed.
        let anonymous = try write(route.replacingOccurrences(of: "    username: sw\n    password: { env: SW_MAIL_PASSWORD }\n", with: ""))
        #expect(try MonitorLoader.load(paths: [anonymous]).routes.count == 1)
    }

    /// Settings give the default timeouts; a route's own win.
    @Test func deliveryTimeouts() throws {
        let path = try write("""
        settings:
          alert_connect_timeout: 2s
          alert_timeout: 7
        alerts:
          - name: a
            type: webhook
            url: https://h.example/
          - name: b
            type: webhook
            url: https://h.example/
            timeout: 20s
            connect_timeout: 1
        """)
        let routes = try MonitorLoader.load(paths: [path]).routes
        #expect(routes.map(\.timeouts) == [DeliveryTimeouts(connect: 2, total: 7), DeliveryTimeouts(connect: 1, total: 20)])
        let defaults = try MonitorLoader.load(paths: [try write("alerts:\n  - name: a\n    type: webhook\n    url: https://h.example/\n")])
        #expect(defaults.routes.first?.timeouts == DeliveryTimeouts(connect: 3, total: 10))
    }
}
#endif
