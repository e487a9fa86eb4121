import ArgumentParser
import Audit
import Foundation
import Inventory

/// `senderwatch tls-reports DOMAIN`: what the SMTP TLS reports ingested say of the domain's inbound sessions.
struct TLSReportsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tls-reports",
        abstract: "List what SMTP TLS reports (RFC 8460) say of a domain's inbound TLS sessions, day by day.",
        discussion: """
        From the reports `senderwatch ingest` stored: per UTC day, the sessions reported, how many failed, and \
        the failures by result type (certificate-expired, sts-policy-fetch-error, ...) and receiving MX; the \
        reporting organisations. A report covering several days is spread over them. `poll` opens \
        tlsrpt.failures from the same data.
        --json: {schemaVersion, domain, since, totals{reports, sessions, failed}, reporters, days[{day, \
        sessions, successful, failed, failures[{resultType, receivingMX, sessions}]}]}; receivingMX is null \
        where the reports named none.
        Exit codes: 0 no session failed in the range; 1 some failed; 2 input error.
        """)

    @Argument(help: "The policy domain of the reports.") var domain: String

    @Option(help: ArgumentHelp("Only days from this one on: YYYY-MM-DD, or a duration back from today such as 30d.", valueName: "date"))
    var since: String?

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        _ = try parseDomain(domain)
        try ObservedCommand.validateSince(since)
    }

    struct Document: Encodable {
        struct Totals: Encodable { let reports: Int; let sessions: Int; let failed: Int }
        struct Failure: Encodable {
            let resultType: String
            @NullEncoded var receivingMX: String?
            let sessions: Int
        }
        struct Day: Encodable {
            let day: String
            let sessions: Int
            let successful: Int
            let failed: Int
            let failures: [Failure]
        }
        let schemaVersion = jsonSchemaVersion
        let domain: String
        @NullEncoded var since: String?
        let totals: Totals
        let reporters: [String]
        let days: [Day]
    }

    func run() async throws {
        let settings = try store.settings()
        let inventory = try store.openExistingStore(settings)
        let name = try parseDomain(domain)
        let sinceDay = since.flatMap { ObservedCommand.sinceDay($0, now: epochNow()) }
        let (days, reporters, reports) = try inventory.tlsReportDays(domain: name.text, since: sinceDay)
        let (sessions, failed) = Self.totals(days)
        if output.json {
            let document = Document(
                domain: name.text, since: sinceDay, totals: .init(reports: reports, sessions: sessions, failed: failed),
                reporters: reporters,
                days: days.map { day in
                    Document.Day(day: day.day, sessions: day.sessions, successful: day.successful, failed: day.failed,
                                 failures: day.failures.map {
                                     Document.Failure(resultType: $0.resultType, receivingMX: $0.receivingMX.isEmpty ? nil : $0.receivingMX,
                                                      sessions: $0.sessions)
                                 })
                })
            print(jsonString(document))
        } else {
            print(Self.text(domain: name.text, days: days, reporters: reporters, reports: reports))
        }
        throw ExitCode(failed > 0 ? ExitStatus.findings : ExitStatus.healthy)
    }

    /// Sessions and failed sessions over `days`.
    static func totals(_ days: [TLSReportDay]) -> (sessions: Int, failed: Int) {
        days.reduce((0, 0)) { ($0.sessions + $1.sessions, $0.failed + $1.failed) }
    }

    static func share(_ part: Int, of total: Int) -> String {
        total == 0 ? "-" : TLSReportFindings.percent(Double(part) / Double(total))
    }

    static func text(domain: String, days: [TLSReportDay], reporters: [String], reports: Int) -> String {
        guard let first = days.first, let last = days.last else { return "\(domain): no SMTP TLS reports stored" }
        let (sessions, failed) = totals(days)
        var lines = ["\(domain): \(reports) SMTP TLS report(s) from \(first.day) to \(last.day), \(sessions) session(s), "
            + "\(failed) failed (\(share(failed, of: sessions)))"]
        lines.append("  day         sessions    failed  share  failures")
        for day in days {
            let total = day.sessions
            let failures = day.failures.sorted { $0.sessions != $1.sessions ? $0.sessions > $1.sessions : $0.resultType < $1.resultType }
                .map { "\($0.resultType)\($0.receivingMX.isEmpty ? "" : " at \($0.receivingMX)") (\($0.sessions))" }
            lines.append("  \(day.day)  \(pad(total, 8))  \(pad(day.failed, 8))  \(share(day.failed, of: total).padding(toLength: 5, withPad: " ", startingAt: 0))  "
                + (failures.isEmpty ? "-" : failures.joined(separator: ", ")))
        }
        lines.append("reporters: " + reporters.joined(separator: ", "))
        return lines.joined(separator: "\n")
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: " ", count: max(0, width - text.count)) + text
    }
}
