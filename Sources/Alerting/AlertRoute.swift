import Audit

/// What happened to a finding that a route may want to hear about.
public enum AlertEvent: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case opened
    case resolved
    /// The finding is still open after the route's `reminder_after`, once per period.
    case reminder
    /// Sent by `senderwatch alerts test ROUTE`; never planned from a poll.
    case test

    /// The events a route may subscribe to in its `events:` list.
    public static let subscribable: [AlertEvent] = [.opened, .resolved, .reminder]

    private var rank: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (lhs: AlertEvent, rhs: AlertEvent) -> Bool { lhs.rank < rhs.rank }
}

/// One configured alert destination with what it wants to receive.
///
/// A route carries secrets only by reference (`SecretRef`): the value is read when a message is sent,
/// so it never reaches the database, the outbox payload, or any output.
public struct AlertRoute: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, Codable { case webhook, email }

    public enum Target: Sendable, Hashable {
        case webhook(WebhookTarget)
        case email(EmailTarget)
    }

    public var name: String
    public var target: Target
    /// Severities delivered; the default is warning and up.
    public var severities: Set<Severity>
    /// Domain glob patterns (`*.example.com`, `example.*`); empty means every domain.
    public var domains: [String]
    public var events: Set<AlertEvent>
    /// Seconds a finding stays open before the first reminder, and between reminders; nil for none.
    public var reminderAfter: Int?
    /// Attempts before a row is declared dead.
    public var maxAttempts: Int
    /// `file:line` where the route is defined, for messages.
    public var source: String?
    /// Where each secret reference is written (`secret`, `password`), so a missing secret is reported at
    /// its line (`settings.yaml:12:7: alerts[0].secret: ...`).
    public var secretLocations: [String: SourceLocation] = [:]

    /// A place in a settings file.
    public struct SourceLocation: Sendable, Hashable {
        public var file: String
        public var line: Int?
        public var column: Int?
        /// Where in the document, e.g. `alerts[0].secret`.
        public var path: String
        public init(file: String, line: Int?, column: Int?, path: String) {
            self.file = file; self.line = line; self.column = column; self.path = path
        }
    }

    public static let defaultSeverities: Set<Severity> = [.warning, .error, .critical]
    public static let defaultMaxAttempts = 10

    public init(name: String, target: Target, severities: Set<Severity> = AlertRoute.defaultSeverities,
                domains: [String] = [], events: Set<AlertEvent> = Set(AlertEvent.subscribable),
                reminderAfter: Int? = nil, maxAttempts: Int = AlertRoute.defaultMaxAttempts, source: String? = nil) {
        self.name = name; self.target = target; self.severities = severities; self.domains = domains
        self.events = events; self.reminderAfter = reminderAfter; self.maxAttempts = max(1, maxAttempts)
        self.source = source
    }

    public var kind: Kind {
        switch target {
        case .webhook: .webhook
        case .email: .email
        }
    }

    /// Every secret the route needs, with the setting that names it (`url`, `secret`, `password`).
    public var secrets: [(field: String, ref: SecretRef)] {
        switch target {
        case .webhook(let hook):
            return (hook.url.reference.map { [("url", $0)] } ?? []) + (hook.secret.map { [("secret", $0)] } ?? [])
        case .email(let mail):
            guard let smtp = mail.smtp else { return [] }
            return (smtp.url.reference.map { [("url", $0)] } ?? []) + (smtp.password.map { [("password", $0)] } ?? [])
        }
    }

    /// Problems with the route's secrets as of now (unset variable, unreadable file), without their values.
    public func missingSecrets() -> [(field: String, ref: SecretRef, message: String)] {
        secrets.compactMap { entry in entry.ref.problem().map { (entry.field, entry.ref, $0) } }
    }

    /// Whether the route wants this event for a finding of this severity at this domain.
    public func accepts(_ event: AlertEvent, severity: Severity, domain: String) -> Bool {
        guard event == .test || events.contains(event), severities.contains(severity) else { return false }
        return domains.isEmpty || domains.contains { DomainGlob.matches(pattern: $0, domain: domain) }
    }

    /// Where the route sends, safe to print: a URL's userinfo, query and fragment are redacted, and a URL
    /// given by reference is named by its reference only.
    public var destination: String {
        switch target {
        case .webhook(let hook): "webhook " + hook.url.shown
        case .email(let mail):
            "email to " + mail.to.joined(separator: ", ") + " via " + (mail.sendmail ?? mail.smtp.map(\.url.shown) ?? "?")
        }
    }
}

/// An HTTP(S) receiver of signed JSON.
public struct WebhookTarget: Sendable, Hashable {
    public enum Format: String, Sendable, Hashable, Codable {
        /// The documented senderwatch event JSON.
        case json
        /// A Slack-compatible `{"text": ...}` body (incoming webhooks, Mattermost, Rocket.Chat).
        case slack
    }

    /// http or https only (checked by the loader, or by `apply` for a URL given by reference).
    public var url: URLSetting
    /// Key for `X-Senderwatch-Signature`; without one the header is omitted.
    public var secret: SecretRef?
    public var format: Format
    /// False only when the route opts out of certificate verification (`tls_verify: false`).
    public var tlsVerify: Bool
    /// Seconds for the whole request; nil for the settings' `alert_timeout`.
    public var timeout: Double?
    /// Seconds to connect; nil for the settings' `alert_connect_timeout`.
    public var connectTimeout: Double?
    /// A CA bundle to trust instead of the system's (private CAs, tests).
    public var caFile: String?

    public init(url: URLSetting, secret: SecretRef? = nil, format: Format = .json, tlsVerify: Bool = true,
                timeout: Double? = nil, connectTimeout: Double? = nil, caFile: String? = nil) {
        self.url = url; self.secret = secret; self.format = format; self.tlsVerify = tlsVerify
        self.timeout = timeout; self.connectTimeout = connectTimeout; self.caFile = caFile
    }

    public init(url: String, secret: SecretRef? = nil, format: Format = .json, tlsVerify: Bool = true,
                timeout: Double? = nil, connectTimeout: Double? = nil, caFile: String? = nil) {
        self.init(url: .literal(url), secret: secret, format: format, tlsVerify: tlsVerify, timeout: timeout,
                  connectTimeout: connectTimeout, caFile: caFile)
    }
}

/// A mailbox receiving one digest per dispatch run, by SMTP submission or the local sendmail.
public struct EmailTarget: Sendable, Hashable {
    public struct SMTP: Sendable, Hashable {
        /// `smtp://host:port` (with `starttls`) or `smtps://host:port` (implicit TLS).
        public var url: URLSetting
        /// Require STARTTLS on an `smtp://` URL (CURLUSESSL_ALL): the message never goes out in clear.
        public var starttls: Bool
        public var username: String?
        public var password: SecretRef?
        /// AUTH on a connection without TLS (`smtp://` with `starttls: false`) sends the password readable by
        /// anyone on the path: refused unless the route says `allow_cleartext_auth: true`.
        public var allowCleartextAuth: Bool
        public var tlsVerify: Bool
        public var caFile: String?
        /// Seconds for the whole SMTP dialogue; nil for the settings' `alert_timeout`.
        public var timeout: Double?
        /// Seconds to connect; nil for the settings' `alert_connect_timeout`.
        public var connectTimeout: Double?

        public init(url: URLSetting, starttls: Bool = true, username: String? = nil, password: SecretRef? = nil,
                    allowCleartextAuth: Bool = false, tlsVerify: Bool = true, caFile: String? = nil,
                    timeout: Double? = nil, connectTimeout: Double? = nil) {
            self.url = url; self.starttls = starttls; self.username = username; self.password = password
            self.allowCleartextAuth = allowCleartextAuth; self.tlsVerify = tlsVerify; self.caFile = caFile
            self.timeout = timeout; self.connectTimeout = connectTimeout
        }

        public init(url: String, starttls: Bool = true, username: String? = nil, password: SecretRef? = nil,
                    allowCleartextAuth: Bool = false, tlsVerify: Bool = true, caFile: String? = nil,
                    timeout: Double? = nil, connectTimeout: Double? = nil) {
            self.init(url: .literal(url), starttls: starttls, username: username, password: password,
                      allowCleartextAuth: allowCleartextAuth, tlsVerify: tlsVerify, caFile: caFile,
                      timeout: timeout, connectTimeout: connectTimeout)
        }

        /// Why this route may not authenticate over `url` (the resolved URL), or nil when it may.
        public func cleartextAuthProblem(url: String) -> String? {
            let cleartext = RedactedURL.scheme(of: url) == "smtp" && !starttls
            guard cleartext, username != nil || password != nil, !allowCleartextAuth else { return nil }
            return "SMTP AUTH without TLS would send the password in clear: use starttls: true or an smtps:// URL"
                + " (or set allow_cleartext_auth: true to accept that on a trusted network)"
        }
    }

    public var from: String
    public var to: [String]
    /// Exactly one of `smtp` and `sendmail` is set.
    public var smtp: SMTP?
    /// Path of a sendmail-compatible program, run as `sendmail -t -i`.
    public var sendmail: String?

    public init(from: String, to: [String], smtp: SMTP? = nil, sendmail: String? = nil) {
        self.from = from; self.to = to; self.smtp = smtp; self.sendmail = sendmail
    }
}
