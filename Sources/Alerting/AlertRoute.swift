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

    /// Every secret the route needs, with the setting that names it (`secret`, `password`).
    public var secrets: [(field: String, ref: SecretRef)] {
        switch target {
        case .webhook(let hook): hook.secret.map { [("secret", $0)] } ?? []
        case .email(let mail): mail.smtp?.password.map { [("password", $0)] } ?? []
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

    /// Where the route sends, safe to print (credentials in a URL are redacted).
    public var destination: String {
        switch target {
        case .webhook(let hook): "webhook " + RedactedURL.string(hook.url)
        case .email(let mail):
            "email to " + mail.to.joined(separator: ", ") + " via " + (mail.sendmail ?? mail.smtp.map { RedactedURL.string($0.url) } ?? "?")
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

    /// http or https only (checked by the loader).
    public var url: String
    /// Key for `X-Senderwatch-Signature`; without one the header is omitted.
    public var secret: SecretRef?
    public var format: Format
    /// False only when the route opts out of certificate verification (`tls_verify: false`).
    public var tlsVerify: Bool
    /// Seconds for the whole request.
    public var timeout: Double
    /// A CA bundle to trust instead of the system's (private CAs, tests).
    public var caFile: String?

    public init(url: String, secret: SecretRef? = nil, format: Format = .json, tlsVerify: Bool = true,
                timeout: Double = 10, caFile: String? = nil) {
        self.url = url; self.secret = secret; self.format = format; self.tlsVerify = tlsVerify
        self.timeout = timeout; self.caFile = caFile
    }
}

/// A mailbox receiving one digest per dispatch run, by SMTP submission or the local sendmail.
public struct EmailTarget: Sendable, Hashable {
    public struct SMTP: Sendable, Hashable {
        /// `smtp://host:port` (with `starttls`) or `smtps://host:port` (implicit TLS).
        public var url: String
        /// Require STARTTLS on an `smtp://` URL (CURLUSESSL_ALL): the message never goes out in clear.
        public var starttls: Bool
        public var username: String?
        public var password: SecretRef?
        public var tlsVerify: Bool
        public var caFile: String?
        public var timeout: Double

        public init(url: String, starttls: Bool = true, username: String? = nil, password: SecretRef? = nil,
                    tlsVerify: Bool = true, caFile: String? = nil, timeout: Double = 30) {
            self.url = url; self.starttls = starttls; self.username = username; self.password = password
            self.tlsVerify = tlsVerify; self.caFile = caFile; self.timeout = timeout
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
