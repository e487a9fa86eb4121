import Alerting
import Audit
import AuthReports
import DKIM
import DMARC
import DNSCore
import Foundation
import Mailbox
import TransportPolicy
import Yams

/// Everything the monitor files say: the domains to watch and the settings.
public struct MonitorConfiguration: Sendable {
    public var domains: [MonitoredDomain]
    public var settings: MonitorSettings
    public var files: [String]
    /// Alert routes from the settings file's `alerts:` list (see AlertRoutesLoader).
    public var routes: [AlertRoute] = []
}

/// Operational settings, from a file whose top level has a `settings:` key.
public struct MonitorSettings: Sendable, Hashable {
    public var database: String?
    public var resolvers: [String] = []
    public var zones: [String] = []
    public var timeout: Double?
    public var retries: Int?
    public var concurrency: Int?
    /// Consecutive polls ending in temperror before `dns.unreachable` opens.
    public var unreachableAfter: Int = 3
    public var defaultInterval: Int = 3600
    /// Findings from ingested reports: `observed_min_messages`, `observed_window`, `stale_after`.
    public var observed = ObservedThresholds()
    /// `apply --prune`: `prune_max_percent`, `removed_retention` (see OperationalSettings).
    public var pruning = PruneGuard()
    /// Alert delivery: `alert_connect_timeout`, `alert_timeout`, for routes that set none of their own.
    public var alertTimeouts = DeliveryTimeouts()
    /// Bounds on every report read (`ingest_limits`) and the receivers `headers` believes (`trusted_receivers`).
    public var ingestLimits = ReportLimits()
    public var trustedReceivers: [String] = []
    /// `failure_report_headers: true` keeps a failure report's original header section (personal data).
    public var keepFailureReportHeaders = false
    /// The reader of every report input, under these settings.
    public var reportReader: ReportReader {
        var reader = ReportReader(limits: ingestLimits)
        reader.keepFailureHeaders = keepFailureReportHeaders
        return reader
    }
    /// How MTA-STS policies are fetched: `policy_timeout`, `policy_ca_file`, `policy_port` (tests only).
    public var policyFetch = CurlPolicyFetcher.Settings()
    /// `certificate_warning_days`: days before a policy host's certificate expires when polls warn.
    public var certificateWarningDays = 14
    /// `tlsrpt_min_sessions`, `tlsrpt_min_percent`, `tlsrpt_error_percent`: when SMTP TLS reports open
    /// `tlsrpt.failures`.
    public var tlsReports = TLSReportThresholds()
    /// `dnssec: true` validates the deciding answers; `dnssec_trust_anchor:` a file of DS or DNSKEY records
    /// (default: the root keys); `dnssec_warning_days` / `dnssec_error_days`: when an expiring signature warns,
    /// then errs.
    public var dnssec: Bool?
    public var dnssecTrustAnchor: String?
    public var dnssecWarningDays = 7
    public var dnssecErrorDays = 2
    /// IMAP mailboxes to read reports from (`mailboxes`, see MailboxSettings).
    public var mailboxes: [MailboxSource] = []
    /// Names observed sources: the built-in catalogue plus the `provider_catalogue` file's providers.
    public var providerCatalogue = ProviderCatalogue.builtIn
    public var source: String?
    public init() {}
}

/// Loads and validates monitor files (YAML). See Monitors/README.md for the format.
public enum MonitorLoader {
    static let domainKeys = ["domain", "interval", "expect", "senders", "dkim_selectors"]
    static let expectKeys = ["spf_all", "dmarc_policy", "max_lookups", "mta_sts", "tls_rpt", "bimi"]
    static let senderKeys = ["name", "owner", "note", "dkim"] + ApprovedSender.Kind.allCases.map(\.rawValue)
    static let settingsKeys = ["database", "resolvers", "zones", "timeout", "retries", "concurrency", "unreachable_after", "default_interval"]
        + observedSettingsKeys + operationalSettingsKeys + ingestSettingsKeys + mailboxSettingsKeys
        + ["policy_timeout", "policy_ca_file", "policy_port", "certificate_warning_days", "provider_catalogue"]
        + ["dnssec", "dnssec_trust_anchor", "dnssec_warning_days", "dnssec_error_days"]

    /// Loads files and directories (every `*.yaml` / `*.yml` below a directory, in name order).
    public static func load(paths: [String]) throws(MonitorFileError) -> MonitorConfiguration {
        var problems: [MonitorFileProblem] = []
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                problems.append(MonitorFileProblem(file: path, path: "", message: "no such file or directory"))
                continue
            }
            files += isDirectory.boolValue ? yamlFiles(under: path) : [path]
        }
        var domains: [MonitoredDomain] = []
        var settings: MonitorSettings?
        var routes: [AlertRoute] = []
        var seen: [DomainName: String] = [:]
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                problems.append(MonitorFileProblem(file: file, path: "", message: "cannot read the file"))
                continue
            }
            let reader = YAMLReader(file: file)
            let loaded = parse(String(decoding: data, as: UTF8.self), reader)
            problems += reader.problems
            for domain in loaded.domains {
                if let earlier = seen[domain.name] {
                    problems.append(MonitorFileProblem(file: file, line: nil, column: nil, path: "domain",
                                                       message: "\(domain.name) is defined twice: here (\(domain.source ?? file)) and at \(earlier)"))
                    continue
                }
                seen[domain.name] = domain.source ?? file
                domains.append(domain)
            }
            if let found = loaded.settings {
                if let settings { problems.append(MonitorFileProblem(file: file, path: "settings", message: "settings are already defined in \(settings.source ?? "another file")")) }
                settings = found
            }
            for route in loaded.routes {
                if let earlier = routes.first(where: { $0.name == route.name }) {
                    problems.append(MonitorFileProblem(file: file, path: "alerts", message: "route \(route.name) is already defined at \(earlier.source ?? "another file")"))
                    continue
                }
                routes.append(route)
            }
        }
        guard problems.isEmpty else { throw MonitorFileError(problems: problems) }
        var result = settings ?? MonitorSettings()
        for index in domains.indices where domains[index].interval <= 0 { domains[index].interval = result.defaultInterval }
        if settings == nil { result.source = nil }
        routes = routes.map { $0.withDefaultTimeouts(result.alertTimeouts) }
        return MonitorConfiguration(domains: domains.sorted { $0.name < $1.name }, settings: result, files: files, routes: routes)
    }

    static func yamlFiles(under directory: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return [] }
        var found: [String] = []
        while let relative = enumerator.nextObject() as? String {
            if relative.hasSuffix(".yaml") || relative.hasSuffix(".yml") {
                found.append((directory as NSString).appendingPathComponent(relative))
            }
        }
        return found.sorted()
    }

    /// Parses one file's text: a domain mapping, a list of them, `domains: [...]`, or `settings: {...}`;
    /// several `---` documents may be combined.
    static func parse(_ text: String, _ reader: YAMLReader) -> (domains: [MonitoredDomain], settings: MonitorSettings?, routes: [AlertRoute]) {
        var domains: [MonitoredDomain] = []
        var settings: MonitorSettings?
        var routes: [AlertRoute] = []
        guard let documents = YAMLDocuments.compose(text, reader) else { return ([], nil, []) }
        for document in documents {
            switch document {
            case .sequence(let items):
                for (index, item) in items.enumerated() {
                    if let domain = parseDomain(item, "[\(index)]", reader) { domains.append(domain) }
                }
            case .mapping(let mapping):
                let keys = Set(mapping.keys.compactMap(\.string))
                if keys.contains("settings") || keys.contains("domains") || keys.contains("alerts") {
                    guard let top = reader.mapping(document, "", allowed: ["settings", "domains", "alerts"]) else { continue }
                    if let node = top["settings"] { settings = parseSettings(node, reader) }
                    routes += AlertRoutesLoader.parse(top["alerts"], reader)
                    for (index, item) in reader.list(top["domains"], "domains").enumerated() {
                        if let domain = parseDomain(item, "domains[\(index)]", reader) { domains.append(domain) }
                    }
                } else if let domain = parseDomain(document, "", reader) {
                    domains.append(domain)
                }
            default:
                reader.problem(document, "", "expected a domain definition (domain: example.com ...), a list of them, or settings:")
            }
        }
        return (domains, settings, routes)
    }

    static func parseDomain(_ node: Node, _ path: String, _ reader: YAMLReader) -> MonitoredDomain? {
        guard let entries = reader.mapping(node, path, allowed: domainKeys) else { return nil }
        let before = reader.problems.count
        guard let nameNode = entries["domain"], let nameText = reader.string(nameNode, reader.join(path, "domain")) else {
            reader.problem(node, path, "missing \"domain:\" (the domain name to watch)")
            return nil
        }
        var name: DomainName?
        do { name = try DomainName(mailDomain: nameText) } catch {
            reader.problem(nameNode, reader.join(path, "domain"), error.description)
        }
        var interval = 0
        if let node = entries["interval"], let text = reader.string(node, reader.join(path, "interval")) {
            // Seconds are allowed (down to 1s) for tests and demos against a local server; real monitors use minutes.
            if let seconds = parseDuration(text), seconds >= 1, seconds <= 7 * 86400 { interval = seconds } else {
                reader.problem(node, reader.join(path, "interval"), "expected a duration from 1s to 7d such as 30s, 15m, 1h or 1d, found \"\(text)\"")
            }
        }
        let expectations = entries["expect"].map { parseExpectations($0, reader.join(path, "expect"), reader) } ?? Expectations()
        var senders: [ApprovedSender] = []
        var keys: Set<String> = []
        for (index, item) in reader.list(entries["senders"], reader.join(path, "senders")).enumerated() {
            let itemPath = reader.join(path, "senders") + "[\(index)]"
            guard let sender = parseSender(item, itemPath, reader) else { continue }
            if !keys.insert(sender.key).inserted {
                reader.problem(item, itemPath, "\(sender.kind.rawValue) \(sender.value) is listed twice")
                continue
            }
            senders.append(sender)
        }
        let selectors = parseSelectors(entries["dkim_selectors"], reader.join(path, "dkim_selectors"), reader)
        guard let name, reader.problems.count == before else { return nil }
        let source = "\(reader.file):\(node.mark?.line ?? 1)"
        return MonitoredDomain(name: name, interval: interval, expectations: expectations, senders: senders,
                               dkimSelectors: selectors, source: source)
    }

    /// A selector or a list of them (`dkim: s1` or `dkim: [s1, s2]`), each checked and lower-cased.
    static func parseSelectors(_ node: Node?, _ path: String, _ reader: YAMLReader) -> [String] {
        guard let node else { return [] }
        let items: [(Node, String)]
        if case .scalar = node {
            items = [(node, path)]
        } else {
            items = reader.list(node, path).enumerated().map { ($1, path + "[\($0)]") }
        }
        var selectors: [String] = []
        for (item, itemPath) in items {
            guard let text = reader.string(item, itemPath) else { continue }
            switch DKIMSelector.validated(text) {
            case .success(let selector):
                if selectors.contains(selector) {
                    reader.problem(item, itemPath, "selector \(selector) is listed twice")
                } else {
                    selectors.append(selector)
                }
            case .failure(let error):
                reader.problem(item, itemPath, error.message)
            }
        }
        return selectors
    }

    static func parseExpectations(_ node: Node, _ path: String, _ reader: YAMLReader) -> Expectations {
        guard let entries = reader.mapping(node, path, allowed: expectKeys) else { return Expectations() }
        var expectations = Expectations()
        if let node = entries["spf_all"], let text = reader.string(node, reader.join(path, "spf_all")) {
            let qualifier = text.lowercased().replacingOccurrences(of: "all", with: "")
            if ["-", "~"].contains(qualifier) { expectations.spfAll = qualifier } else {
                reader.problem(node, reader.join(path, "spf_all"), "expected \"-all\" or \"~all\", found \"\(text)\"")
            }
        }
        if let node = entries["dmarc_policy"], let text = reader.string(node, reader.join(path, "dmarc_policy")) {
            if let policy = DMARCPolicy(rawValue: text.lowercased()) { expectations.dmarcPolicy = policy } else {
                reader.problem(node, reader.join(path, "dmarc_policy"), "expected none, quarantine or reject, found \"\(text)\"")
            }
        }
        if let node = entries["max_lookups"] {
            expectations.maxLookups = reader.int(node, reader.join(path, "max_lookups"), range: 1...10)
        }
        if let node = entries["mta_sts"], let text = reader.string(node, reader.join(path, "mta_sts")) {
            if let mode = MTASTSPolicy.Mode(rawValue: text.lowercased()) { expectations.mtaSTS = mode } else {
                reader.problem(node, reader.join(path, "mta_sts"), "expected enforce, testing or none, found \"\(text)\"")
            }
        }
        for (key, path_) in [("tls_rpt", \Expectations.tlsRPT), ("bimi", \Expectations.bimi)] {
            guard let node = entries[key], let text = reader.string(node, reader.join(path, key)) else { continue }
            switch text.lowercased() {
            case "true", "yes": expectations[keyPath: path_] = true
            case "false", "no": expectations[keyPath: path_] = nil
            default: reader.problem(node, reader.join(path, key), "expected true or false, found \"\(text)\"")
            }
        }
        return expectations
    }

    static func parseSender(_ node: Node, _ path: String, _ reader: YAMLReader) -> ApprovedSender? {
        guard let entries = reader.mapping(node, path, allowed: senderKeys) else { return nil }
        let kinds = ApprovedSender.Kind.allCases.filter { entries[$0.rawValue] != nil }
        guard kinds.count == 1, let kind = kinds.first else {
            reader.problem(node, path, kinds.isEmpty
                ? "a sender needs one of: ip, cidr, include, host, mx"
                : "a sender has exactly one of ip, cidr, include, host, mx; found \(kinds.map(\.rawValue).joined(separator: " and "))")
            return nil
        }
        let valuePath = reader.join(path, kind.rawValue)
        guard let raw = reader.string(entries[kind.rawValue], valuePath) else { return nil }
        switch ApprovedSender.validated(kind: kind, value: raw) {
        case .success(let value):
            return ApprovedSender(kind: kind, value: value, name: reader.string(entries["name"], reader.join(path, "name")),
                                  owner: reader.string(entries["owner"], reader.join(path, "owner")),
                                  note: reader.string(entries["note"], reader.join(path, "note")),
                                  dkimSelectors: parseSelectors(entries["dkim"], reader.join(path, "dkim"), reader))
        case .failure(let error):
            reader.problem(entries[kind.rawValue], valuePath, error.message)
            return nil
        }
    }

    static func parseDNSSECSettings(_ entries: [String: Node], into settings: inout MonitorSettings, _ reader: YAMLReader,
                                    resolve: (String) -> String) {
        if let node = entries["dnssec"], let text = reader.string(node, "settings.dnssec") {
            switch text.lowercased() {
            case "true", "yes", "on": settings.dnssec = true
            case "false", "no", "off": settings.dnssec = false
            default: reader.problem(node, "settings.dnssec", "expected true or false, found \"\(text.prefix(40))\"")
            }
        }
        settings.dnssecTrustAnchor = reader.string(entries["dnssec_trust_anchor"], "settings.dnssec_trust_anchor").map(resolve)
        if settings.dnssecTrustAnchor != nil, settings.dnssec == nil { settings.dnssec = true }
        if let days = reader.int(entries["dnssec_warning_days"], "settings.dnssec_warning_days", range: 1...365) {
            settings.dnssecWarningDays = days
        }
        if let node = entries["dnssec_error_days"], let days = reader.int(node, "settings.dnssec_error_days", range: 0...365) {
            if days >= settings.dnssecWarningDays {
                reader.problem(node, "settings.dnssec_error_days",
                               "expected fewer days than dnssec_warning_days (\(settings.dnssecWarningDays)), found \(days)")
            } else {
                settings.dnssecErrorDays = days
            }
        }
    }

    static func parseSettings(_ node: Node, _ reader: YAMLReader) -> MonitorSettings? {
        guard let entries = reader.mapping(node, "settings", allowed: settingsKeys) else { return nil }
        var settings = MonitorSettings()
        let base = (reader.file as NSString).deletingLastPathComponent
        func resolve(_ path: String) -> String {
            path.hasPrefix("/") || base.isEmpty ? path : (base as NSString).appendingPathComponent(path)
        }
        settings.database = reader.string(entries["database"], "settings.database").map(resolve)
        settings.resolvers = reader.strings(entries["resolvers"], "settings.resolvers")
        settings.zones = reader.strings(entries["zones"], "settings.zones").map(resolve)
        settings.timeout = reader.double(entries["timeout"], "settings.timeout", range: 0.1...120)
        settings.retries = reader.int(entries["retries"], "settings.retries", range: 0...10)
        settings.concurrency = reader.int(entries["concurrency"], "settings.concurrency", range: 1...4096)
        if let value = reader.double(entries["policy_timeout"], "settings.policy_timeout", range: 1...120) { settings.policyFetch.timeout = value }
        settings.policyFetch.caFile = reader.string(entries["policy_ca_file"], "settings.policy_ca_file").map(resolve)
        if let port = reader.int(entries["policy_port"], "settings.policy_port", range: 1...65535) { settings.policyFetch.port = port }
        if let days = reader.int(entries["certificate_warning_days"], "settings.certificate_warning_days", range: 1...365) {
            settings.certificateWarningDays = days
        }
        if let node = entries["provider_catalogue"], let path = reader.string(node, "settings.provider_catalogue").map(resolve) {
            do { settings.providerCatalogue = try ProviderCatalogueFile.load(path) } catch {
                reader.problem(node, "settings.provider_catalogue", error.description)
            }
        }
        parseDNSSECSettings(entries, into: &settings, reader, resolve: resolve)
        if let node = entries["unreachable_after"] { settings.unreachableAfter = reader.int(node, "settings.unreachable_after", range: 1...100) ?? 3 }
        if let node = entries["default_interval"], let text = reader.string(node, "settings.default_interval") {
            if let seconds = parseDuration(text), seconds >= 1, seconds <= 7 * 86400 { settings.defaultInterval = seconds } else {
                reader.problem(node, "settings.default_interval", "expected a duration such as 1h, found \"\(text)\"")
            }
        }
        parseObservedSettings(entries, into: &settings, reader)
        parseOperationalSettings(entries, into: &settings, reader)
        parseIngestSettings(entries, into: &settings, reader)
        parseMailboxSettings(entries, into: &settings, reader)
        settings.source = "\(reader.file):\(node.mark?.line ?? 1)"
        return settings
    }
}
