import Alerting
import Audit
import Foundation
import Yams

/// Reads the `alerts:` list of a settings file into `AlertRoute`s, reporting every problem at its
/// file:line:column. Secrets are accepted only by reference (`{ env: NAME }` or `{ file: /path }`); an inline
/// value is refused without being echoed. See Monitors/README.md for the format.
public enum AlertRoutesLoader {
    static let commonKeys = ["name", "type", "severities", "domains", "events", "reminder_after", "max_attempts"]
    static let webhookKeys = commonKeys + ["url", "secret", "format", "tls_verify", "timeout", "connect_timeout", "ca_file"]
    static let emailKeys = commonKeys + ["from", "to", "url", "starttls", "username", "password", "sendmail",
                                         "allow_cleartext_auth", "tls_verify", "timeout", "connect_timeout", "ca_file"]

    /// Problems with the routes' secrets as of now: an unset or empty environment variable, an unreadable
    /// file, and for a URL given by reference a value that is not a URL the route can use. `apply` (and
    /// `alerts test`) call it so a missing secret fails at once, not at 3 a.m. No message holds a value.
    public static func secretProblems(_ routes: [AlertRoute], environment: [String: String] = ProcessInfo.processInfo.environment) -> [MonitorFileProblem] {
        routes.flatMap { route in
            route.secrets.compactMap { entry -> MonitorFileProblem? in
                let message: String?
                switch entry.ref.resolve(environment: environment) {
                case .failure(let error): message = error.message
                case .success(let value):
                    message = entry.field == "url" ? referencedURLProblem(value, route: route, ref: entry.ref) : nil
                }
                guard let message else { return nil }
                let at = route.secretLocations[entry.field]
                return MonitorFileProblem(file: at?.file ?? route.source ?? "settings", line: at?.line, column: at?.column,
                                          path: at?.path ?? "alerts.\(route.name).\(entry.field)", message: message)
            }
        }
    }

    /// What is wrong with the URL a reference holds, described without its value.
    static func referencedURLProblem(_ url: String, route: AlertRoute, ref: SecretRef) -> String? {
        let scheme = RedactedURL.scheme(of: url)
        let host = URLComponents(string: url)?.host ?? ""
        switch route.target {
        case .webhook:
            guard scheme == "http" || scheme == "https", !host.isEmpty else {
                return "\(ref) does not hold an http:// or https:// URL"
            }
        case .email(let mail):
            guard scheme == "smtp" || scheme == "smtps", !host.isEmpty else {
                return "\(ref) does not hold an smtp:// or smtps:// URL"
            }
            if let problem = mail.smtp?.cleartextAuthProblem(url: url) { return "\(ref) holds an smtp:// URL, and \(problem)" }
        }
        return nil
    }

    static func parse(_ node: Node?, _ reader: YAMLReader) -> [AlertRoute] {
        var routes: [AlertRoute] = []
        var names: Set<String> = []
        for (index, item) in reader.list(node, "alerts").enumerated() {
            let path = "alerts[\(index)]"
            guard let route = parseRoute(item, path, reader) else { continue }
            guard names.insert(route.name).inserted else {
                reader.problem(item, reader.join(path, "name"), "route \(route.name) is defined twice")
                continue
            }
            routes.append(route)
        }
        return routes
    }

    static func parseRoute(_ node: Node, _ path: String, _ reader: YAMLReader) -> AlertRoute? {
        let before = reader.problems.count
        let typeText = node.mapping?["type"].flatMap { reader.string($0, reader.join(path, "type")) }
        guard let typeText, let kind = AlertRoute.Kind(rawValue: typeText) else {
            reader.problem(node, reader.join(path, "type"), "expected type: webhook or type: email" + (typeText.map { ", found \"\($0)\"" } ?? ""))
            return nil
        }
        guard let entries = reader.mapping(node, path, allowed: kind == .webhook ? webhookKeys : emailKeys) else { return nil }
        let name = reader.string(entries["name"], reader.join(path, "name")) ?? ""
        if name.isEmpty || !name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) {
            reader.problem(entries["name"] ?? node, reader.join(path, "name"), "a route needs a name of letters, digits, - _ . (found \"\(name)\")")
        }
        var locations: [String: AlertRoute.SourceLocation] = [:]
        func secret(_ key: String) -> SecretRef? {
            guard let node = entries[key] else { return nil }
            if key == "url", node.mapping == nil { return nil }
            let at = reader.join(path, key)
            locations[key] = AlertRoute.SourceLocation(file: reader.file, line: node.mark?.line, column: node.mark?.column, path: at)
            return parseSecret(node, at, reader)
        }
        let target: AlertRoute.Target?
        switch kind {
        case .webhook: target = parseWebhook(entries, path, reader, secret: secret("secret"), urlRef: secret("url"))
        case .email: target = parseEmail(entries, path, reader, password: secret("password"), urlRef: secret("url"))
        }
        var route = AlertRoute(name: name, target: target ?? .webhook(WebhookTarget(url: "")), source: "\(reader.file):\(node.mark?.line ?? 1)")
        route.secretLocations = locations
        if let node = entries["severities"] {
            route.severities = Set(reader.strings(node, reader.join(path, "severities")).compactMap { text -> Severity? in
                guard let severity = Severity(rawValue: text.lowercased()) else {
                    reader.problem(node, reader.join(path, "severities"), "expected info, warning, error or critical, found \"\(text)\"")
                    return nil
                }
                return severity
            })
        }
        route.domains = reader.strings(entries["domains"], reader.join(path, "domains")).map { $0.lowercased() }
        if let node = entries["events"] {
            route.events = Set(reader.strings(node, reader.join(path, "events")).compactMap { text -> AlertEvent? in
                guard let event = AlertEvent(rawValue: text.lowercased()), AlertEvent.subscribable.contains(event) else {
                    reader.problem(node, reader.join(path, "events"), "expected opened, resolved or reminder, found \"\(text)\"")
                    return nil
                }
                return event
            })
        }
        if let node = entries["reminder_after"], let text = reader.string(node, reader.join(path, "reminder_after")) {
            if let seconds = parseDuration(text), seconds >= 60 { route.reminderAfter = seconds } else {
                reader.problem(node, reader.join(path, "reminder_after"), "expected a duration of at least 1m such as 24h, found \"\(text)\"")
            }
        }
        if let node = entries["max_attempts"] {
            route.maxAttempts = reader.int(node, reader.join(path, "max_attempts"), range: 1...1000) ?? AlertRoute.defaultMaxAttempts
        }
        return reader.problems.count == before && target != nil ? route : nil
    }

    /// `{ env: NAME }` or `{ file: /path }`. A plain value would be an inline secret: refused, never echoed.
    static func parseSecret(_ node: Node, _ path: String, _ reader: YAMLReader) -> SecretRef? {
        guard node.mapping != nil else {
            reader.problem(node, path, "secrets are given by reference, { env: NAME } or { file: /path }, never inline")
            return nil
        }
        guard let entries = reader.mapping(node, path, allowed: ["env", "file"]), entries.count == 1 else {
            reader.problem(node, path, "expected exactly one of env: or file:")
            return nil
        }
        if let name = reader.string(entries["env"], reader.join(path, "env")) {
            guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
                reader.problem(entries["env"], reader.join(path, "env"), "expected an environment variable name such as SW_HOOK_SECRET")
                return nil
            }
            return .env(name)
        }
        if let file = reader.string(entries["file"], reader.join(path, "file")) {
            let base = (reader.file as NSString).deletingLastPathComponent
            return .file(file.hasPrefix("/") || base.isEmpty ? file : (base as NSString).appendingPathComponent(file))
        }
        return nil
    }

    static func parseWebhook(_ e: [String: Node], _ path: String, _ reader: YAMLReader, secret: SecretRef?,
                             urlRef: SecretRef?) -> AlertRoute.Target? {
        let url: URLSetting
        if let urlRef {
            url = .secret(urlRef)
        } else {
            guard let urlNode = e["url"], let text = reader.string(urlNode, reader.join(path, "url")) else {
                reader.problem(e["url"], reader.join(path, "url"),
                               "a webhook route needs url: (http or https, or { env: NAME } / { file: PATH })")
                return nil
            }
            guard let parsed = URLComponents(string: text), let scheme = parsed.scheme?.lowercased(),
                  ["http", "https"].contains(scheme), let host = parsed.host, !host.isEmpty else {
                reader.problem(urlNode, reader.join(path, "url"),
                               "expected an http:// or https:// URL, found \"\(RedactedURL.string(text))\"")
                return nil
            }
            url = .literal(text)
        }
        var hook = WebhookTarget(url: url, secret: secret)
        if let node = e["format"], let text = reader.string(node, reader.join(path, "format")) {
            if text == "slack" { hook.format = .slack } else if text == "json" { hook.format = .json } else {
                reader.problem(node, reader.join(path, "format"), "expected json or slack, found \"\(text)\"")
            }
        }
        hook.tlsVerify = bool(e["tls_verify"], reader.join(path, "tls_verify"), reader) ?? true
        hook.timeout = timeout(e["timeout"], reader.join(path, "timeout"), reader)
        hook.connectTimeout = timeout(e["connect_timeout"], reader.join(path, "connect_timeout"), reader)
        hook.caFile = reader.string(e["ca_file"], reader.join(path, "ca_file"))
        return .webhook(hook)
    }

    static func parseEmail(_ e: [String: Node], _ path: String, _ reader: YAMLReader, password: SecretRef?,
                           urlRef: SecretRef?) -> AlertRoute.Target? {
        let from = reader.string(e["from"], reader.join(path, "from"))
        let to = reader.strings(e["to"], reader.join(path, "to"))
        if from?.contains("@") != true { reader.problem(e["from"], reader.join(path, "from"), "an email route needs from: with an address") }
        if to.isEmpty || !to.allSatisfy({ $0.contains("@") }) { reader.problem(e["to"], reader.join(path, "to"), "an email route needs to: with one or more addresses") }
        let url = urlRef == nil ? reader.string(e["url"], reader.join(path, "url")) : nil
        let sendmail = reader.string(e["sendmail"], reader.join(path, "sendmail"))
        guard (url == nil && urlRef == nil) != (sendmail == nil) else {
            reader.problem(e["url"] ?? e["sendmail"], path, "an email route needs exactly one of url: (smtp:// or smtps://) and sendmail: (a path)")
            return nil
        }
        var mail = EmailTarget(from: from ?? "", to: to, sendmail: sendmail)
        if url != nil || urlRef != nil {
            let setting: URLSetting = urlRef.map { .secret($0) } ?? .literal(url ?? "")
            let scheme = url.flatMap(RedactedURL.scheme(of:))
            if let url, scheme != "smtp" && scheme != "smtps" {
                reader.problem(e["url"], reader.join(path, "url"), "expected smtp://host:587 or smtps://host:465, found \"\(RedactedURL.string(url))\"")
                return nil
            }
            // A URL by reference is checked (scheme, cleartext AUTH) when `apply` reads it.
            let starttls = bool(e["starttls"], reader.join(path, "starttls"), reader) ?? (scheme != "smtps")
            var smtp = EmailTarget.SMTP(url: setting, starttls: starttls,
                                        username: reader.string(e["username"], reader.join(path, "username")), password: password)
            smtp.allowCleartextAuth = bool(e["allow_cleartext_auth"], reader.join(path, "allow_cleartext_auth"), reader) ?? false
            smtp.tlsVerify = bool(e["tls_verify"], reader.join(path, "tls_verify"), reader) ?? true
            smtp.caFile = reader.string(e["ca_file"], reader.join(path, "ca_file"))
            smtp.timeout = timeout(e["timeout"], reader.join(path, "timeout"), reader)
            smtp.connectTimeout = timeout(e["connect_timeout"], reader.join(path, "connect_timeout"), reader)
            if password != nil, smtp.username == nil { reader.problem(e["password"], reader.join(path, "username"), "password: needs username:") }
            if let url, let problem = smtp.cleartextAuthProblem(url: url) {
                reader.problem(e["starttls"] ?? e["url"], reader.join(path, e["starttls"] == nil ? "url" : "starttls"), problem)
            }
            mail.smtp = smtp
        } else if let sendmail, !sendmail.hasPrefix("/") {
            reader.problem(e["sendmail"], reader.join(path, "sendmail"), "expected an absolute path such as /usr/sbin/sendmail")
        }
        return .email(mail)
    }

    static func bool(_ node: Node?, _ path: String, _ reader: YAMLReader) -> Bool? {
        guard let text = reader.string(node, path) else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            reader.problem(node, path, "expected true or false, found \"\(text)\"")
            return nil
        }
    }

    static func timeout(_ node: Node?, _ path: String, _ reader: YAMLReader) -> Double? {
        guard let text = reader.string(node, path) else { return nil }
        guard let seconds = Double(text) ?? parseDuration(text).map(Double.init), seconds > 0, seconds <= 300 else {
            reader.problem(node, path, "expected a timeout from 1s to 5m such as 10s, found \"\(text)\"")
            return nil
        }
        return seconds
    }
}
