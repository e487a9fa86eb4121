/// One report found in an input (a file may hold several: an mbox, a message with two attachments).
public struct ReportOutcome: Sendable {
    /// 0-based index of the report within the input, as passed to `onRecord`.
    public let part: Int
    /// Where in the input it was, e.g. `message 2, attachment report.xml.gz`; nil for a bare report.
    public let location: String?
    public let container: ContainerKind
    /// What the report is; for a failed one, what it was read as.
    public var kind: ReportKind = .aggregate
    public let result: Result<ReportSummary, ReportError>
}

/// The kinds of report an input can hold.
public enum ReportKind: String, Hashable, Sendable, Codable {
    /// A DMARC aggregate report (RFC 7489 appendix C, RFC 9990).
    case aggregate
    /// An SMTP TLS report (RFC 8460).
    case tlsrpt
    /// A DMARC failure report (RFC 9991, in ARF).
    case failure
}

/// Finds the aggregate reports in an input whatever its container (raw XML, gzip, zip, an e-mail message or an
/// mbox), and streams each through `AggregateReportParser`. XML, gzip and zip stream, every report entry of a
/// zip in turn; a message is read whole, up to `limits.messageBytes`, because its MIME structure must be seen
/// before the attachment is decoded. Every size, depth and count is bounded by `limits`, and one report's
/// failure is that report's outcome: the reports before and after it in the input are still read.
public struct ReportReader: Sendable {
    public var limits: ReportLimits
    /// Keep a failure report's original header section (personal data; the body is never kept).
    public var keepFailureHeaders = false
    /// Containers inside containers (a zip in a gzip, a report attached to an attached message).
    public static let maximumNesting = 4

    public init(limits: ReportLimits = ReportLimits()) { self.limits = limits }

    public func read(_ source: any ByteSource,
                     onRecord: (_ part: Int, _ record: AggregateRecord) throws -> Void) -> [ReportOutcome] {
        var outcomes: [ReportOutcome] = []
        withoutActuallyEscaping(onRecord) { onRecord in
            let callbacks = Callbacks(header: { _, _ in }, record: onRecord, outcome: { _ in }, tls: { _, _ in }, failure: { _, _ in })
            read(source, location: nil, depth: 0, outcomes: &outcomes, callbacks)
        }
        return outcomes
    }

    /// Streams every report of the input to `consumer`: its header, then its records, then its outcome, one
    /// report after the other, so a consumer can hold one report's state (a transaction) at a time.
    public func read(_ source: any ByteSource, into consumer: some ReportConsumer) -> [ReportOutcome] {
        var outcomes: [ReportOutcome] = []
        let callbacks = Callbacks(header: { try consumer.reportBegins(part: $0, header: $1) },
                                  record: { try consumer.record(part: $0, $1) },
                                  outcome: { consumer.reportEnds($0) },
                                  tls: { try consumer.tlsReport(part: $0, $1) },
                                  failure: { try consumer.failureReport(part: $0, $1) })
        read(source, location: nil, depth: 0, outcomes: &outcomes, callbacks)
        return outcomes
    }

    private struct Callbacks {
        let header: (Int, ReportSummary) throws -> Void
        let record: (Int, AggregateRecord) throws -> Void
        let outcome: (ReportOutcome) -> Void
        let tls: (Int, TLSReport) throws -> Void
        let failure: (Int, FailureReport) throws -> Void
    }

    /// Every report of the input with its records in memory.
    public func readAll(_ source: any ByteSource) -> [(outcome: ReportOutcome, records: [AggregateRecord])] {
        var records: [Int: [AggregateRecord]] = [:]
        let outcomes = read(source) { part, record in records[part, default: []].append(record) }
        return outcomes.map { ($0, (try? $0.result.get()) == nil ? [] : records[$0.part] ?? []) }
    }

    private func read(_ source: any ByteSource, location: String?, depth: Int, outcomes: inout [ReportOutcome],
                      _ callbacks: Callbacks) {
        let part = outcomes.count
        var kind = ContainerKind.unknown
        var reportKind = ReportKind.aggregate
        func record(_ result: Result<ReportSummary, ReportError>) {
            // A container's failure comes after the outcomes of the reports it held.
            let outcome = ReportOutcome(part: outcomes.count, location: location, container: kind, kind: reportKind, result: result)
            outcomes.append(outcome)
            callbacks.outcome(outcome)
        }
        do {
            let peeking: PeekingSource
            do { peeking = try PeekingSource(source, peek: 512) } catch let error as ReportError { throw error } catch {
                throw ReportError(.unreadable, "reading failed: \(error)")
            }
            kind = ContainerKind.detect(peeking.prefix)
            switch kind {
            case .empty: throw ReportError(.empty, "the input is empty or blank")
            case .unknown:
                throw ReportError(.unknownFormat, "not XML, JSON, gzip, zip or an e-mail message (first bytes \(hex(peeking.prefix.prefix(8))))")
            case .json:
                reportKind = .tlsrpt
                let bytes = try readWhole(peeking, limit: limits.tlsReportBytes, key: "tlsrpt_bytes", what: "the JSON report")
                let report = try TLSReportParser(limits: limits).parse(bytes)
                do { try callbacks.tls(part, report) } catch let error as ReportError { throw error } catch {
                    throw ReportError(.rejectedByConsumer, "\(error)")
                }
                record(.success(report.summary))
            case .xml:
                let parser = AggregateReportParser(limits: limits)
                record(.success(try parser.parse(peeking, onHeader: { try callbacks.header(part, $0) },
                                                 onRecord: { try callbacks.record(part, $0) })))
            case .gzip:
                try nested(InflateSource(peeking, format: .gzip, limits: limits), location: location, depth: depth,
                           outcomes: &outcomes, callbacks)
            case .zip:
                try readZip(peeking, location: location, depth: depth, outcomes: &outcomes, callbacks)
            case .email, .mbox:
                guard depth < Self.maximumNesting else { throw ReportError(.unsupportedContainer, "containers nested too deep") }
                let bytes = try readWhole(peeking, limit: limits.messageBytes, key: "message_bytes", what: "the message")
                let (messages, more) = kind == .mbox
                    ? Mbox.messages(bytes, limit: limits.mboxMessages) : ([bytes[...]], false)
                for (index, message) in messages.enumerated() {
                    let place = messages.count > 1 ? join(location, "message \(index + 1)") : location
                    readMessage(message, location: place, depth: depth, outcomes: &outcomes, callbacks)
                }
                if more {
                    throw ReportLimits.exceeded("mbox_messages", "the mbox holds more than \(limits.mboxMessages) "
                        + "messages; the first \(limits.mboxMessages) were read", limit: limits.mboxMessages)
                }
            }
        } catch let error as ReportError {
            record(.failure(error))
        } catch {
            record(.failure(ReportError(.unreadable, "\(error)")))
        }
    }

    /// The rest of `source`, for a container that must be read whole; past `limit` bytes it is refused with
    /// the settings key that raises it.
    private func readWhole(_ source: PeekingSource, limit: Int, key: String, what: String) throws(ReportError) -> [UInt8] {
        let bytes: [UInt8]?
        do { bytes = try source.readAll(limit: limit) } catch let error as ReportError {
            throw error
        } catch {
            throw ReportError(.unreadable, "reading failed: \(error)")
        }
        guard let bytes else { throw ReportLimits.exceeded(key, "\(what) is larger than \(limit) bytes", limit: limit) }
        return bytes
    }

    /// A decompressed stream: usually XML, but a zip inside a gzip happens.
    private func nested(_ source: any ByteSource, location: String?, depth: Int, outcomes: inout [ReportOutcome],
                        _ callbacks: Callbacks) throws(ReportError) {
        guard depth < Self.maximumNesting else { throw ReportError(.unsupportedContainer, "containers nested too deep") }
        read(source, location: location, depth: depth + 1, outcomes: &outcomes, callbacks)
    }

    /// Every entry of the archive that holds a report (XML, gzip or zip, told by its first bytes) is read in
    /// turn; other entries (a README, a signature) are skipped.
    private func readZip(_ source: any ByteSource, location: String?, depth: Int, outcomes: inout [ReportOutcome],
                         _ callbacks: Callbacks) throws(ReportError) {
        let archive = ZipArchive(source, limits: limits)
        var reports = 0
        while let entry = try archive.next() {
            let place = join(location, "zip entry \(entry.name)")
            guard let data = entry.data else {
                if let problem = entry.problem { fail(problem, location: place, container: .zip, &outcomes, callbacks) }
                reports += 1
                continue
            }
            let peeking: PeekingSource
            do { peeking = try PeekingSource(data, peek: 512) } catch {
                fail(error as? ReportError ?? ReportError(.unreadable, "reading failed: \(error)"), location: place,
                     container: .zip, &outcomes, callbacks)
                reports += 1
                continue
            }
            guard [.xml, .gzip, .zip, .json].contains(ContainerKind.detect(peeking.prefix)) else { continue }
            reports += 1
            try nested(peeking, location: place, depth: depth, outcomes: &outcomes, callbacks)
        }
        if reports == 0 { throw ReportError(.notAggregateReport, "zip archive holds no report (no XML, JSON, gzip or zip entry)") }
    }

    private func fail(_ error: ReportError, location: String?, container: ContainerKind, _ outcomes: inout [ReportOutcome],
                      _ callbacks: Callbacks, kind: ReportKind = .aggregate) {
        finish(.failure(error), location: location, container: container, &outcomes, callbacks, kind: kind)
    }

    private func finish(_ result: Result<ReportSummary, ReportError>, location: String?, container: ContainerKind,
                        _ outcomes: inout [ReportOutcome], _ callbacks: Callbacks, kind: ReportKind) {
        let outcome = ReportOutcome(part: outcomes.count, location: location, container: container, kind: kind, result: result)
        outcomes.append(outcome)
        callbacks.outcome(outcome)
    }

    private func readMessage(_ bytes: ArraySlice<UInt8>, location: String?, depth: Int, outcomes: inout [ReportOutcome],
                             _ callbacks: Callbacks) {
        let message: MIMEPart
        let leaves: [MIMEPart]
        do {
            message = try MIMEPart(bytes, headerLimit: limits.headerBytes)
            var budget = MIMEPart.Budget(limits: limits)
            leaves = try message.leaves(&budget)
        } catch {
            fail(error, location: location, container: .email, &outcomes, callbacks)
            return
        }
        // A failure report first: the original message it carries may have attachments of its own.
        if let fields = leaves.first(where: { $0.contentType == "message/feedback-report" }) {
            readFailureReport(fields, leaves: leaves, message: message, location: location, outcomes: &outcomes, callbacks)
            return
        }
        var found = false
        for leaf in leaves where isCandidate(leaf) {
            let bytes = leaf.decodedBody
            let kind = ContainerKind.detect(bytes.prefix(512))
            guard [.xml, .gzip, .zip, .json].contains(kind) else { continue }
            found = true
            let name = leaf.filename.map { "attachment \($0)" } ?? "part \(leaf.contentType)"
            read(DataByteSource(bytes), location: join(location, name), depth: depth + 1, outcomes: &outcomes, callbacks)
        }
        guard !found else { return }
        let types = leaves.map(\.contentType)
        let subject = (message.header("Subject") ?? "").lowercased()
        let reportType = message.parameter("Content-Type", "report-type")?.lowercased()
        let isFailureReport = types.contains("message/feedback-report")
            || (message.contentType == "multipart/report" && (reportType == nil || reportType == "feedback-report"))
            || subject.contains("failure report") || subject.contains("forensic report")
        let error = isFailureReport
            ? ReportError(.failureReport, "a DMARC failure report without a message/feedback-report part (RFC 6591 "
                + "section 3): its source and results cannot be read reliably, so nothing is counted")
            : ReportError(.notAggregateReport, "message has no XML, JSON, gzip or zip attachment (parts: \(Set(types).sorted().joined(separator: ", ")))")
        fail(error, location: location, container: .email, &outcomes, callbacks, kind: isFailureReport ? .failure : .aggregate)
    }

    /// A failure report: the feedback fields, and the original message's headers (never its body).
    private func readFailureReport(_ fields: MIMEPart, leaves: [MIMEPart], message: MIMEPart, location: String?,
                                   outcomes: inout [ReportOutcome], _ callbacks: Callbacks) {
        let part = outcomes.count
        let result: Result<ReportSummary, ReportError>
        do {
            var original: MIMEPart?
            if let attached = leaves.first(where: { $0.contentType == "message/rfc822" || $0.contentType == "text/rfc822-headers" }) {
                var bytes = attached.decodedBody
                bytes.append(contentsOf: [0x0A, 0x0A])
                original = try? MIMEPart(bytes[...], headerLimit: limits.headerBytes)
            }
            let parser = FailureReportParser(keepHeaders: keepFailureHeaders)
            let report = try parser.parse(fields: fields.decodedBody, original: original, outer: message)
            try callbacks.failure(part, report)
            result = .success(report.summary)
        } catch let error as ReportError {
            result = .failure(error)
        } catch {
            result = .failure(ReportError(.rejectedByConsumer, "\(error)"))
        }
        finish(result, location: location, container: .email, &outcomes, callbacks, kind: .failure)
    }

    /// Attachments and inline parts that may hold a report; text bodies and the forensic sample are skipped.
    private func isCandidate(_ part: MIMEPart) -> Bool {
        let type = part.contentType
        if type.hasPrefix("multipart/") || type == "message/rfc822" || type == "message/feedback-report" { return false }
        if type == "text/rfc822-headers" || type == "text/html" { return false }
        return true
    }

    private func join(_ outer: String?, _ inner: String) -> String { outer.map { "\($0), \(inner)" } ?? inner }
    private func hex(_ bytes: some Collection<UInt8>) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined(separator: " ")
    }
}

/// Receives the reports of one input in order (see `ReportReader.read(_:into:)`). For each report
/// `reportBegins` comes first (unless the input was unreadable before any report began), then its records,
/// then `reportEnds` with the outcome; an error thrown by the first two rejects that report.
public protocol ReportConsumer: AnyObject {
    func reportBegins(part: Int, header: ReportSummary) throws
    func record(part: Int, _ record: AggregateRecord) throws
    /// A record replayed from a `RecordedInput`, with what its `Preparation` made of it (nil when none).
    func record(part: Int, _ record: AggregateRecord, prepared: (any Sendable)?) throws
    func reportEnds(_ outcome: ReportOutcome)
    /// An SMTP TLS report read whole, before its `reportEnds`; a throw rejects it.
    func tlsReport(part: Int, _ report: TLSReport) throws
    /// A failure report read whole, before its `reportEnds`; a throw rejects it.
    func failureReport(part: Int, _ report: FailureReport) throws
}

extension ReportConsumer {
    public func record(part: Int, _ record: AggregateRecord, prepared: (any Sendable)?) throws {
        try self.record(part: part, record)
    }
    public func tlsReport(part: Int, _ report: TLSReport) throws {
        throw ReportError(.rejectedByConsumer, "SMTP TLS reports are not read here")
    }
    public func failureReport(part: Int, _ report: FailureReport) throws {
        throw ReportError(.rejectedByConsumer, "failure reports are not read here")
    }
}
