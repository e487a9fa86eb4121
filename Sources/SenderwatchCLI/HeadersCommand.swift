import ArgumentParser
import Audit
import AuthReports
import Crypto
import DNSCore
import Foundation
import Inventory
import SPF

/// `senderwatch headers FILE|-`: the by-hand diagnosis of a bounced or junked message, automated.
struct HeadersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "headers",
        abstract: "Diagnose a saved message: who connected, what the receiver said, whether SPF authorizes it and its DKIM signatures verify now.",
        discussion: """
        Reads a message (or just its headers, up to the blank line; the header section at most settings \
        ingest_limits.header_bytes, 1 MiB by default, the whole message at most 16 MiB) from FILE, or standard \
        input with -. Only what the \
        receiver wrote is believed: its Received-SPF and Authentication-Results sit above the Received line of \
        the receiving hop (the topmost one whose client is an Internet address; private, loopback and \
        link-local hops are relays inside the receiver), or right below it when they name a trusted receiver. \
        Trusted receivers are --trusted-receiver (repeatable), else the settings' trusted_receivers, else the \
        hosts the Received lines name down to the receiving hop; an Authentication-Results whose authserv-id \
        is not one of them is ignored, and so is every verdict below the receiving hop. Ignored fields are \
        listed with the reason. The connecting IP is the trusted Received-SPF's client-ip, else what the \
        trusted Authentication-Results names, else the receiving hop's client; never an internal address.
        SPF is evaluated now (check_host through --zone or --resolver) for the envelope-from domain \
        (Return-Path), or the header-from domain when there is none, and the answer says plainly whether the \
        domain designates the IP and what to add if not.
        DKIM is verified now too, as a receiver would (RFC 6376, 8301, 8463): each DKIM-Signature (at most 10) \
        with its key fetched through --zone or --resolver, its body hash and its signature (rsa-sha256, \
        ed25519-sha256; rsa-sha1 and RSA keys under 1024 bits are refused), one line per signature with the \
        exact cause of a failure (body changed, headers changed, key missing, revoked, too small or unusable, \
        signature expired, syntax error, l= past the body; temperror when the key lookup failed temporarily), \
        a warning when l= leaves part of the body unsigned, and whether d= aligns with the From domain \
        (strict; relaxed through the Organizational Domains DMARC discovery finds). A message over 16 MiB is \
        diagnosed on its headers and its signatures are not verified. DKIM results do not change the exit code.
        --record stores the message as one observation of the header-from domain (reporter "message headers"), \
        as if a DMARC report had seen it, once: a message is known by its Message-ID, else by the SHA-256 of \
        its header section, and recording it again adds nothing.
        --json: {schemaVersion, connectingIP, connectingIPSource, headerFromDomain, envelopeFrom, \
        envelopeFromDomain, checkedDomain, receiver{spf, dkim, dkimDomain, dmarc, said[]}, hops[{helo, ip, by}], \
        trustedReceivers[], ignored[], spfNow{result, mechanism, problem}, designated, verdict, fix, recorded, \
        messageKey, alreadyRecorded, dkim[{result (pass, fail, temperror), cause, reason, domain, selector, \
        algorithm, keyBits, keyFingerprint, keyTesting, bodyLength, bodyOctets, signsPartOfBody, \
        bodyHashComputed, bodyHashSigned, alignment{fromDomain, strict, relaxed}}], dkimNote}.
        Exit codes: 0 the domain designates the IP; 1 it does not; 2 input error (no IP or domain found); \
        3 temporary DNS failure.
        """)

    @Argument(help: ArgumentHelp("The message file, or - for standard input.", valueName: "file")) var file: String
    @Flag(help: "Store the message as an observed sender of its header-from domain (once per message).") var record = false
    @Option(name: .customLong("trusted-receiver"),
            help: ArgumentHelp("An authserv-id or host whose verdicts to believe (repeatable).", valueName: "name"))
    var trustedReceivers: [String] = []
    @OptionGroup var store: StoreOptions
    @OptionGroup var dns: DNSOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let settings = try store.settings()
        let limit = settings?.ingestLimits.headerBytes ?? ReportLimits().headerBytes
        let saved = try SavedMessage.read(file, headerLimit: limit)
        let header = saved.header
        let trusted = trustedReceivers.isEmpty ? settings?.trustedReceivers ?? [] : trustedReceivers.map { $0.lowercased() }
        let analysis = HeaderAnalysis(message: String(decoding: header, as: UTF8.self), trustedReceivers: trusted)
        guard let ip = analysis.connectingIP else {
            throw InputError("\(file): no connecting IP found (no Received-SPF client-ip, no Authentication-Results naming one, no Received header with an address)")
        }
        guard let domainText = analysis.envelopeFromDomain ?? analysis.headerFromDomain, let domain = try? DomainName(domainText) else {
            throw InputError("\(file): no envelope-from (Return-Path) or From: domain found")
        }
        let session = try dns.makeResolver(settings: settings?.dnsSettings ?? .init())
        defer { session.shutdown() }
        let sender = analysis.envelopeFrom.flatMap { $0.contains("@") ? $0 : nil } ?? "postmaster@\(domain.text)"
        let evaluation = await SPFChecker(resolver: session.resolver).checkHost(ip: ip, domain: domain.text, sender: sender)
        // The record text only goes into the fix, which only a failing verdict has: no full analysis otherwise.
        let record = HeaderVerdict.fixable.contains(evaluation.result)
            ? await SPFAnalyzer(resolver: session.resolver).analyze(domain: domain).record : nil
        let verdict = HeaderVerdict(analysis: analysis, ip: ip, domain: domain.text, evaluation: evaluation, record: record)
        let dkim = await HeaderDKIM.verify(saved, fromDomain: analysis.headerFromDomain, resolver: session.resolver, now: epochNow())

        var recording = HeaderRecording(key: HeaderSection.messageKey(analysis: analysis, header: header))
        if self.record {
            let inventory = try store.openStore(settings).0
            let now = epochNow()
            let observation = verdict.observation(now: now)
            recording.recorded = try inventory.recordHeaderMessage(key: recording.key, observation: observation, now: now)
            if !recording.recorded { recording.earlier = try inventory.headerMessageRecordedAt(key: recording.key) }
        }
        if output.json {
            printJSON(HeadersOutput(analysis: analysis, verdict: verdict, recording: recording, dkim: dkim))
        } else {
            print(verdict.text(recording: recording, dkim: dkim.lines))
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

    func text(recording: HeaderRecording, dkim: [String] = []) -> String {
        var lines: [String] = []
        lines.append("connecting IP:  \(ip) (from \(analysis.connectingIPSource?.rawValue ?? "?"))")
        lines.append("header from:    \(analysis.headerFromDomain ?? "(none)")")
        lines.append("envelope from:  \(analysis.envelopeFrom ?? "(none)")")
        let receiver = [("spf", analysis.receiverSPF), ("dkim", analysis.receiverDKIM.map { $0 + (analysis.receiverDKIMDomain.map { " (d=\($0))" } ?? "") }),
                        ("dmarc", analysis.receiverDMARC)].compactMap { name, value in value.map { "\(name)=\($0)" } }
        lines.append("receiver said:  " + (receiver.isEmpty ? "(no trusted Authentication-Results or Received-SPF)" : receiver.joined(separator: " ")))
        for said in analysis.receiverSaid { lines.append("                \"\(said)\"") }
        for ignored in analysis.ignored { lines.append("ignored:        \(ignored)") }
        lines.append("SPF now:        " + sentence)
        if let fix { lines.append("fix:            " + fix) }
        lines += dkim
        if analysis.receiverDMARC == "pass", !designated {
            lines.append("note:           DMARC passed on DKIM alone; if DKIM breaks (a forwarder, a key rotation) the mail fails DMARC")
        }
        if recording.recorded { lines.append("recorded as an observation of \(analysis.headerFromDomain ?? domain)") }
        if let earlier = recording.earlier {
            lines.append("already recorded (\(isoDate(earlier) ?? "before")); not counted again")
        }
        return lines.joined(separator: "\n")
    }
}

struct HeadersOutput: Encodable {
    struct Receiver: Encodable { let spf, dkim, dkimDomain, dmarc: String?; let said: [String] }
    struct Hop: Encodable { let helo, ip, by: String? }
    struct Verdict: Encodable { let result: String; let mechanism, problem: String? }
    let schemaVersion = jsonSchemaVersion
    let connectingIP: String
    let trustedReceivers: [String]
    let ignored: [String]
    let messageKey: String
    let alreadyRecorded: Bool
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
    let dkim: [HeaderDKIMOutput]
    @NullEncoded var dkimNote: String?

    init(analysis a: HeaderAnalysis, verdict v: HeaderVerdict, recording: HeaderRecording, dkim: HeaderDKIM) {
        connectingIP = v.ip.description; connectingIPSource = a.connectingIPSource?.rawValue
        trustedReceivers = a.trustedReceivers; ignored = a.ignored
        messageKey = recording.key; alreadyRecorded = recording.earlier != nil; recorded = recording.recorded
        headerFromDomain = a.headerFromDomain; envelopeFrom = a.envelopeFrom; envelopeFromDomain = a.envelopeFromDomain
        checkedDomain = v.domain
        receiver = Receiver(spf: a.receiverSPF, dkim: a.receiverDKIM, dkimDomain: a.receiverDKIMDomain, dmarc: a.receiverDMARC, said: a.receiverSaid)
        hops = a.hops.map { Hop(helo: $0.helo, ip: $0.ip?.description, by: $0.by) }
        spfNow = Verdict(result: v.evaluation.result.rawValue, mechanism: v.evaluation.mechanism, problem: v.evaluation.problem)
        designated = v.designated; verdict = v.sentence; fix = v.fix
        self.dkim = dkim.output; dkimNote = dkim.note
    }

}

/// What `--record` did with the message.
struct HeaderRecording {
    /// `message-id:<Message-ID>` or `sha256:<digest of the header section>`.
    let key: String
    var recorded = false
    /// When the message was recorded before, if it was.
    var earlier: Int64?
}

/// The header section of a message: where it ends, and the key a recorded message is known by.
enum HeaderSection {
    /// The index just past the first empty line (LF LF or CR LF CR LF), searching from `from`.
    static func endOfSection(_ bytes: [UInt8], from: Int) -> Int? {
        var i = from
        while i + 1 < bytes.count {
            if bytes[i] == 0x0A {
                if bytes[i + 1] == 0x0A { return i + 2 }
                if i + 2 < bytes.count, bytes[i + 1] == 0x0D, bytes[i + 2] == 0x0A { return i + 3 }
            }
            i += 1
        }
        return nil
    }

    /// The key a recorded message is known by: its Message-ID, else the SHA-256 of its header section with
    /// line ends made LF (the same message saved on two systems has one key).
    static func messageKey(analysis: HeaderAnalysis, header: [UInt8]) -> String {
        if let id = analysis.messageID { return "message-id:\(id)" }
        var normalized: [UInt8] = []
        normalized.reserveCapacity(header.count)
        for (index, byte) in header.enumerated() {
            let crBeforeLF = byte == 0x0D && index + 1 < header.count && header[index + 1] == 0x0A
            if !crBeforeLF { normalized.append(byte) }
        }
        return "sha256:" + SHA256.hash(data: normalized).map { String(format: "%02x", $0) }.joined()
    }
}
