import DNSCore

extension AnalysisWalker {
    /// Analyzes the record of `domain`, reached through the term `via` (nil at the top). `topChain` is true for
    /// the top record and the redirect targets that stand in for it.
    func node(_ domain: DomainName, via: SPFTerm?, isTop: Bool, topChain: Bool) async -> SPFNode {
        var node = SPFNode(domain: domain.text, via: via?.source)
        if let cached = built[domain] {
            node = cached
            node.via = via?.source
            return node
        }
        if path.count >= Self.maxDepth {
            node.error = "include/redirect nesting deeper than \(Self.maxDepth)"
            node.verdict = "impossible"
            errors.append(SPFDiagnostic(code: "lookup-limit", message: "SPF for \(domain) nests includes deeper than \(Self.maxDepth) levels", domain: domain.text, term: via?.source))
            return node
        }
        guard let record = await fetch(domain, via: via, isTop: isTop, node: &node) else { return node }
        path.append(domain)
        defer { path.removeLast() }
        node.lookups = record.lookupTermCount
        node.totalLookups = node.lookups
        await walkTerms(record, domain: domain, topChain: topChain, node: &node)
        built[domain] = node
        return node
    }

    /// Looks up and parses the record, recording why when there is none; nil when there is nothing to walk.
    private func fetch(_ domain: DomainName, via: SPFTerm?, isTop: Bool, node: inout SPFNode) async -> SPFRecord? {
        let name = domain.text
        let answer: DNSAnswer
        switch await resolver.resolve(domain, .txt) {
        case .failure(let failure):
            fetched[domain] = .failed(failure)
            node.error = failure.description
            node.verdict = failure.isTemporary ? "unknown" : "impossible"
            if failure.isTemporary {
                unknownParts.append(SPFUnknownPart(kind: .record, name: name, term: via?.source,
                                                   holder: path.last?.text, cause: failure))
            }
            errors.append(SPFDiagnostic(code: failure.isTemporary ? "dns-temporary" : "dns-failure", message: "looking up the SPF record of \(name): \(failure)", domain: name, term: via?.source))
            return nil
        case .success(let a): answer = a
        }
        let raw: [[[UInt8]]] = answer.records.compactMap { if case .txt(let s) = $0.data { s } else { nil } }
        switch SPFRecordSelection(texts: raw.map { $0.flatMap { $0 } }) {
        case .none:
            fetched[domain] = .absent
            node.error = "no SPF record"
            if isTop {
                errors.append(SPFDiagnostic(code: "no-record", message: "\(name) publishes no SPF record (no TXT record starting with v=spf1)", domain: name))
            } else {
                let kind = via?.mechanism == nil ? "redirect" : "include"
                errors.append(SPFDiagnostic(code: "include-no-spf", message: "\(via?.source ?? name) points at \(name), which has no SPF record: receivers return permerror when they reach this \(kind) (RFC 7208 section 5.2 and 6.1)", domain: name, term: via?.source))
            }
            return nil
        case .multiple(let records):
            fetched[domain] = .unusable
            node.error = "\(records.count) SPF records"
            errors.append(SPFDiagnostic(code: "multiple-records", message: "\(name) publishes \(records.count) SPF records; receivers return permerror (RFC 7208 section 4.5)", domain: name, term: via?.source))
            return nil
        case .nonASCII:
            fetched[domain] = .unusable
            node.error = "non-ASCII characters"
            errors.append(SPFDiagnostic(code: "non-ascii", message: "the SPF record of \(name) contains non-ASCII characters; receivers return permerror (RFC 7208 section 3.1)", domain: name, term: via?.source))
            return nil
        case .record(let text):
            node.record = text
            let strings = raw.first { isSPFStrings($0) } ?? []
            checkLength(strings, domain: name)
            do throws(SPFSyntaxError) {
                let record = try SPFRecord.parsedCached(text)
                fetched[domain] = .record(record, strings)
                return record
            } catch {
                fetched[domain] = .unusable
                node.error = error.description
                errors.append(SPFDiagnostic(code: "syntax", message: "the SPF record of \(name) has a \(error); receivers return permerror", domain: name, term: error.term))
                return nil
            }
        }
    }

    private func isSPFStrings(_ strings: [[UInt8]]) -> Bool {
        SPFRecordSelection.isSPF(strings.flatMap { $0 })
    }

    /// RFC 7208 section 3.4: keep the record small enough for a 512-octet UDP answer; a character-string
    /// holds at most 255 octets (RFC 1035 section 3.3).
    private func checkLength(_ strings: [[UInt8]], domain: String) {
        let total = strings.reduce(0) { $0 + $1.count }
        if total > 450 {
            warnings.append(SPFDiagnostic(code: "too-long", message: "the SPF record of \(domain) is \(total) octets; RFC 7208 section 3.4 recommends under 450 so the answer fits in 512 octets", domain: domain))
        }
        for (index, s) in strings.enumerated() where s.count > 255 {
            warnings.append(SPFDiagnostic(code: "string-too-long", message: "string \(index + 1) of the SPF record of \(domain) is \(s.count) octets; a DNS character-string holds at most 255", domain: domain))
        }
    }
}
