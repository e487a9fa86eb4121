import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The `XMLParser` delegate: tracks the element path under `<feedback>` and fills the report's fields.
final class FeedbackHandler: NSObject, XMLParserDelegate {
    private let onRecord: (AggregateRecord) throws -> Void
    private let onHeader: ((ReportSummary) throws -> Void)?
    private(set) var headerDelivered = false
    private var summary = ReportSummary()
    private var record = AggregateRecord()
    private var dkim = DKIMAuthResult()
    private var spf = SPFAuthResult()
    private var reason = PolicyOverrideReason()
    /// Element names (prefix stripped) from `<feedback>` down; empty outside it.
    private var path: [String] = []
    private var outsideDepth = 0
    private var text = ""
    private var warned: Set<String> = []
    private var beginText: String?
    private var endText: String?
    private(set) var rootName: String?
    private(set) var feedbackClosed = false
    private(set) var consumerError: (any Error)?
    private(set) var fieldError: ReportError?

    var feedbackOpen: Bool { !path.isEmpty }
    var openPath: String { path.joined(separator: "/") }
    var unclosedOutside: Int { outsideDepth }

    init(onRecord: @escaping (AggregateRecord) throws -> Void, onHeader: ((ReportSummary) throws -> Void)? = nil) {
        self.onRecord = onRecord
        self.onHeader = onHeader
    }

    /// The metadata and policy read so far, with the date range parsed (0 where absent or unreadable).
    var header: ReportSummary {
        var copy = summary
        copy.metadata.begin = beginText.flatMap(Self.epoch) ?? 0
        copy.metadata.end = endText.flatMap(Self.epoch) ?? 0
        return copy
    }

    /// Hands the header to the consumer once: before the first record, or at the end of a report without any.
    func deliverHeader(_ header: ReportSummary) throws {
        guard !headerDelivered else { return }
        headerDelivered = true
        try onHeader?(header)
    }

    func warn(_ code: ReportWarning.Code, _ message: String) {
        guard warned.insert("\(code.rawValue)|\(message)").inserted else { return }
        summary.warnings.append(ReportWarning(code, message))
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes: [String: String] = [:]) {
        let name = Self.localName(elementName)
        if rootName == nil { rootName = elementName }
        text = ""
        if path.isEmpty {
            if name == "feedback" && !feedbackClosed {
                path = ["feedback"]
                if attributes.values.contains(ReportSchema.dmarc2Namespace) { summary.schema = .dmarc2 }
            } else {
                outsideDepth += 1
                warn(.strayElement, "element <\(elementName)> outside <feedback> ignored")
            }
            return
        }
        path.append(name)
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if path.count > 1 { text += string }
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        if path.count > 1 { text += String(decoding: CDATABlock, as: UTF8.self) }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        guard !path.isEmpty else { outsideDepth -= 1; return }
        let key = path.dropFirst().joined(separator: "/")
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        text = ""
        if key.isEmpty {
            feedbackClosed = true
        } else if !key.hasPrefix("extension"), !key.hasPrefix("record/extensions") {
            if !(assignMetadata(key, value) || assignPolicy(key, value) || assignRecord(key, value, parser)) {
                warn(.unknownElement, "unknown element <\(key)> ignored")
            }
        }
        path.removeLast()
    }

    private func assignMetadata(_ key: String, _ value: String) -> Bool {
        switch key {
        case "version": summary.version = value
        case "report_metadata", "report_metadata/date_range": break
        case "report_metadata/org_name": summary.metadata.orgName = value
        case "report_metadata/email": summary.metadata.email = value
        case "report_metadata/extra_contact_info": summary.metadata.extraContactInfo = value
        case "report_metadata/report_id": summary.metadata.reportID = value
        case "report_metadata/date_range/begin": beginText = value
        case "report_metadata/date_range/end": endText = value
        case "report_metadata/error": summary.metadata.errors.append(value)
        case "report_metadata/generator": summary.metadata.generator = value
        default: return false
        }
        return true
    }

    private func assignPolicy(_ key: String, _ value: String) -> Bool {
        guard key.hasPrefix("policy_published") else { return false }
        let lower = value.lowercased()
        switch key {
        case "policy_published": break
        case "policy_published/domain": summary.policy.domain = lower
        case "policy_published/p": summary.policy.p = lower
        case "policy_published/sp": summary.policy.sp = lower
        case "policy_published/np": summary.policy.np = lower
        case "policy_published/adkim": summary.policy.adkim = lower
        case "policy_published/aspf": summary.policy.aspf = lower
        case "policy_published/fo": summary.policy.fo = lower
        case "policy_published/testing": summary.policy.testing = lower
        case "policy_published/discovery_method": summary.policy.discoveryMethod = lower
        case "policy_published/pct":
            if let pct = Int(value) { summary.policy.pct = pct } else if !value.isEmpty {
                warn(.badNumber, "pct '\(value)' is not a number; ignored")
            }
        default: return false
        }
        return true
    }

    private func assignRecord(_ key: String, _ value: String, _ parser: XMLParser) -> Bool {
        guard key.hasPrefix("record") else { return false }
        switch key {
        case "record": emitRecord(parser)
        case "record/row", "record/row/policy_evaluated", "record/identifiers", "record/auth_results": break
        case "record/row/source_ip": record.sourceIP = value
        case "record/row/count":
            if let count = Int(value), count >= 0 { record.count = count } else {
                warn(.badNumber, "record count '\(value)' is not a number; read as 0")
            }
        case "record/row/policy_evaluated/disposition": record.disposition = result(value, "disposition")
        case "record/row/policy_evaluated/dkim": record.dkim = result(value, "dkim")
        case "record/row/policy_evaluated/spf": record.spf = result(value, "spf")
        case "record/row/policy_evaluated/reason": record.reasons.append(reason); reason = PolicyOverrideReason()
        case "record/row/policy_evaluated/reason/type": reason.type = value.lowercased()
        case "record/row/policy_evaluated/reason/comment": reason.comment = value.isEmpty ? nil : value
        case "record/identifiers/header_from": record.headerFrom = value.lowercased()
        case "record/identifiers/envelope_from": record.envelopeFrom = value.isEmpty ? nil : value.lowercased()
        case "record/identifiers/envelope_to": record.envelopeTo = value.isEmpty ? nil : value.lowercased()
        case "record/auth_results/dkim": record.dkimResults.append(dkim); dkim = DKIMAuthResult()
        case "record/auth_results/dkim/domain": dkim.domain = value.lowercased()
        case "record/auth_results/dkim/selector": dkim.selector = value.isEmpty ? nil : value
        case "record/auth_results/dkim/result": dkim.result = result(value, "dkim result")
        case "record/auth_results/dkim/human_result": dkim.humanResult = value.isEmpty ? nil : value
        case "record/auth_results/spf": record.spfResults.append(spf); spf = SPFAuthResult()
        case "record/auth_results/spf/domain": spf.domain = value.lowercased()
        case "record/auth_results/spf/scope": spf.scope = value.isEmpty ? nil : value.lowercased()
        case "record/auth_results/spf/result": spf.result = result(value, "spf result")
        case "record/auth_results/spf/human_result": spf.humanResult = value.isEmpty ? nil : value
        default: return false
        }
        return true
    }

    /// Result words are lower case in both schemas; some reporters send `Pass` or `PASS`.
    private func result(_ value: String, _ field: String) -> String {
        let lower = value.lowercased()
        if lower != value { warn(.upperCaseResult, "\(field) '\(value)' read as '\(lower)'") }
        return lower
    }

    private func emitRecord(_ parser: XMLParser) {
        summary.recordCount += 1
        summary.messageCount += record.count
        do {
            if !headerDelivered { try deliverHeader(header) }
            try onRecord(record)
        } catch {
            consumerError = error
            parser.abortParsing()
        }
        record = AggregateRecord()
    }

    /// Checks the required fields once the document is read.
    func finish() throws(ReportError) -> ReportSummary {
        guard let beginText, let begin = Self.epoch(beginText) else {
            throw ReportError(.missingField, "report_metadata/date_range/begin is missing or not a number")
        }
        guard let endText, let end = Self.epoch(endText) else {
            throw ReportError(.missingField, "report_metadata/date_range/end is missing or not a number")
        }
        summary.metadata.begin = begin
        summary.metadata.end = end
        if summary.metadata.reportID.isEmpty {
            throw ReportError(.missingField, "report_metadata/report_id is missing or empty")
        }
        if summary.policy.domain.isEmpty {
            throw ReportError(.missingField, "policy_published/domain is missing or empty")
        }
        if summary.metadata.orgName.isEmpty {
            guard let at = summary.metadata.email.lastIndex(of: "@") else {
                throw ReportError(.missingField, "report_metadata/org_name is empty and email has no domain")
            }
            summary.metadata.orgName = String(summary.metadata.email[summary.metadata.email.index(after: at)...]).lowercased()
            warn(.emptyOrgName, "org_name is empty; used the domain of email, '\(summary.metadata.orgName)'")
        }
        return summary
    }

    /// Some reporters write the epoch with a fraction (`1530133200.0`).
    static func epoch(_ text: String) -> Int64? {
        if let value = Int64(text) { return value }
        if let value = Double(text), value.isFinite { return Int64(value) }
        return nil
    }

    static func localName(_ name: String) -> String {
        guard let colon = name.lastIndex(of: ":") else { return name }
        return String(name[name.index(after: colon)...])
    }
}
