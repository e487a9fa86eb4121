import AuthReports
import Foundation
import GRDB

/// SMTP TLS reports and failure reports, stored like aggregate reports: each in its own savepoint of the
/// batch's transaction, de-duplicated by reporter and id (the same content is a duplicate, other content a
/// conflict), dated no later than `now` plus a day of clock skew.
extension ReportIngestion {
    /// What a TLS or failure report became, for its `reportEnds`.
    struct OtherOutcome {
        var status: IngestResult.Status
        var digest: String?
        var storedDigest: String?
        var error: String?
    }

    func tlsReport(part: Int, _ report: TLSReport) throws {
        let name = "report \(Self.shown(report.reportID))"
        try refuseFuture(report.end, "\(name): date-range ends")
        guard let spread = UTCDay.spread(begin: report.begin, end: report.end, maximumDays: ReportValues.maximumRangeDays + 1) else {
            throw ReportError(.impossibleValue, "\(name): date-range cannot be spread over days")
        }
        let digest = Self.tlsDigest(report)
        try beginBatchTransaction()
        if let stored = try String.fetchOne(db.cachedStatement(sql: """
            SELECT contentDigest FROM tls_report WHERE orgKey = ? AND reportId = ?
            """), arguments: [report.organization.lowercased(), report.reportID]) {
            other = OtherOutcome(status: stored == digest ? .duplicate : .conflict, digest: digest, storedDigest: stored,
                                 error: stored == digest ? nil : "\(name) from \(report.organization) is stored already with "
                                    + "other content (stored digest \(stored), this one \(digest)); this one is not stored")
            return
        }
        try inSavepoint {
            try db.cachedStatement(sql: """
                INSERT INTO tls_report (orgKey, orgName, reportId, contact, beginAt, endAt, policies, successful, failed,
                                        warningsJSON, contentDigest, file, ingestedAt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [report.organization.lowercased(), report.organization, report.reportID, report.contact,
                                         report.begin, report.end, report.policies.count, report.successfulSessions,
                                         report.failedSessions, Self.json(report.warnings.map(\.description)), digest, file, now])
            let row = db.lastInsertedRowID
            // Sessions per (domain, day, type, result, MX), spread over the days the report covers.
            struct Key: Hashable { let domain, day, type, result, mx: String }
            var sessions: [Key: Int] = [:]
            let weights = spread.map(\.weight)
            let days = spread.map { UTCDay.text(dayNumber: $0.day) }
            func add(_ policy: TLSPolicyResult, _ result: String, _ mx: String, _ count: Int) {
                for (index, share) in UTCDay.split(count, weights: weights).enumerated() where share > 0 {
                    let key = Key(domain: policy.domain, day: days[index], type: policy.type, result: result, mx: mx)
                    sessions[key] = ReportValues.saturatingMessages(sessions[key] ?? 0, share)
                }
            }
            for policy in report.policies {
                add(policy, "success", "", policy.successful)
                var detailed = 0
                for failure in policy.failures {
                    add(policy, failure.resultType, failure.receivingMX ?? "", failure.sessions)
                    detailed = ReportValues.saturatingMessages(detailed, failure.sessions)
                }
                // Failures the details do not explain are kept under their own name.
                if policy.failed > detailed { add(policy, "unexplained", "", policy.failed - detailed) }
            }
            let insert = try db.cachedStatement(sql: """
                INSERT INTO tls_result (reportRowId, policyDomain, day, policyType, resultType, receivingMX, sessions)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            for (key, count) in sessions.sorted(by: { ($0.key.domain, $0.key.day, $0.key.result, $0.key.mx) < ($1.key.domain, $1.key.day, $1.key.result, $1.key.mx) }) {
                try insert.execute(arguments: [row, key.domain, key.day, key.type, key.result, key.mx, count])
            }
            linesWritten += sessions.count
        }
        other = OtherOutcome(status: .ingested, digest: digest)
    }

    func failureReport(part: Int, _ report: FailureReport) throws {
        let name = "failure report \(Self.shown(report.reportID))"
        try refuseFuture(report.arrival, "\(name): the message arrived")
        let digest = Self.failureDigest(report)
        try beginBatchTransaction()
        if let stored = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT sourceIP, arrivalAt, domain FROM failure_report WHERE reporterKey = ? AND reportKey = ?
            """), arguments: [report.reporter, report.reportID]) {
            let storedDigest = Self.failureDigest(sourceIP: stored["sourceIP"], arrival: stored["arrivalAt"], domain: stored["domain"])
            other = OtherOutcome(status: storedDigest == digest ? .duplicate : .conflict, digest: digest, storedDigest: storedDigest,
                                 error: storedDigest == digest ? nil : "\(name) from \(report.reporter) is stored already "
                                    + "with another source, date or domain; this one is not stored")
            return
        }
        try inSavepoint {
            try db.cachedStatement(sql: """
                INSERT INTO failure_report (reporterKey, reportKey, feedbackType, domain, sourceIP, arrivalAt, authFailure,
                    deliveryResult, headerFrom, envelopeFrom, dkimDomain, dkimSelector, spfResult, dkimResult,
                    identityAlignment, userAgent, originalHeaders, file, ingestedAt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [
                    report.reporter, report.reportID, report.feedbackType, report.reportedDomain, report.sourceIP,
                    report.arrival, report.authFailure.joined(separator: ","), report.deliveryResult, report.headerFrom,
                    report.envelopeFrom, report.dkimDomain, report.dkimSelector, report.spfResult, report.dkimResult,
                    report.identityAlignment.joined(separator: ","), report.userAgent, report.originalHeaders, file, now,
                ])
            // The source counts into the observed senders as one message on its arrival day; the reporter names
            // the line as a failure report's, so it is never mistaken for an aggregate report's count.
            let aligned = Set(report.identityAlignment)
            let key = ObservedKey(
                domain: report.reportedDomain, day: UTCDay.text(epochSeconds: report.arrival), sourceIP: report.sourceIP,
                headerFrom: report.headerFrom, envelopeFrom: report.envelopeFrom,
                dkimAligned: aligned.contains("dkim") ? "pass" : "fail", spfAligned: aligned.contains("spf") ? "pass" : "fail",
                dkimResult: report.dkimResult ?? (report.dkimDomain == nil ? "none" : ""), dkimDomain: report.dkimDomain ?? "",
                spfResult: report.spfResult ?? "", spfDomain: report.envelopeFrom, disposition: report.disposition,
                reporter: "\(report.reporter) (failure report)")
            try ObservedUpsert(db).add(key, lineKey: key.lineKey, messages: 1, rows: 1)
            linesWritten += 1
        }
        other = OtherOutcome(status: .ingested, digest: digest)
    }

    /// Runs `body` in the report's savepoint: released when it returns, rolled back when it throws.
    private func inSavepoint(_ body: () throws -> Void) throws {
        try db.cachedStatement(sql: "SAVEPOINT report").execute()
        do {
            try body()
            try db.cachedStatement(sql: "RELEASE SAVEPOINT report").execute()
        } catch {
            rollbackSavepoint()
            throw ReportError(.rejectedByConsumer, "not stored: \(error)")
        }
    }

    /// The result of a TLS or failure report.
    func otherResult(_ outcome: ReportOutcome) -> IngestResult {
        var result = IngestResult(file: file, location: outcome.location, status: .rejected, warnings: [])
        result.kind = outcome.kind
        switch outcome.result {
        case .success(let summary):
            result.orgName = summary.metadata.orgName
            result.reportId = summary.metadata.reportID
            result.domain = summary.policy.domain
            result.records = summary.recordCount
            result.messages = summary.messageCount
            result.warnings = summary.warnings.map(\.description)
            if let other {
                result.status = other.status
                result.digest = other.digest
                result.storedDigest = other.storedDigest
                result.error = other.error
            } else {
                result.error = "not stored: the report was read but no outcome was recorded"
            }
        case .failure(let error):
            result.error = error.description
        }
        other = nil
        return result
    }

    /// A digest of what a TLS report stores: its id, range and every policy's counts and failure lines.
    static func tlsDigest(_ report: TLSReport) -> String {
        var parts = [report.reportID, String(report.begin), String(report.end)]
        for policy in report.policies {
            parts += [policy.type, policy.domain, String(policy.successful), String(policy.failed)]
            for failure in policy.failures.sorted(by: { ($0.resultType, $0.receivingMX ?? "", $0.sessions) < ($1.resultType, $1.receivingMX ?? "", $1.sessions) }) {
                parts += [failure.resultType, failure.receivingMX ?? "", String(failure.sessions)]
            }
        }
        return FailureReportParser.digest(parts)
    }

    static func failureDigest(_ report: FailureReport) -> String {
        failureDigest(sourceIP: report.sourceIP, arrival: report.arrival, domain: report.reportedDomain)
    }

    static func failureDigest(sourceIP: String, arrival: Int64, domain: String) -> String {
        FailureReportParser.digest([sourceIP, String(arrival), domain])
    }
}
