import DNSCore
import SPF

/// Readable text for the SPF commands.
enum SPFText {
    static func analysis(_ a: SPFAnalysis) -> String {
        var out = ["SPF for \(a.domain)"]
        if let failure = a.topRecordUnknown {
            out.append("  record:        unknown: \(failure)")
            return out.joined(separator: "\n")
        }
        out.append("  record:        \(a.record.map { "\"\($0)\"" } ?? "(none)")")
        if let result = a.result, result != .pass {
            out.append("  result:        \(result.rawValue) for every sender")
        }
        let over = a.dnsLookups > 10
        let atLeast = a.dnsLookupsAreLowerBound ? "at least " : ""
        out.append("  DNS lookups:   \(atLeast)\(a.dnsLookups) of 10 in the worst case\(over ? "  <-- over the limit: receivers return permerror" : "")")
        out.append("  void lookups:  \(a.voidLookupsAreLowerBound ? "at least " : "")\(a.voidLookups) of 2"
                   + (a.voidLookupTerms.isEmpty ? "" : " (\(a.voidLookupTerms.joined(separator: ", ")))"))
        if !a.unknownParts.isEmpty {
            out.append("  unknown (DNS did not answer; counts and networks cover only what did):")
            out += a.unknownParts.map { "    - \($0.label): \($0.cause)" }
        }
        if let tree = a.tree, !tree.children.isEmpty {
            out.append("  include tree (own lookups / with includes):")
            out += treeLines(tree, prefix: "    ", isLast: true, isRoot: true)
        }
        if !a.networks.isEmpty {
            out.append("  authorized networks (\(a.networks.count)):")
            for n in a.networks {
                let qualifier = n.qualifier == "+" ? "" : " (\(n.qualifier))"
                out.append("    \(n.network)\(qualifier)  from \(n.source)\(n.via == a.domain ? "" : " via \(n.via)")")
            }
        }
        if !a.unenumerable.isEmpty {
            out.append("  not enumerable (depend on the sender or on DNS at check time):")
            out += a.unenumerable.map { "    \($0)" }
        }
        let errors = a.errors.filter { $0.code != "dns-temporary" }
        out += diagnostics("errors", errors)
        out += diagnostics("warnings", a.warnings)
        if errors.isEmpty && a.warnings.isEmpty && a.record != nil {
            out.append(a.isComplete ? "  no problems found" : "  no problems found in the parts that answered")
        }
        return out.joined(separator: "\n")
    }

    static func diagnostics(_ title: String, _ list: [SPFDiagnostic]) -> [String] {
        guard !list.isEmpty else { return [] }
        return ["  \(title):"] + list.map { "    - [\($0.code)] \($0.message)" }
    }

    static func treeLines(_ node: SPFNode, prefix: String, isLast: Bool, isRoot: Bool) -> [String] {
        let via = node.via ?? ""
        // `include:x.example` already names its target; only a macro include needs the expanded name shown.
        let namesTarget = via.lowercased().hasSuffix(":" + node.domain.lowercased()) || via.lowercased().hasSuffix("=" + node.domain.lowercased())
        let label = isRoot ? node.domain : (namesTarget ? via : "\(via) -> \(node.domain)")
        var line = "\(label)  [\(node.lookups) / \(node.totalLookups)]"
        if let error = node.error { line += "  ! \(error)" }
        if !node.voidLookups.isEmpty { line += "  void: \(node.voidLookups.joined(separator: ", "))" }
        var lines = [prefix + (isRoot ? "" : (isLast ? "└─ " : "├─ ")) + line]
        let childPrefix = prefix + (isRoot ? "" : (isLast ? "   " : "│  "))
        for (index, child) in node.children.enumerated() {
            lines += treeLines(child, prefix: childPrefix, isLast: index == node.children.count - 1, isRoot: false)
        }
        return lines
    }

    static func check(_ report: SPFCheckOutput, evaluation: SPFEvaluation) -> String {
        var out = ["check_host(\(report.ip), \(report.domain), \(report.sender)) = \(report.result)"]
        switch evaluation.result {
        case .pass: out.append("  \(report.domain) designates \(report.ip) as permitted sender")
        case .fail, .softfail: out.append("  domain of \(report.domain) does not designate \(report.ip) as permitted sender")
        case .neutral: out.append("  \(report.ip) is neither permitted nor denied by domain of \(report.domain)")
        case .none: out.append("  \(report.problem ?? "no SPF record")")
        case .permerror, .temperror: out.append("  \(report.problem ?? report.result)")
        }
        if let mechanism = report.mechanism { out.append("  decided by:   \(mechanism)") }
        if let record = report.record { out.append("  record:       \"\(record)\"") }
        out.append("  DNS lookups:  \(report.dnsLookups), void lookups: \(report.voidLookups)")
        if let explanation = report.explanation { out.append("  explanation:  \(explanation)") }
        if ![.pass, .temperror, .permerror].contains(evaluation.result) {
            let term = report.ip.contains(":") ? "ip6:\(report.ip)" : "ip4:\(report.ip)"
            out.append("  fix: if \(report.ip) is yours, add \(term) (or the sending service's include) to the record")
        }
        if !evaluation.trace.isEmpty {
            out.append("  DNS queries:")
            out += evaluation.trace.map { "    \($0.name) \($0.type): \($0.outcome)" + ($0.term.map { "  (\($0))" } ?? "") }
        }
        return out.joined(separator: "\n")
    }
}
