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
}
#endif
