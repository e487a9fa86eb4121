import DNSCore
import Foundation

/// A DMARC failure report (RFC 9991 / RFC 6591, in the Abuse Reporting Format of RFC 5965): one message that
/// failed authentication, as the receiver saw it. Only what identifies the source and its authentication is
/// kept; the original message's body is never read, and its recipients and subject are not kept. The
/// original header section is kept only when asked (`FailureReportParser.keepHeaders`).
public struct FailureReport: Hashable, Sendable {
    /// `Feedback-Type`, e.g. `auth-failure`.
    public var feedbackType: String
    /// The reporting organisation: the domain of the report message's From address (else its `User-Agent`).
    public var reporter: String
    /// What identifies the report for de-duplication: the report message's Message-ID, else a digest of its fields.
    public var reportID: String
    public var reportedDomain: String
    public var sourceIP: String
    /// Epoch seconds of `Arrival-Date` (else of the report message's Date).
    public var arrival: Int64
    /// `Auth-Failure` values, e.g. `dmarc`, `spf`, `dkim`.
    public var authFailure: [String]
    /// `Delivery-Result`: delivered, spam, policy, reject or other.
    public var deliveryResult: String?
    /// The domain of the original message's From header (the DMARC identity), else the reported domain.
    public var headerFrom: String
    /// The domain of `Original-Mail-From`.
    public var envelopeFrom: String
    public var dkimDomain: String?
    public var dkimSelector: String?
    /// `spf=` and `dkim=` of the receiver's Authentication-Results, when it wrote them.
    public var spfResult: String?
    public var dkimResult: String?
    /// `Identity-Alignment`: which identifiers aligned (`none`, `spf`, `dkim`).
    public var identityAlignment: [String]
    public var userAgent: String?
    /// The original message's header section, only when the parser keeps it.
    public var originalHeaders: String?
    public var warnings: [ReportWarning] = []

    /// The summary shared with aggregate reports: one record of one message.
    public var summary: ReportSummary {
        var summary = ReportSummary()
        summary.metadata.orgName = reporter
        summary.metadata.reportID = reportID
        summary.metadata.begin = arrival
        summary.metadata.end = arrival
        summary.policy.domain = reportedDomain
        summary.recordCount = 1
        summary.messageCount = 1
        summary.warnings = warnings
        return summary
    }

    /// The disposition an aggregate report would give the message (RFC 7489 `<disposition>`).
    public var disposition: String {
        switch deliveryResult {
        case "spam": return "quarantine"
        case "reject", "policy": return "reject"
        default: return "none"
        }
    }
}

/// Reads the `message/feedback-report` part of a failure report and what it needs of the original message's
/// header section. Every field is bounded (`ReportValues.maximumIdentifierBytes`), the source address and
/// the reported domain are required and checked.
public struct FailureReportParser: Sendable {
    /// Keep the original message's header section (personal data: off by default).
    public var keepHeaders: Bool
    /// The most bytes of original headers kept.
    public static let maximumHeaderBytes = 64 << 10

    public init(keepHeaders: Bool = false) { self.keepHeaders = keepHeaders }

    /// `fields`: the feedback report part's decoded body; `original`: the original message or its headers
    /// (`message/rfc822`, `text/rfc822-headers`), if the report has one; `outer`: the report message's own
    /// header fields.
    func parse(fields bytes: [UInt8], original: MIMEPart?, outer: MIMEPart) throws(ReportError) -> FailureReport {
        var text = bytes
        text.append(contentsOf: [0x0A, 0x0A])
        let part = try MIMEPart(text[...], headerLimit: 64 << 10)
        var warnings: [ReportWarning] = []
        func field(_ name: String) throws(ReportError) -> String? {
            guard let value = part.header(name)?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
            guard value.utf8.count <= ReportValues.maximumIdentifierBytes else {
                throw ReportError(.impossibleValue, "the feedback report's \(name) field is \(value.utf8.count) bytes long; "
                    + "at most \(ReportValues.maximumIdentifierBytes) are accepted")
            }
            return value
        }
        guard let feedbackType = try field("Feedback-Type")?.lowercased() else {
            throw ReportError(.missingField, "the message/feedback-report part has no Feedback-Type field (RFC 5965 section 3.1)")
        }
        guard let sourceText = try field("Source-IP") else {
            throw ReportError(.missingField, "the feedback report has no Source-IP field: the source cannot be counted")
        }
        guard let source = IPAddress(Self.unbracketed(sourceText)) else {
            throw ReportError(.impossibleValue, "Source-IP \(ReportValues.shown(sourceText)) is not an IP address")
        }
        let originalFrom = original.flatMap { $0.header("From") }.flatMap(HeaderFields.address).map(HeaderFields.domain)
        guard let domainText = try field("Reported-Domain") ?? originalFrom else {
            throw ReportError(.missingField, "the feedback report has no Reported-Domain field and the original From is unknown")
        }
        guard let reported = try? DomainName(domainText.lowercased()) else {
            throw ReportError(.impossibleValue, "Reported-Domain \(ReportValues.shown(domainText)) is not a domain name")
        }
        var arrival = try field("Arrival-Date").flatMap(RFC5322Date.epochSeconds)
        if arrival == nil { arrival = outer.header("Date").flatMap(RFC5322Date.epochSeconds) }
        guard let arrival else {
            throw ReportError(.missingField, "neither Arrival-Date nor the report's Date is a readable date")
        }
        guard (ReportValues.earliestDate...ReportValues.latestDate).contains(arrival) else {
            throw ReportError(.impossibleValue, "the arrival date \(arrival) is outside 1990..2100")
        }
        let userAgent = try field("User-Agent")
        let reporterAddress = outer.header("From").flatMap(HeaderFields.address).map(HeaderFields.domain)
        let reporter = (reporterAddress?.isEmpty == false ? reporterAddress : nil) ?? userAgent ?? "(unnamed reporter)"
        var results = AuthenticationResults("")
        if let value = try field("Authentication-Results") {
            results = AuthenticationResults(value)
        }
        // The receiver's own header on the original message says what the report's field leaves out.
        if results.first("spf") == nil || results.first("dkim") == nil,
           let value = original?.header("Authentication-Results"), value.utf8.count <= 16 << 10 {
            let received = AuthenticationResults(value)
            for method in ["spf", "dkim"] where results.first(method) == nil {
                if let clause = received.first(method) { results.clauses.append(clause) }
            }
        }
        let envelope = try field("Original-Mail-From").flatMap(HeaderFields.address).map(HeaderFields.domain) ?? ""
        var dkimDomain = try field("DKIM-Domain")?.lowercased()
        let dkimClause = results.first("dkim")
        if dkimDomain == nil { dkimDomain = dkimClause?.properties["header.d"]?.lowercased() }
        if dkimDomain == "none" { dkimDomain = nil }
        let list: (String?) -> [String] = { value in
            (value ?? "").lowercased().split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init).filter { !$0.isEmpty }
        }
        var headers: String?
        if keepHeaders, let original {
            var kept = ""
            for (name, value) in original.headers {
                let line = "\(name): \(value)\n"
                guard kept.utf8.count + line.utf8.count <= Self.maximumHeaderBytes else {
                    warnings.append(ReportWarning(.truncated, "the original headers were cut at \(Self.maximumHeaderBytes) bytes"))
                    break
                }
                kept += line
            }
            headers = kept
        }
        let messageID = outer.header("Message-ID")?.trimmingCharacters(in: .whitespaces)
        let id: String
        if let messageID, !messageID.isEmpty, messageID.utf8.count <= ReportValues.maximumIdentifierBytes {
            id = messageID
        } else {
            id = "fields:" + Self.digest([feedbackType, source.description, reported.text, String(arrival), envelope,
                                         try field("Original-Envelope-Id") ?? ""])
        }
        var delivery = try field("Delivery-Result")?.lowercased()
        if let value = delivery, !["delivered", "spam", "policy", "reject", "other"].contains(value) {
            warnings.append(ReportWarning(.unknownElement, "Delivery-Result \(ReportValues.shown(value)) is not one of "
                + "delivered, spam, policy, reject, other (RFC 6591 section 3.1)"))
            delivery = "other"
        }
        return FailureReport(
            feedbackType: feedbackType, reporter: reporter.lowercased(), reportID: id, reportedDomain: reported.text,
            sourceIP: source.description, arrival: arrival, authFailure: list(try field("Auth-Failure")),
            deliveryResult: delivery, headerFrom: (originalFrom?.isEmpty == false ? originalFrom! : reported.text).lowercased(),
            envelopeFrom: envelope.lowercased(), dkimDomain: dkimDomain,
            dkimSelector: try field("DKIM-Selector")?.lowercased() ?? dkimClause?.properties["header.s"]?.lowercased(),
            spfResult: results.first("spf")?.result.lowercased(), dkimResult: dkimClause?.result.lowercased(),
            identityAlignment: list(try field("Identity-Alignment")), userAgent: userAgent, originalHeaders: headers,
            warnings: warnings)
    }

    static func unbracketed(_ text: String) -> String {
        var value = text
        if value.hasPrefix("["), value.hasSuffix("]") { value = String(value.dropFirst().dropLast()) }
        if value.lowercased().hasPrefix("ipv6:") { value = String(value.dropFirst(5)) }
        return value
    }

    /// A digest of the parts (FNV-1a, each part a field of its own), for identities without an id.
    public static func digest(_ parts: [String]) -> String {
        var hash = FNV1a()
        for part in parts { hash.field(part) }
        return hash.hex
    }
}

/// RFC 5322 section 3.3 dates (`Mon, 01 Oct 2018 11:20:27 +0200`; the day name and seconds optional, the
/// obsolete zone names read).
enum RFC5322Date {
    static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    static let zones: [String: Int] = ["ut": 0, "gmt": 0, "utc": 0, "z": 0, "est": -5, "edt": -4, "cst": -6, "cdt": -5,
                                       "mst": -7, "mdt": -6, "pst": -8, "pdt": -7]

    static func epochSeconds(_ text: String) -> Int64? {
        var value = text
        if let comment = value.firstIndex(of: "(") { value = String(value[..<comment]) }
        if let comma = value.firstIndex(of: ",") { value = String(value[value.index(after: comma)...]) }
        let words = value.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard words.count >= 4, let day = Int(words[0]), (1...31).contains(day),
              let month = months.firstIndex(of: words[1].lowercased().prefix(3).description),
              var year = Int(words[2]) else { return nil }
        if year < 50 { year += 2000 } else if year < 1000 { year += 1900 }
        // A hostile year must not overflow the day arithmetic; only 1990..2100 is accepted later anyway.
        guard (1900...9999).contains(year) else { return nil }
        let time = words[3].split(separator: ":").map { Int($0) }
        guard time.count >= 2, time.count <= 3, time.allSatisfy({ $0 != nil }) else { return nil }
        let hour = time[0]!, minute = time[1]!, second = time.count == 3 ? time[2]! : 0
        guard hour <= 23, minute <= 59, second <= 60, day <= CivilDay.daysIn(month: month + 1, year: year) else { return nil }
        var offset = 0
        if words.count >= 5 {
            let zone = words[4]
            if let sign = zone.first, sign == "+" || sign == "-", zone.count == 5, let digits = Int(zone.dropFirst()) {
                offset = ((digits / 100) * 3600 + (digits % 100) * 60) * (sign == "+" ? 1 : -1)
            } else if let hours = zones[zone.lowercased()] {
                offset = hours * 3600
            }
        }
        let days = CivilDay.number(year: Int64(year), month: Int64(month + 1), day: Int64(day))
        return Int64(days) * 86400 + Int64(hour * 3600 + minute * 60 + min(second, 59)) - Int64(offset)
    }
}
