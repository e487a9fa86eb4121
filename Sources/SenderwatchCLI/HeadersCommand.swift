import ArgumentParser
import Audit
import AuthReports
import DNSCore
import Foundation
import Inventory
import SPF

/// `senderwatch headers FILE|-`: the by-hand diagnosis of a bounced or junked message, automated.
struct HeadersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "headers",
        abstract: "Diagnose a saved message: who connected, what the receiver said, and whether SPF authorizes it now.",
        discussion: """
        Reads a message (or just its headers) from FILE, or standard input with -. The connecting IP comes \
        from the topmost Received-SPF client-ip, else the receiver's Authentication-Results, else the \
        topmost Received header with an address. SPF is evaluated now (check_host through --zone or \
        --resolver) for the envelope-from domain (Return-Path), or the header-from domain when there is none, \
        and the answer says plainly whether the domain designates the IP and what to add if not.
        --record stores the message as one observation of the header-from domain (reporter "message headers"), \
        as if a DMARC report had seen it.
        --json: {schemaVersion, connectingIP, connectingIPSource, headerFromDomain, envelopeFrom, \
        envelopeFromDomain, checkedDomain, receiver{spf, dkim, dkimDomain, dmarc, said[]}, hops[{helo, ip, by}], \
        spfNow{result, mechanism, problem}, designated, verdict, fix, recorded}.
        Exit codes: 0 the domain designates the IP; 1 it does not; 2 input error (no IP or domain found); \
        3 temporary DNS failure.
        """)

    @Argument(help: ArgumentHelp("The message file, or - for standard input.", valueName: "file")) var file: String
    @Flag(help: "Store the message as an observed sender of its header-from domain.") var record = false
    @OptionGroup var store: StoreOptions
    @OptionGroup var dns: DNSOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let data: Data
        if file == "-" { data = FileHandle.standardInput.readDataToEndOfFile() } else {
            guard let contents = FileManager.default.contents(atPath: file) else { throw InputError("\(file): cannot read the file") }
            data = contents
        }
        let analysis = HeaderAnalysis(message: String(decoding: data.prefix(1 << 20), as: UTF8.self))
        guard let ip = analysis.connectingIP else {
            throw InputError("\(file): no connecting IP found (no Received-SPF client-ip, no Authentication-Results naming one, no Received header with an address)")
        }
        guard let domainText = analysis.envelopeFromDomain ?? analysis.headerFromDomain, let domain = try? DomainName(domainText) else {
            throw InputError("\(file): no envelope-from (Return-Path) or From: domain found")
        }
        let settings = try store.settings()
        let session = try dns.makeResolver(settings: settings?.dnsSettings ?? .init())
        defer { session.shutdown() }
        let sender = analysis.envelopeFrom.flatMap { $0.contains("@") ? $0 : nil } ?? "postmaster@\(domain.text)"
        let evaluation = await SPFChecker(resolver: session.resolver).checkHost(ip: ip, domain: domain.text, sender: sender)
        // The record text only goes into the fix, which only a failing verdict has: no full analysis otherwise.
        let record = HeaderVerdict.fixable.contains(evaluation.result)
            ? await SPFAnalyzer(resolver: session.resolver).analyze(domain: domain).record : nil
        let verdict = HeaderVerdict(analysis: analysis, ip: ip, domain: domain.text, evaluation: evaluation, record: record)

        var recorded = false
        if self.record {
            let inventory = try store.openStore(settings).0
            try inventory.recordObserved([(verdict.observation(now: epochNow()), 1)])
            recorded = true
        }
        if output.json {
            printJSON(HeadersOutput(analysis: analysis, verdict: verdict, recorded: recorded))
        } else {
            print(verdict.text(recorded: recorded))
        }
        switch evaluation.result {
        case .pass: throw ExitCode(ExitStatus.healthy)
        case .temperror: throw ExitCode(ExitStatus.temporaryFailure)
        default: throw ExitCode(ExitStatus.findings)
        }
    }
}

/// The plain-language answer for one message.
struct HeaderVerdict {
    let analysis: HeaderAnalysis
    let ip: IPAddress
    let domain: String
    let evaluation: SPFEvaluation
    let record: String?

    /// The results a term added to the record would fix.
    static let fixable: [SPFResult] = [.fail, .softfail, .neutral]

    var designated: Bool { evaluation.result == .pass }

    var sentence: String {
        switch evaluation.result {
        case .pass: "\(domain) designates \(ip) as a permitted sender (SPF pass now\(evaluation.mechanism.map { ", by \($0)" } ?? ""))."
        case .none: "\(domain) publishes no SPF record, so it designates no sender at all (SPF none now)."
        case .permerror: "\(domain)'s SPF record is broken (permerror now: \(evaluation.problem ?? "see `senderwatch spf \(domain)`")), so no sender passes."
        case .temperror: "SPF for \(domain) could not be evaluated now (temperror: \(evaluation.problem ?? "DNS failure")); try again."
        default: "\(domain) does NOT designate \(ip) as a permitted sender (SPF \(evaluation.result.rawValue) now\(evaluation.mechanism.map { ", by \($0)" } ?? ""))."
        }
    }

    var fix: String? {
        guard Self.fixable.contains(evaluation.result) else {
            return evaluation.result == .none ? "Publish an SPF record at \(domain) that lists \(ip) (for example \"v=spf1 ip4:\(ip) -all\")" : nil
        }
        let term = ip.isIPv4 ? "ip4:\(ip)" : "ip6:\(ip)"
        var text = "If this sender is yours, add \(term) (or the sending provider's include:) to \(domain)'s SPF record"
        if let record, let edited = SPFRecordEdit.adding(term, to: record) { text += ": \"\(edited)\"" }
        return text
    }

    func observation(now: Int64) -> ObservedKey {
        let from = analysis.headerFromDomain ?? domain
        func aligned(_ other: String?) -> Bool {
            guard let other else { return false }
            return other == from || other.hasSuffix("." + from) || from.hasSuffix("." + other)
        }
        let dkimPass = analysis.receiverDKIM == "pass" && aligned(analysis.receiverDKIMDomain)
        let spfPass = analysis.receiverSPF == "pass" && aligned(analysis.envelopeFromDomain)
        return ObservedKey(domain: from, day: UTCDay.text(epochSeconds: now), sourceIP: ip.description, headerFrom: from,
                           envelopeFrom: analysis.envelopeFromDomain ?? "", dkimAligned: dkimPass ? "pass" : "fail",
                           spfAligned: spfPass ? "pass" : "fail", dkimResult: analysis.receiverDKIM ?? "none",
                           dkimDomain: analysis.receiverDKIMDomain ?? "", spfResult: analysis.receiverSPF ?? "none",
                           spfDomain: analysis.envelopeFromDomain ?? "", disposition: "", reporter: "message headers")
    }

    func text(recorded: Bool) -> String {
        var lines: [String] = []
        lines.append("connecting IP:  \(ip) (from \(analysis.connectingIPSource?.rawValue ?? "?"))")
        lines.append("header from:    \(analysis.headerFromDomain ?? "(none)")")
        lines.append("envelope from:  \(analysis.envelopeFrom ?? "(none)")")
        let receiver = [("spf", analysis.receiverSPF), ("dkim", analysis.receiverDKIM.map { $0 + (analysis.receiverDKIMDomain.map { " (d=\($0))" } ?? "") }),
                        ("dmarc", analysis.receiverDMARC)].compactMap { name, value in value.map { "\(name)=\($0)" } }
        lines.append("receiver said:  " + (receiver.isEmpty ? "(no Authentication-Results or Received-SPF)" : receiver.joined(separator: " ")))
        for said in analysis.receiverSaid { lines.append("                \"\(said)\"") }
        lines.append("SPF now:        " + sentence)
        if let fix { lines.append("fix:            " + fix) }
        if analysis.receiverDMARC == "pass", !designated {
            lines.append("note:           DMARC passed on DKIM alone; if DKIM breaks (a forwarder, a key rotation) the mail fails DMARC")
        }
        if recorded { lines.append("recorded as an observation of \(analysis.headerFromDomain ?? domain)") }
        return lines.joined(separator: "\n")
    }
}

struct HeadersOutput: Encodable {
    struct Receiver: Encodable { let spf, dkim, dkimDomain, dmarc: String?; let said: [String] }
    struct Hop: Encodable { let helo, ip, by: String? }
    struct Verdict: Encodable { let result: String; let mechanism, problem: String? }
    let schemaVersion = jsonSchemaVersion
    let connectingIP: String
    @NullEncoded var connectingIPSource: String?
    @NullEncoded var headerFromDomain: String?
    @NullEncoded var envelopeFrom: String?
    @NullEncoded var envelopeFromDomain: String?
    let checkedDomain: String
    let receiver: Receiver
    let hops: [Hop]
    let spfNow: Verdict
    let designated: Bool
    let verdict: String
    @NullEncoded var fix: String?
    let recorded: Bool

    init(analysis a: HeaderAnalysis, verdict v: HeaderVerdict, recorded: Bool) {
        connectingIP = v.ip.description; connectingIPSource = a.connectingIPSource?.rawValue
        headerFromDomain = a.headerFromDomain; envelopeFrom = a.envelopeFrom; envelopeFromDomain = a.envelopeFromDomain
        checkedDomain = v.domain
        receiver = Receiver(spf: a.receiverSPF, dkim: a.receiverDKIM, dkimDomain: a.receiverDKIMDomain, dmarc: a.receiverDMARC, said: a.receiverSaid)
        hops = a.hops.map { Hop(helo: $0.helo, ip: $0.ip?.description, by: $0.by) }
        spfNow = Verdict(result: v.evaluation.result.rawValue, mechanism: v.evaluation.mechanism, problem: v.evaluation.problem)
        designated = v.designated; verdict = v.sentence; fix = v.fix; self.recorded = recorded
    }

}
