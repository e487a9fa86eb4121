import DNSCore
import Foundation

/// Reads an SMTP TLS report (RFC 8460 section 4.4, JSON) read whole into memory (`limits.tlsReportBytes`
/// bounds it). Hostile input is bounded before the JSON parser sees it: the nesting depth is checked by a
/// scan of the bytes, and the numbers of policies, failure details, strings and their lengths after. A
/// missing required field, a count that is no count, or a date that is no RFC 3339 date rejects the report
/// with the JSON path of the field.
public struct TLSReportParser: Sendable {
    public var limits: ReportLimits
    /// The schema nests four deep (report, policies, policy, failure detail, with their arrays): eight covers
    /// reporters' extra objects.
    public static let maximumDepth = 8
    /// Policies of one report and failure details of one policy; real reports hold a handful.
    public static let maximumPolicies = 1_000
    public static let maximumFailureDetails = 10_000
    /// `policy-string` lines and `mx-host` patterns of one policy.
    public static let maximumPolicyLines = 200

    public init(limits: ReportLimits = ReportLimits()) { self.limits = limits }

    public func parse(_ bytes: some Collection<UInt8>) throws(ReportError) -> TLSReport {
        let data = Data(bytes)
        try Self.checkDepth(data)
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data, options: []) } catch {
            throw ReportError(.malformedJSON, "not valid JSON: \(Self.reason(error))")
        }
        guard let root = object as? [String: Any] else {
            throw ReportError(.notTLSReport, "the JSON document is not an object")
        }
        var warnings: [ReportWarning] = []
        guard root["policies"] != nil || root["report-id"] != nil || root["organization-name"] != nil else {
            throw ReportError(.notTLSReport, "a JSON object without organization-name, report-id or policies: not an SMTP TLS report")
        }
        let organization = try Self.identifier(root, "organization-name", path: "")
        let reportID = try Self.identifier(root, "report-id", path: "")
        var contact: String?
        if root["contact-info"] != nil { contact = try Self.identifier(root, "contact-info", path: "") } else {
            warnings.append(ReportWarning(.emptyOrgName, "contact-info is missing (RFC 8460 section 4.4 requires it)"))
        }
        guard let range = root["date-range"] as? [String: Any] else {
            throw ReportError(.missingField, "date-range is missing or not an object")
        }
        let begin = try Self.date(range, "start-datetime", path: "date-range")
        let end = try Self.date(range, "end-datetime", path: "date-range")
        guard begin <= end else {
            throw ReportError(.impossibleValue, "date-range ends (\(end)) before it starts (\(begin))")
        }
        guard end - begin <= ReportValues.maximumRangeDays * 86400 else {
            throw ReportError(.impossibleValue, "date-range covers more than \(ReportValues.maximumRangeDays) days")
        }
        if end - begin > ReportValues.implausibleRangeDays * 86400 {
            warnings.append(ReportWarning(.implausibleValue, "date-range covers \((end - begin) / 86400) days"))
        }
        guard let policies = root["policies"] as? [Any] else {
            throw ReportError(.missingField, "policies is missing or not an array")
        }
        guard !policies.isEmpty else { throw ReportError(.missingField, "policies is empty: the report reports nothing") }
        guard policies.count <= Self.maximumPolicies else {
            throw ReportError(.limitExceeded, "policies holds \(policies.count) entries; at most \(Self.maximumPolicies) are read")
        }
        var results: [TLSPolicyResult] = []
        for (index, entry) in policies.enumerated() {
            results.append(try policy(entry, path: "policies[\(index)]", warnings: &warnings))
        }
        var report = TLSReport(organization: organization, contact: contact, reportID: reportID, begin: begin, end: end,
                               policies: results)
        report.warnings = warnings
        return report
    }

    private func policy(_ entry: Any, path: String, warnings: inout [ReportWarning]) throws(ReportError) -> TLSPolicyResult {
        guard let entry = entry as? [String: Any] else { throw ReportError(.missingField, "\(path) is not an object") }
        guard let policy = entry["policy"] as? [String: Any] else {
            throw ReportError(.missingField, "\(path).policy is missing or not an object")
        }
        let type = try Self.identifier(policy, "policy-type", path: "\(path).policy").lowercased()
        guard ["sts", "tlsa", "no-policy-found"].contains(type) else {
            throw ReportError(.impossibleValue, "\(path).policy.policy-type \(ReportValues.shown(type)): expected sts, tlsa or no-policy-found")
        }
        let domain = try Self.domain(policy, "policy-domain", path: "\(path).policy")
        var mxHosts: [String] = []
        if let hosts = policy["mx-host"] {
            guard let list = hosts as? [Any] else { throw ReportError(.missingField, "\(path).policy.mx-host is not an array") }
            for (index, host) in list.prefix(Self.maximumPolicyLines).enumerated() {
                guard let text = host as? String, text.utf8.count <= 255, !text.isEmpty else {
                    throw ReportError(.impossibleValue, "\(path).policy.mx-host[\(index)] is not a host name")
                }
                mxHosts.append(text.lowercased())
            }
        }
        if let lines = policy["policy-string"] as? [Any], lines.count > Self.maximumPolicyLines {
            warnings.append(ReportWarning(.truncated, "\(path).policy.policy-string has \(lines.count) lines"))
        }
        guard let summary = entry["summary"] as? [String: Any] else {
            throw ReportError(.missingField, "\(path).summary is missing or not an object")
        }
        let successful = try Self.count(summary, "total-successful-session-count", path: "\(path).summary")
        let failed = try Self.count(summary, "total-failure-session-count", path: "\(path).summary")
        var failures: [TLSFailureDetail] = []
        if let details = entry["failure-details"] {
            guard let list = details as? [Any] else { throw ReportError(.missingField, "\(path).failure-details is not an array") }
            guard list.count <= Self.maximumFailureDetails else {
                throw ReportError(.limitExceeded, "\(path).failure-details holds \(list.count) entries; at most "
                    + "\(Self.maximumFailureDetails) are read")
            }
            var sum = 0
            for (index, item) in list.enumerated() {
                let detail = try failure(item, path: "\(path).failure-details[\(index)]", warnings: &warnings)
                sum = ReportValues.saturatingMessages(sum, detail.sessions)
                failures.append(detail)
            }
            if sum > failed {
                warnings.append(ReportWarning(.implausibleValue, "\(path): failure-details count \(sum) sessions, "
                    + "more than total-failure-session-count \(failed)"))
            }
        }
        return TLSPolicyResult(type: type, domain: domain, mxHosts: mxHosts, successful: successful, failed: failed,
                               failures: failures)
    }

    private func failure(_ item: Any, path: String, warnings: inout [ReportWarning]) throws(ReportError) -> TLSFailureDetail {
        guard let item = item as? [String: Any] else { throw ReportError(.missingField, "\(path) is not an object") }
        let type = try Self.identifier(item, "result-type", path: path).lowercased()
        guard type.utf8.count <= 64, type.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }) else {
            throw ReportError(.impossibleValue, "\(path).result-type \(ReportValues.shown(type)) is not a result type")
        }
        if !TLSFailureDetail.registeredTypes.contains(type) {
            warnings.append(ReportWarning(.unknownElement, "\(path).result-type \(type) is not registered (RFC 8460 section 4.3)"))
        }
        let sessions = try Self.count(item, "failed-session-count", path: path)
        func optionalText(_ key: String) throws(ReportError) -> String? {
            guard item[key] != nil else { return nil }
            return try Self.identifier(item, key, path: path)
        }
        func address(_ key: String) throws(ReportError) -> String? {
            guard let text = try optionalText(key) else { return nil }
            guard let parsed = IPAddress(text)?.description else {
                throw ReportError(.impossibleValue, "\(path).\(key) \(ReportValues.shown(text)) is not an IP address")
            }
            return parsed
        }
        var mx: String?
        if item["receiving-mx-hostname"] != nil { mx = try Self.domain(item, "receiving-mx-hostname", path: path) }
        return TLSFailureDetail(resultType: type, sendingIP: try address("sending-mta-ip"), receivingMX: mx,
                                receivingHelo: try optionalText("receiving-mx-helo"), receivingIP: try address("receiving-ip"),
                                sessions: sessions, reasonCode: try optionalText("failure-reason-code"))
    }

    // MARK: fields

    static func identifier(_ object: [String: Any], _ key: String, path: String) throws(ReportError) -> String {
        let place = path.isEmpty ? key : "\(path).\(key)"
        guard let value = object[key] else { throw ReportError(.missingField, "\(place) is missing") }
        guard let text = value as? String else { throw ReportError(.missingField, "\(place) is not a string") }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw ReportError(.missingField, "\(place) is empty") }
        guard trimmed.utf8.count <= ReportValues.maximumIdentifierBytes else {
            throw ReportError(.impossibleValue, "\(place) is \(trimmed.utf8.count) bytes long; at most "
                + "\(ReportValues.maximumIdentifierBytes) are accepted")
        }
        return trimmed
    }

    static func domain(_ object: [String: Any], _ key: String, path: String) throws(ReportError) -> String {
        var text = try identifier(object, key, path: path).lowercased()
        if text.hasSuffix(".") { text.removeLast() }
        let place = path.isEmpty ? key : "\(path).\(key)"
        guard !text.isEmpty, text.utf8.count <= 253,
              text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "@") }),
              !text.split(separator: ".", omittingEmptySubsequences: false).contains(where: { $0.isEmpty || $0.utf8.count > 63 }) else {
            throw ReportError(.impossibleValue, "\(place) \(ReportValues.shown(text)) is not a domain name")
        }
        return text
    }

    /// A session count: a non-negative integer of at most `ReportValues.maximumMessages`.
    static func count(_ object: [String: Any], _ key: String, path: String) throws(ReportError) -> Int {
        let place = "\(path).\(key)"
        guard let value = object[key] else { throw ReportError(.missingField, "\(place) is missing") }
        // JSONSerialization hands back booleans as numbers too.
        guard let number = value as? NSNumber, !isBoolean(number) else {
            throw ReportError(.missingField, "\(place) is not a number")
        }
        let double = number.doubleValue
        guard double.isFinite, double >= 0, double.rounded() == double else {
            throw ReportError(.impossibleValue, "\(place) \(number) is not a count of sessions")
        }
        guard double <= Double(ReportValues.maximumMessages) else {
            throw ReportError(.impossibleValue, "\(place) \(number) is more than \(ReportValues.maximumMessages) sessions")
        }
        return number.intValue
    }

    /// An RFC 3339 date-time (section 5.6): `2016-04-01T00:00:00Z`, a fraction and an offset allowed.
    static func date(_ object: [String: Any], _ key: String, path: String) throws(ReportError) -> Int64 {
        let text = try identifier(object, key, path: path)
        guard let value = RFC3339.epochSeconds(text) else {
            throw ReportError(.impossibleValue, "\(path).\(key) \(ReportValues.shown(text)) is not an RFC 3339 date-time")
        }
        guard (ReportValues.earliestDate...ReportValues.latestDate).contains(value) else {
            throw ReportError(.impossibleValue, "\(path).\(key) \(text) is outside 1990..2100")
        }
        return value
    }

    /// Rejects documents nested deeper than `maximumDepth` before the JSON parser recurses into them.
    static func checkDepth(_ data: Data) throws(ReportError) {
        var depth = 0, inString = false, escaped = false
        for byte in data {
            if inString {
                if escaped { escaped = false } else if byte == 0x5C { escaped = true } else if byte == 0x22 { inString = false }
                continue
            }
            switch byte {
            case 0x22: inString = true
            case 0x7B, 0x5B:
                depth += 1
                if depth > maximumDepth {
                    throw ReportError(.limitExceeded, "the JSON nests deeper than \(maximumDepth) levels")
                }
            case 0x7D, 0x5D: depth -= 1
            default: break
            }
        }
    }

    static func reason(_ error: Error) -> String {
        let text = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
        return String(text.prefix(200))
    }
}

/// JSON's true and false come back as NSNumbers holding a C char; JSON numbers never do.
func isBoolean(_ number: NSNumber) -> Bool {
    String(cString: number.objCType) == "c"
}

/// RFC 3339 `date-time` to epoch seconds.
enum RFC3339 {
    static func epochSeconds(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        func digits(_ at: Int, _ count: Int) -> Int? {
            guard at + count <= b.count else { return nil }
            var value = 0
            for i in at..<(at + count) {
                let d = Int(b[i]) - 0x30
                guard d >= 0, d <= 9 else { return nil }
                value = value * 10 + d
            }
            return value
        }
        guard b.count >= 20, let year = digits(0, 4), b[4] == 0x2D, let month = digits(5, 2), b[7] == 0x2D,
              let day = digits(8, 2), b[10] == 0x54 || b[10] == 0x74 || b[10] == 0x20, let hour = digits(11, 2), b[13] == 0x3A,
              let minute = digits(14, 2), b[16] == 0x3A, let second = digits(17, 2) else { return nil }
        guard (1...12).contains(month), (1...31).contains(day), hour <= 23, minute <= 59, second <= 60 else { return nil }
        var at = 19
        if at < b.count, b[at] == 0x2E {
            at += 1
            let start = at
            while at < b.count, b[at] >= 0x30, b[at] <= 0x39, at - start < 12 { at += 1 }
            guard at > start else { return nil }
        }
        guard at < b.count else { return nil }
        var offset = 0
        if b[at] == 0x5A || b[at] == 0x7A {
            at += 1
        } else if b[at] == 0x2B || b[at] == 0x2D {
            guard let oh = digits(at + 1, 2), at + 3 < b.count, b[at + 3] == 0x3A, let om = digits(at + 4, 2), oh <= 23, om <= 59 else {
                return nil
            }
            offset = (oh * 3600 + om * 60) * (b[at] == 0x2B ? 1 : -1)
            at += 6
        } else {
            return nil
        }
        guard at == b.count else { return nil }
        guard day <= CivilDay.daysIn(month: month, year: year) else { return nil }
        let days = CivilDay.number(year: Int64(year), month: Int64(month), day: Int64(day))
        return Int64(days) * 86400 + Int64(hour * 3600 + minute * 60 + min(second, 59)) - Int64(offset)
    }
}
