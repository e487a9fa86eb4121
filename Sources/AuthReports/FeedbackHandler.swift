import Foundation

/// Receives `XMLScanner`'s events: tracks the element path under `<feedback>` and fills the report's fields
/// (FeedbackHandler+Values). A value no report can hold, or a limit passed, sets `fieldError` and stops the scan.
final class FeedbackHandler {
    typealias Field = FeedbackSchema.Field

    let limits: ReportLimits
    let onRecord: (AggregateRecord) throws -> Void
    private let onHeader: ((ReportSummary) throws -> Void)?
    private(set) var headerDelivered = false
    // @exclusivity(unchecked) is kept below only where dropping it measurably costs: the figures are the extra
    // instructions of the whole parse with that one attribute dropped (Scripts/bench-parser --callgrind,
    // 20,000 records, against 1,529 M with all fourteen attributes of the time in place). It is safe because a
    // handler belongs to one parse on one thread, these properties are touched only by the handler's own
    // methods, and no access to one of them overlaps another access to the same one (the record callback gets
    // copies, not inout access).
    var summary = ReportSummary()
    /// +1.7% (1,556 M) without the attribute.
    @exclusivity(unchecked) var record = AggregateRecord()
    var dkim = DKIMAuthResult()
    var spf = SPFAuthResult()
    var reason = PolicyOverrideReason()
    /// Element names (prefix stripped) from `<feedback>` down; empty outside it. Names outside the schema
    /// are kept only to name them in a message, cut to `maximumNameInMessage` bytes.
    /// +15% (1,762 M) without the attribute.
    @exclusivity(unchecked) private var path: [String] = []
    /// For each depth, the node of `FeedbackSchema.tree` the path has reached, or -1 below an element not in
    /// the schema. +11% (1,696 M) without the attribute.
    @exclusivity(unchecked) private var nodes: [Int] = []
    private var outsideDepth = 0
    /// +24% (1,895 M) without the attribute.
    @exclusivity(unchecked) var text: [UInt8] = []
    var warnings = WarningList()
    var beginText: String?
    var endText: String?
    private(set) var rootName: String?
    private(set) var feedbackClosed = false
    private(set) var consumerError: (any Error)?
    private(set) var fieldError: ReportError?
    private(set) var aborted = false
    /// The intern table (FeedbackHandler+Values): +1.2% (1,548 M) without the attribute, for each of the two.
    @exclusivity(unchecked) var internKeys = [[UInt8]](repeating: [], count: 128)
    @exclusivity(unchecked) var internValues = [String](repeating: "", count: 128)
    /// `<error>` texts, reasons and auth results kept per report / record; the rest are counted in a warning.
    static let maximumRepeated = 32
    static let maximumNameInMessage = 64
    static let maximumUnknownNames = 4096
    private var unknownSeen: Set<UInt64> = []

    /// Text matters only inside an element below `<feedback>`.
    var wantsText: Bool { path.count > 1 }

    var feedbackOpen: Bool { !path.isEmpty }
    var openPath: String { path.joined(separator: "/") }
    var unclosedOutside: Int { outsideDepth }

    init(limits: ReportLimits, onRecord: @escaping (AggregateRecord) throws -> Void,
         onHeader: ((ReportSummary) throws -> Void)? = nil) {
        self.limits = limits
        self.onRecord = onRecord
        self.onHeader = onHeader
    }

    /// Hands the header to the consumer once: before the first record, or at the end of a report without any.
    func deliverHeader(_ header: ReportSummary) throws {
        guard !headerDelivered else { return }
        headerDelivered = true
        try onHeader?(header)
    }

    func warn(_ code: ReportWarning.Code, _ message: String) {
        warnings.add(code, message)
    }

    /// The consumer refused a record or the header: the scan stops at the next event.
    func consume(_ error: any Error) {
        consumerError = error
        aborted = true
    }

    /// Rejects the report: the scan stops at the next event.
    func reject(_ error: ReportError) {
        if fieldError == nil { fieldError = error }
        aborted = true
    }

    /// `rawName` is the element's name as written (with any namespace prefix); it is never made a String
    /// unless it is the root's or the element is outside the schema.
    func startElement(_ rawName: ArraySlice<UInt8>, attributes: [String: String]) {
        let name = Self.localName(rawName)
        if rootName == nil { rootName = Self.nameText(rawName) }
        if !text.isEmpty { text.removeAll(keepingCapacity: true) }
        if path.isEmpty {
            if name.elementsEqual("feedback".utf8) && !feedbackClosed {
                path = ["feedback"]
                nodes = [0]
                if attributes.values.contains(ReportSchema.dmarc2Namespace) { summary.schema = .dmarc2 }
            } else {
                outsideDepth += 1
                warn(.strayElement, "element <\(Self.nameText(rawName))> outside <feedback> ignored")
            }
            return
        }
        let parent = nodes[nodes.count - 1]
        let node = parent >= 0 ? FeedbackSchema.tree.child(of: parent, named: name) : -1
        nodes.append(node)
        path.append(node >= 0 ? FeedbackSchema.tree.names[node] : Self.nameText(name))
    }

    func characters(_ bytes: ArraySlice<UInt8>) {
        guard text.count + bytes.count <= limits.textBytes else {
            reject(ReportLimits.exceeded("text_bytes", "\(reportLabel): the text of <\(openPath)> is longer than "
                + "\(limits.textBytes) bytes", limit: limits.textBytes))
            return
        }
        text.append(contentsOf: bytes)
    }

    func endElement() {
        guard !path.isEmpty else { outsideDepth -= 1; return }
        let node = nodes[nodes.count - 1]
        if node == 0 {
            feedbackClosed = true
        } else if node > 0, let field = FeedbackSchema.tree.fields[node] {
            assign(field)
        } else if nodes.count < 2 || nodes[nodes.count - 2] >= 0 {
            // Only the outermost unknown element is named: what it holds is ignored with it.
            warnUnknown()
        }
        if !text.isEmpty { text.removeAll(keepingCapacity: true) }
        path.removeLast()
        nodes.removeLast()
    }

    /// Warns once per unknown element name and parent, cheaply: a report of a million `<junk/>` elements pays a
    /// hash and a set lookup for each, not a message.
    private func warnUnknown() {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325 ^ UInt64(bitPattern: Int64(nodes.count > 1 ? nodes[nodes.count - 2] : 0))
        for byte in path[path.count - 1].utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        guard unknownSeen.count < Self.maximumUnknownNames else {
            if !unknownSeen.contains(h) { warnings.add(.unknownElement, "more unknown element names") }
            return
        }
        guard unknownSeen.insert(h).inserted else { return }
        let key = path.dropFirst().joined(separator: "/")
        if !key.hasPrefix("extension"), !key.hasPrefix("record/extensions") {
            warn(.unknownElement, "unknown element <\(key)> ignored")
        }
    }

    /// The report and the open element, for a limit's message.
    var limitContext: String {
        path.isEmpty ? reportLabel : "\(reportLabel), inside <\(openPath)>"
    }

    /// "report 'id'" once the id is read, for messages that must name the report.
    var reportLabel: String {
        summary.metadata.reportID.isEmpty ? "report (id not yet read)"
            : "report \(ReportValues.shown(summary.metadata.reportID))"
    }

    /// The text without surrounding XML white space, decoded (the scanner's input is valid UTF-8).
    static func trimmed(_ bytes: [UInt8]) -> String {
        let range = trimmedRange(bytes)
        return range.isEmpty ? "" : String(decoding: bytes[range], as: UTF8.self)
    }

    static func trimmedRange(_ bytes: [UInt8]) -> Range<Int> {
        var lower = 0, upper = bytes.count
        while lower < upper, XMLScanner.isSpace(bytes[lower]) { lower += 1 }
        while upper > lower, XMLScanner.isSpace(bytes[upper - 1]) { upper -= 1 }
        return lower..<upper
    }

    static func localName(_ name: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        guard let colon = name.lastIndex(of: 0x3A) else { return name }
        return name[(colon + 1)...]
    }

    /// An element name for a message, cut short (a tag may be 64 KiB long).
    static func nameText(_ name: ArraySlice<UInt8>) -> String {
        guard name.count > maximumNameInMessage else { return String(decoding: name, as: UTF8.self) }
        return String(decoding: name.prefix(maximumNameInMessage), as: UTF8.self) + "..."
    }
}

extension AggregateRecord {
    /// Empties the record for the next one, keeping its arrays' storage.
    mutating func reset() {
        sourceIP = ""; count = 0; disposition = ""; dkim = ""; spf = ""; headerFrom = ""
        envelopeFrom = nil; envelopeTo = nil
        reasons.removeAll(keepingCapacity: true)
        dkimResults.removeAll(keepingCapacity: true)
        spfResults.removeAll(keepingCapacity: true)
    }
}
