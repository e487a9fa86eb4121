import Foundation

/// Receives `XMLScanner`'s events: tracks the element path under `<feedback>` and fills the report's fields.
final class FeedbackHandler {
    private let onRecord: (AggregateRecord) throws -> Void
    private let onHeader: ((ReportSummary) throws -> Void)?
    private(set) var headerDelivered = false
    @exclusivity(unchecked) private var summary = ReportSummary()
    @exclusivity(unchecked) private var record = AggregateRecord()
    @exclusivity(unchecked) private var dkim = DKIMAuthResult()
    @exclusivity(unchecked) private var spf = SPFAuthResult()
    private var reason = PolicyOverrideReason()
    /// Element names (prefix stripped) from `<feedback>` down; empty outside it.
    @exclusivity(unchecked) private var path: [String] = []
    /// For each depth, the node of `Self.tree` the path has reached, or -1 below an element not in the schema.
    @exclusivity(unchecked) private var nodes: [Int] = []
    private var outsideDepth = 0
    @exclusivity(unchecked) private var text: [UInt8] = []
    private var warned: Set<String> = []
    private var beginText: String?
    private var endText: String?
    private(set) var rootName: String?
    private(set) var feedbackClosed = false
    private(set) var consumerError: (any Error)?
    private(set) var fieldError: ReportError?
    private(set) var aborted = false
    /// Text matters only inside an element below `<feedback>`.
    var wantsText: Bool { path.count > 1 }

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

    func startElement(_ elementName: String, attributes: [String: String]) {
        let name = Self.localName(elementName)
        if rootName == nil { rootName = elementName }
        text.removeAll(keepingCapacity: true)
        if path.isEmpty {
            if name == "feedback" && !feedbackClosed {
                path = ["feedback"]
                nodes = [0]
                if attributes.values.contains(ReportSchema.dmarc2Namespace) { summary.schema = .dmarc2 }
            } else {
                outsideDepth += 1
                warn(.strayElement, "element <\(elementName)> outside <feedback> ignored")
            }
            return
        }
        path.append(name)
        let parent = nodes[nodes.count - 1]
        nodes.append(parent >= 0 ? Self.tree.children[parent][name] ?? -1 : -1)
    }

    func characters(_ bytes: ArraySlice<UInt8>) {
        text.append(contentsOf: bytes)
    }

    func endElement() {
        guard !path.isEmpty else { outsideDepth -= 1; return }
        let node = nodes[nodes.count - 1]
        if node == 0 {
            feedbackClosed = true
        } else if node > 0, let field = Self.tree.fields[node] {
            assign(field, Self.trimmed(text))
        } else {
            let key = path.dropFirst().joined(separator: "/")
            if !key.hasPrefix("extension"), !key.hasPrefix("record/extensions") {
                warn(.unknownElement, "unknown element <\(key)> ignored")
            }
        }
        text.removeAll(keepingCapacity: true)
        path.removeLast()
        nodes.removeLast()
    }

    /// The text without surrounding XML white space, decoded (the scanner's input is valid UTF-8).
    static func trimmed(_ bytes: [UInt8]) -> String {
        var lower = 0, upper = bytes.count
        while lower < upper, XMLScanner.isSpace(bytes[lower]) { lower += 1 }
        while upper > lower, XMLScanner.isSpace(bytes[upper - 1]) { upper -= 1 }
        return lower == upper ? "" : String(decoding: bytes[lower..<upper], as: UTF8.self)
    }

    /// Every element the schemas define, by its path below `<feedback>`: one hash lookup per element.
    enum Field {
        case container, version
        case orgName, email, extraContactInfo, reportID, begin, end, error, generator
        case domain, p, sp, np, adkim, aspf, fo, testing, discoveryMethod, pct
        case record, sourceIP, count, disposition, dkimAligned, spfAligned, reason, reasonType, reasonComment
        case headerFrom, envelopeFrom, envelopeTo
        case dkim, dkimDomain, dkimSelector, dkimResult, dkimHuman, spf, spfDomain, spfScope, spfResult, spfHuman
    }

    static let fields: [String: Field] = [
        "version": .version,
        "report_metadata": .container, "report_metadata/date_range": .container,
        "report_metadata/org_name": .orgName, "report_metadata/email": .email,
        "report_metadata/extra_contact_info": .extraContactInfo, "report_metadata/report_id": .reportID,
        "report_metadata/date_range/begin": .begin, "report_metadata/date_range/end": .end,
        "report_metadata/error": .error, "report_metadata/generator": .generator,
        "policy_published": .container, "policy_published/domain": .domain, "policy_published/p": .p,
        "policy_published/sp": .sp, "policy_published/np": .np, "policy_published/adkim": .adkim,
        "policy_published/aspf": .aspf, "policy_published/fo": .fo, "policy_published/testing": .testing,
        "policy_published/discovery_method": .discoveryMethod, "policy_published/pct": .pct,
        "record": .record, "record/row": .container, "record/row/policy_evaluated": .container,
        "record/identifiers": .container, "record/auth_results": .container,
        "record/row/source_ip": .sourceIP, "record/row/count": .count,
        "record/row/policy_evaluated/disposition": .disposition, "record/row/policy_evaluated/dkim": .dkimAligned,
        "record/row/policy_evaluated/spf": .spfAligned, "record/row/policy_evaluated/reason": .reason,
        "record/row/policy_evaluated/reason/type": .reasonType, "record/row/policy_evaluated/reason/comment": .reasonComment,
        "record/identifiers/header_from": .headerFrom, "record/identifiers/envelope_from": .envelopeFrom,
        "record/identifiers/envelope_to": .envelopeTo,
        "record/auth_results/dkim": .dkim, "record/auth_results/dkim/domain": .dkimDomain,
        "record/auth_results/dkim/selector": .dkimSelector, "record/auth_results/dkim/result": .dkimResult,
        "record/auth_results/dkim/human_result": .dkimHuman,
        "record/auth_results/spf": .spf, "record/auth_results/spf/domain": .spfDomain,
        "record/auth_results/spf/scope": .spfScope, "record/auth_results/spf/result": .spfResult,
        "record/auth_results/spf/human_result": .spfHuman,
    ]

    /// `fields` as a tree of element names, so each element costs one lookup of its own short name.
    struct Tree {
        var children: [[String: Int]] = [[:]]
        var fields: [Field?] = [nil]
    }

    static let tree: Tree = {
        var tree = Tree()
        for (key, field) in fields {
            var node = 0
            for name in key.split(separator: "/").map(String.init) {
                if let child = tree.children[node][name] { node = child; continue }
                tree.children.append([:])
                tree.fields.append(nil)
                tree.children[node][name] = tree.children.count - 1
                node = tree.children.count - 1
            }
            tree.fields[node] = field
        }
        return tree
    }()

    private func assign(_ field: Field, _ value: String) {
        switch field {
        case .container: break
        case .version: summary.version = value
        case .orgName: summary.metadata.orgName = value
        case .email: summary.metadata.email = value
        case .extraContactInfo: summary.metadata.extraContactInfo = value
        case .reportID: summary.metadata.reportID = value
        case .begin: beginText = value
        case .end: endText = value
        case .error: summary.metadata.errors.append(value)
        case .generator: summary.metadata.generator = value
        case .domain: summary.policy.domain = value.lowercased()
        case .p: summary.policy.p = value.lowercased()
        case .sp: summary.policy.sp = value.lowercased()
        case .np: summary.policy.np = value.lowercased()
        case .adkim: summary.policy.adkim = value.lowercased()
        case .aspf: summary.policy.aspf = value.lowercased()
        case .fo: summary.policy.fo = value.lowercased()
        case .testing: summary.policy.testing = value.lowercased()
        case .discoveryMethod: summary.policy.discoveryMethod = value.lowercased()
        case .pct:
            if let pct = Int(value) { summary.policy.pct = pct } else if !value.isEmpty {
                warn(.badNumber, "pct '\(value)' is not a number; ignored")
            }
        case .record: emitRecord()
        case .sourceIP: record.sourceIP = value
        case .count:
            if let count = Int(value), count >= 0 { record.count = count } else {
                warn(.badNumber, "record count '\(value)' is not a number; read as 0")
            }
        case .disposition: record.disposition = result(value, "disposition")
        case .dkimAligned: record.dkim = result(value, "dkim")
        case .spfAligned: record.spf = result(value, "spf")
        case .reason: record.reasons.append(reason); reason = PolicyOverrideReason()
        case .reasonType: reason.type = value.lowercased()
        case .reasonComment: reason.comment = value.isEmpty ? nil : value
        case .headerFrom: record.headerFrom = value.lowercased()
        case .envelopeFrom: record.envelopeFrom = value.isEmpty ? nil : value.lowercased()
        case .envelopeTo: record.envelopeTo = value.isEmpty ? nil : value.lowercased()
        case .dkim: record.dkimResults.append(dkim); dkim = DKIMAuthResult()
        case .dkimDomain: dkim.domain = value.lowercased()
        case .dkimSelector: dkim.selector = value.isEmpty ? nil : value
        case .dkimResult: dkim.result = result(value, "dkim result")
        case .dkimHuman: dkim.humanResult = value.isEmpty ? nil : value
        case .spf: record.spfResults.append(spf); spf = SPFAuthResult()
        case .spfDomain: spf.domain = value.lowercased()
        case .spfScope: spf.scope = value.isEmpty ? nil : value.lowercased()
        case .spfResult: spf.result = result(value, "spf result")
        case .spfHuman: spf.humanResult = value.isEmpty ? nil : value
        }
    }

    /// Result words are lower case in both schemas; some reporters send `Pass` or `PASS`.
    private func result(_ value: String, _ field: String) -> String {
        guard value.utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) else { return value }
        let lower = value.lowercased()
        warn(.upperCaseResult, "\(field) '\(value)' read as '\(lower)'")
        return lower
    }

    private func emitRecord() {
        summary.recordCount += 1
        summary.messageCount += record.count
        do {
            if !headerDelivered { try deliverHeader(header) }
            try onRecord(record)
        } catch {
            consumerError = error
            aborted = true
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
        guard let colon = name.utf8.lastIndex(of: 0x3A) else { return name }
        return String(name[name.utf8.index(after: colon)...])
    }
}
