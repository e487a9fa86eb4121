import DNSCore

/// The values of the report's fields: read with checked arithmetic and sane ranges (ReportValues), short words
/// interned, the date range checked before the first record reaches the consumer and again at the end.
extension FeedbackHandler {
    func assign(_ field: Field) {
        switch field {
        case .container, .record, .reason, .dkim, .spf:
            assign(field, "")
            return
        case .count:
            assignCount()
            return
        default: break
        }
        let range = Self.trimmedRange(text)
        if range.count > ReportValues.maximumIdentifierBytes {
            guard Self.isFreeText(field) else {
                reject(ReportError(.impossibleValue, "\(reportLabel): <\(openPath)> is \(range.count) bytes long; "
                    + "no name, address or result word is longer than \(ReportValues.maximumIdentifierBytes)"))
                return
            }
            let cut = String(decoding: text[range].prefix(ReportValues.maximumFreeTextBytes), as: UTF8.self)
            warn(.truncated, "<\(openPath)> of \(range.count) bytes cut to \(ReportValues.maximumFreeTextBytes)")
            assign(field, cut)
            return
        }
        switch field {
        case .disposition, .dkimAligned, .spfAligned, .headerFrom, .envelopeFrom, .envelopeTo, .dkimDomain,
             .dkimSelector, .dkimResult, .spfDomain, .spfScope, .spfResult:
            assign(field, internedText(range))
        default:
            assign(field, range.isEmpty ? "" : String(decoding: text[range], as: UTF8.self))
        }
    }

    static func isFreeText(_ field: Field) -> Bool {
        switch field {
        case .extraContactInfo, .error, .generator, .reasonComment, .dkimHuman, .spfHuman, .version: true
        default: false
        }
    }

    private func assign(_ field: Field, _ value: String) {
        func lowercased(_ value: String) -> String { value.lowercasedIfNeeded }
        switch field {
        case .container, .count: break
        case .version: summary.version = value
        case .orgName: summary.metadata.orgName = value
        case .email: summary.metadata.email = value
        case .extraContactInfo: summary.metadata.extraContactInfo = value
        case .reportID: summary.metadata.reportID = value
        case .begin: beginText = value
        case .end: endText = value
        case .error:
            if summary.metadata.errors.count < Self.maximumRepeated { summary.metadata.errors.append(value) } else {
                warn(.truncated, "more than \(Self.maximumRepeated) <report_metadata/error> elements; the rest ignored")
            }
        case .generator: summary.metadata.generator = value
        case .domain: summary.policy.domain = lowercased(value)
        case .p: summary.policy.p = lowercased(value)
        case .sp: summary.policy.sp = lowercased(value)
        case .np: summary.policy.np = lowercased(value)
        case .adkim: summary.policy.adkim = lowercased(value)
        case .aspf: summary.policy.aspf = lowercased(value)
        case .fo: summary.policy.fo = lowercased(value)
        case .testing: summary.policy.testing = lowercased(value)
        case .discoveryMethod: summary.policy.discoveryMethod = lowercased(value)
        case .pct:
            if let pct = Int(value), (0...100).contains(pct) { summary.policy.pct = pct } else if !value.isEmpty {
                warn(.badNumber, "pct \(ReportValues.shown(value)) is not a percentage from 0 to 100; ignored")
            }
        case .record: emitRecord()
        case .sourceIP: record.sourceIP = value
        case .disposition: record.disposition = result(value, "disposition")
        case .dkimAligned: record.dkim = result(value, "dkim")
        case .spfAligned: record.spf = result(value, "spf")
        case .reason:
            if record.reasons.count < Self.maximumRepeated { record.reasons.append(reason) } else { tooMany("reason") }
            reason = PolicyOverrideReason()
        case .reasonType: reason.type = lowercased(value)
        case .reasonComment: reason.comment = value.isEmpty ? nil : value
        case .headerFrom: record.headerFrom = lowercased(value)
        case .envelopeFrom: record.envelopeFrom = value.isEmpty ? nil : lowercased(value)
        case .envelopeTo: record.envelopeTo = value.isEmpty ? nil : lowercased(value)
        case .dkim:
            if record.dkimResults.count < Self.maximumRepeated { record.dkimResults.append(dkim) } else { tooMany("dkim") }
            dkim = DKIMAuthResult()
        case .dkimDomain: dkim.domain = lowercased(value)
        case .dkimSelector: dkim.selector = value.isEmpty ? nil : value
        case .dkimResult: dkim.result = result(value, "dkim result")
        case .dkimHuman: dkim.humanResult = value.isEmpty ? nil : value
        case .spf:
            if record.spfResults.count < Self.maximumRepeated { record.spfResults.append(spf) } else { tooMany("spf") }
            spf = SPFAuthResult()
        case .spfDomain: spf.domain = lowercased(value)
        case .spfScope: spf.scope = value.isEmpty ? nil : lowercased(value)
        case .spfResult: spf.result = result(value, "spf result")
        case .spfHuman: spf.humanResult = value.isEmpty ? nil : value
        }
    }

    private func tooMany(_ element: String) {
        warn(.truncated, "a record holds more than \(Self.maximumRepeated) <\(element)> elements; the rest ignored")
    }

    /// `<count>`: digits only, at most `ReportValues.maximumMessages`.
    private func assignCount() {
        let range = Self.trimmedRange(text)
        let where_ = "\(reportLabel), record \(summary.recordCount + 1): <record/row/count>"
        switch ReportValues.count(text[range]) {
        case .value(let count):
            record.count = count
            if count > ReportValues.implausibleRecordMessages {
                warn(.implausibleValue, "record \(summary.recordCount + 1) counts \(count) messages from one source, "
                    + "more than \(ReportValues.implausibleRecordMessages); stored as sent")
            }
        case .notANumber:
            reject(ReportError(.impossibleValue, "\(where_) \(ReportValues.shown(Self.trimmed(text))) is not a whole number"))
        case .outOfRange:
            reject(ReportError(.impossibleValue, "\(where_) \(ReportValues.shown(Self.trimmed(text))) is more than "
                + "\(ReportValues.maximumMessages) messages (10^12, more than a day of the world's mail)"))
        }
    }

    /// Counts the record into the totals and hands it on; the header goes first, checked.
    private func emitRecord() {
        guard summary.recordCount < limits.records else {
            reject(ReportLimits.exceeded("records", "\(reportLabel) holds more than \(limits.records) records",
                                        limit: limits.records))
            return
        }
        guard let total = ReportValues.addMessages(summary.messageCount, record.count) else {
            reject(ReportError(.impossibleValue, "\(reportLabel): the records up to record \(summary.recordCount + 1) "
                + "count more than \(ReportValues.maximumMessages) messages together (10^12)"))
            return
        }
        summary.recordCount += 1
        summary.messageCount = total
        if !headerDelivered {
            let header: ReportSummary
            do { header = try self.header(context: " before the first <record>") } catch {
                reject(error)
                return
            }
            do { try deliverHeader(header) } catch { consume(error); return }
        }
        do { try onRecord(record) } catch { consume(error) }
        record.reset()
    }

    /// The metadata and policy read so far, the date range checked.
    func header(context: String) throws(ReportError) -> ReportSummary {
        var copy = summary
        (copy.metadata.begin, copy.metadata.end) = try dateRange(context: context)
        copy.warnings = warnings.all
        return copy
    }

    /// `<date_range>`: both ends present, within 1990..2100, in order, and at most a year apart.
    func dateRange(context: String) throws(ReportError) -> (begin: Int64, end: Int64) {
        let begin = try date(beginText, "begin", context)
        let end = try date(endText, "end", context)
        guard end >= begin else {
            throw ReportError(.impossibleValue, "\(reportLabel): <report_metadata/date_range> is reversed "
                + "(end \(end) is before begin \(begin))")
        }
        // Both ends lie within 1990..2100, so the difference cannot overflow.
        let days = (end - begin) / 86400
        if days > ReportValues.maximumRangeDays {
            throw ReportError(.impossibleValue, "\(reportLabel): <report_metadata/date_range> covers \(days) days "
                + "(\(begin) to \(end)); a report covers at most \(ReportValues.maximumRangeDays)")
        }
        if days > ReportValues.implausibleRangeDays {
            warn(.implausibleValue, "the date range covers \(days) days; spread over every one of them")
        }
        return (begin, end)
    }

    private func date(_ text: String?, _ name: String, _ context: String) throws(ReportError) -> Int64 {
        let element = "<report_metadata/date_range/\(name)>"
        guard let text else { throw ReportError(.missingField, "\(element) is missing\(context)") }
        switch ReportValues.date(text) {
        case .value(let seconds): return seconds
        case .notANumber:
            throw ReportError(.missingField, "\(element) \(ReportValues.shown(text)) is not a number of epoch seconds")
        case .outOfRange:
            throw ReportError(.impossibleValue, "\(reportLabel): \(element) \(ReportValues.shown(text)) "
                + "is outside 1990-01-01..2100-01-01")
        }
    }

    /// Checks the required fields once the document is read.
    func finish() throws(ReportError) -> ReportSummary {
        (summary.metadata.begin, summary.metadata.end) = try dateRange(context: "")
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
            let domain = summary.metadata.email[summary.metadata.email.index(after: at)...]
            summary.metadata.orgName = String(domain).lowercased()
            warn(.emptyOrgName, "org_name is empty; used the domain of email, '\(summary.metadata.orgName)'")
        }
        summary.warnings = warnings.all
        return summary
    }

    /// The text as a String shared with earlier equal values: domains and result words repeat on every record,
    /// and a shared String costs neither an allocation nor a UTF-8 check.
    private func internedText(_ range: Range<Int>) -> String {
        guard !range.isEmpty else { return "" }
        guard range.count <= 64 else { return String(decoding: text[range], as: UTF8.self) }
        var h: UInt32 = 2_166_136_261
        for i in range { h = (h ^ UInt32(text[i])) &* 16_777_619 }
        let slot = Int(h & 127)
        if internKeys[slot].count == range.count, internKeys[slot].elementsEqual(text[range]) { return internValues[slot] }
        let value = String(decoding: text[range], as: UTF8.self)
        internKeys[slot] = Array(text[range])
        internValues[slot] = value
        return value
    }

    /// Result words are lower case in both schemas; some reporters send `Pass` or `PASS`.
    private func result(_ value: String, _ field: String) -> String {
        guard value.utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) else { return value }
        let lower = value.lowercased()
        warn(.upperCaseResult, "\(field) '\(value)' read as '\(lower)'")
        return lower
    }
}
