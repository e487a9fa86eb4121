import DNSCore
import SPF

/// Findings from comparing what SPF authorizes with the approved sender inventory: approved senders that
/// receivers would not accept, and authorizations that no approved sender explains.
enum InventoryFindings {
    static func findings(_ observation: DomainObservation, approved: [ApprovedSender]) -> [Finding] {
        guard !approved.isEmpty, observation.spf.topRecordUnknown == nil, observation.spf.record != nil else { return [] }
        return unauthorizedSenders(observation) + unapprovedAuthorizations(observation, approved)
    }

    // MARK: approved senders that do not pass

    static func unauthorizedSenders(_ o: DomainObservation) -> [Finding] {
        let domain = o.domain.text
        var findings: [Finding] = []
        for expanded in o.expandedSenders {
            let sender = expanded.sender
            let label = describe(sender)
            if sender.kind == .include {
                // Absent from a tree with unanswered parts proves nothing: it may sit below one of them.
                if o.spf.isComplete, !includes(o.spf).contains(sender.value.lowercased()) {
                    findings.append(Finding(
                        kind: .spfSenderUnauthorized, severity: .error, domain: domain, subject: sender.key,
                        message: "\(label) is approved but \(domain)'s SPF record does not include \(sender.value)",
                        evidence: ["sender": sender.key, "lookupsNow": String(o.spf.dnsLookups)],
                        fix: fix(adding: "include:\(sender.value)", to: o.spf, extraLookups: 1)))
                }
                continue
            }
            if expanded.addresses.isEmpty {
                if !expanded.temporary {
                    findings.append(Finding(
                        kind: .inventorySenderUnresolvable, severity: .warning, domain: domain, subject: sender.key,
                        message: "\(label) has no addresses to check: \(expanded.problem ?? "nothing found")",
                        evidence: ["sender": sender.key], fix: "Correct or remove the approved sender"))
                }
                continue
            }
            let checks = o.senderChecks.filter { $0.sender?.key == sender.key }
            // One address checked past an unanswered query leaves the sender unknown.
            guard expanded.failure == nil, !checks.contains(where: { $0.evaluation.unknownCause != nil }) else { continue }
            let failing = checks.filter { $0.evaluation.result != .pass && $0.evaluation.result != .temperror }
            // A permerror record is already reported once for the domain; per-sender copies add nothing.
            guard let first = failing.first, first.evaluation.result != .permerror else { continue }
            let verdict = SPFFindings.receiverVerdict(first.evaluation.result, domain: domain, ip: first.ip)
            var evidence = ["sender": sender.key, "result": first.evaluation.result.rawValue,
                            "addresses": failing.map(\.ip.description).joined(separator: " ")]
            if let mechanism = first.evaluation.mechanism { evidence["mechanism"] = mechanism }
            findings.append(Finding(
                kind: .spfSenderUnauthorized, severity: .error, domain: domain, subject: sender.key,
                message: "\(label) is approved, but \(domain) does not authorize \(failing.map(\.ip.description).joined(separator: ", ")): receivers answer \(verdict)",
                evidence: evidence,
                fix: fix(adding: term(for: sender), to: o.spf, extraLookups: sender.kind == .host || sender.kind == .mx ? 1 : 0)))
        }
        return findings
    }

    /// The term that authorizes a sender: its network for addresses, `a:`/`mx:` for names.
    static func term(for sender: ApprovedSender) -> String {
        switch sender.kind {
        case .ip: (IPAddress(sender.value)?.isIPv4 ?? true) ? "ip4:\(sender.value)" : "ip6:\(sender.value)"
        case .cidr: (CIDRNetwork(sender.value)?.isIPv4 ?? true) ? "ip4:\(sender.value)" : "ip6:\(sender.value)"
        case .host: "a:\(sender.value)"
        case .mx: "mx:\(sender.value)"
        case .include: "include:\(sender.value)"
        }
    }

    static func fix(adding term: String, to spf: SPFAnalysis, extraLookups: Int) -> String {
        var text = "Add \(term) to the SPF record"
        if let record = spf.record, let edited = SPFRecordEdit.adding(term, to: record) { text += ": \"\(edited)\"" }
        if extraLookups > 0 && spf.dnsLookups + extraLookups > 10 {
            text += " (this brings the record to \(spf.dnsLookups + extraLookups) lookups, over the limit of 10: remove or flatten another include first)"
        }
        return text
    }

    static func describe(_ sender: ApprovedSender) -> String {
        let what = "\(sender.kind.rawValue) \(sender.value)"
        return sender.name.map { "\($0) (\(what))" } ?? what
    }

    /// Every include and redirect target in the record's tree, lower-cased.
    static func includes(_ spf: SPFAnalysis) -> Set<String> {
        var found: Set<String> = []
        var stack = spf.tree.map { [$0] } ?? []
        while let node = stack.popLast() {
            if node.via != nil { found.insert(node.domain.lowercased()) }
            stack += node.children
        }
        return found
    }

    // MARK: authorizations nobody approved

    static func unapprovedAuthorizations(_ o: DomainObservation, _ approved: [ApprovedSender]) -> [Finding] {
        let domain = o.domain.text
        let approvedNetworks = approved.compactMap { s -> CIDRNetwork? in
            switch s.kind {
            case .ip: IPAddress(s.value).map { CIDRNetwork(host: $0) }
            case .cidr: CIDRNetwork(s.value)
            default: nil
            }
        }
        let approvedNames = Dictionary(grouping: approved.filter { [.include, .host, .mx].contains($0.kind) }, by: \.kind)
            .mapValues { Set($0.map { $0.value.lowercased() }) }
        var findings: [Finding] = []
        var reported: Set<String> = []
        for network in o.spf.networks where network.qualifier == "+" && network.via.lowercased() == domain.lowercased() {
            let source = network.source
            let lower = source.lowercased()
            if lower.hasPrefix("ip4:") || lower.hasPrefix("ip6:") || lower.hasPrefix("+ip") {
                if approvedNetworks.contains(where: { $0.contains(network.network) }) { continue }
            } else if let target = nameTarget(of: lower, domain: domain.lowercased()) {
                let kind: ApprovedSender.Kind = target.isMX ? .mx : .host
                if approvedNames[kind]?.contains(target.name) == true { continue }
            }
            guard reported.insert(source).inserted else { continue }
            findings.append(Finding(
                kind: .spfUnapprovedAuthorization, severity: .warning, domain: domain, subject: source,
                message: "\(domain)'s SPF authorizes \(source) (\(network.network)), which no approved sender explains",
                evidence: ["term": source, "network": network.network.description],
                fix: "Remove \(source) from the record if nobody sends from there, or approve it in the monitor file"))
        }
        for child in o.spf.tree?.children ?? [] {
            guard let via = child.via else { continue }
            let target = child.domain.lowercased()
            if approvedNames[.include]?.contains(target) == true { continue }
            findings.append(Finding(
                kind: .spfUnapprovedAuthorization, severity: .warning, domain: domain, subject: via,
                message: "\(domain)'s SPF has \(via), which no approved sender explains; everyone who can send through \(target) can send as \(domain)",
                evidence: ["term": via, "lookups": String(child.totalLookups)],
                fix: "Remove \(via) if the service is no longer used, or approve it (include: \(target)) in the monitor file"))
        }
        return findings
    }

    /// The host or domain an `a` / `mx` term names (the domain itself when it names none).
    static func nameTarget(of term: String, domain: String) -> (name: String, isMX: Bool)? {
        var bare = Substring(term)
        if let first = bare.first, "+-~?".contains(first) { bare = bare.dropFirst() }
        let isMX = bare.hasPrefix("mx")
        guard isMX || bare.hasPrefix("a") else { return nil }
        var rest = bare.dropFirst(isMX ? 2 : 1)
        if rest.hasPrefix(":") { rest = rest.dropFirst() } else { return (domain, isMX) }
        let name = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        return (name.isEmpty ? domain : name, isMX)
    }
}
