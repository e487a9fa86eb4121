/// Every element the aggregate report schemas define (RFC 7489 appendix C, RFC 9990 section 3), by its path
/// below `<feedback>`, as a tree of element names so each element costs a few byte comparisons among its
/// siblings.
enum FeedbackSchema {
    enum Field {
        case container, version
        case orgName, email, extraContactInfo, reportID, begin, end, error, generator
        case domain, p, sp, np, adkim, aspf, fo, testing, discoveryMethod, pct
        case record, sourceIP, count, disposition, dkimAligned, spfAligned, reason, reasonType, reasonComment
        case headerFrom, envelopeFrom, envelopeTo
        case dkim, dkimDomain, dkimSelector, dkimResult, dkimHuman, spf, spfDomain, spfScope, spfResult, spfHuman

        /// Names and addresses: longer than `ReportValues.maximumIdentifierBytes` rejects the report.
        var isIdentifier: Bool {
            switch self {
            case .orgName, .email, .reportID, .domain, .sourceIP, .headerFrom, .envelopeFrom, .envelopeTo,
                 .dkimDomain, .dkimSelector, .spfDomain: true
            default: false
            }
        }
    }

    static let fields: [String: Field] = [
        "version": .version,
        "report_metadata": .container, "report_metadata/date_range": .container,
        "report_metadata/org_name": .orgName, "report_metadata/email": .email,
        "report_metadata/extra_contact_info": .extraContactInfo, "report_metadata/report_id": .reportID,
        "report_metadata/date_range/begin": .begin, "report_metadata/date_range/end": .end,
        "report_metadata/error": .error, "report_metadata/generator": .generator,
        "policy_published": .container, "policy_published/domain": .domain, "policy_published/p": .p,
        "policy_published/sp": .sp, "policy_published/np": .np, "policy_published/adkim": .adkim,
        "policy_published/aspf": .aspf, "policy_published/fo": .fo, "policy_published/testing": .testing,
        "policy_published/discovery_method": .discoveryMethod, "policy_published/pct": .pct,
        "record": .record, "record/row": .container, "record/row/policy_evaluated": .container,
        "record/identifiers": .container, "record/auth_results": .container,
        "record/row/source_ip": .sourceIP, "record/row/count": .count,
        "record/row/policy_evaluated/disposition": .disposition, "record/row/policy_evaluated/dkim": .dkimAligned,
        "record/row/policy_evaluated/spf": .spfAligned, "record/row/policy_evaluated/reason": .reason,
        "record/row/policy_evaluated/reason/type": .reasonType,
        "record/row/policy_evaluated/reason/comment": .reasonComment,
        "record/identifiers/header_from": .headerFrom, "record/identifiers/envelope_from": .envelopeFrom,
        "record/identifiers/envelope_to": .envelopeTo,
        "record/auth_results/dkim": .dkim, "record/auth_results/dkim/domain": .dkimDomain,
        "record/auth_results/dkim/selector": .dkimSelector, "record/auth_results/dkim/result": .dkimResult,
        "record/auth_results/dkim/human_result": .dkimHuman,
        "record/auth_results/spf": .spf, "record/auth_results/spf/domain": .spfDomain,
        "record/auth_results/spf/scope": .spfScope, "record/auth_results/spf/result": .spfResult,
        "record/auth_results/spf/human_result": .spfHuman,
    ]

    struct Tree {
        var children: [[(name: [UInt8], node: Int)]] = [[]]
        var names: [String] = ["feedback"]
        var fields: [Field?] = [nil]

        func child(of parent: Int, named name: ArraySlice<UInt8>) -> Int {
            for entry in children[parent] where entry.name.count == name.count && entry.name.elementsEqual(name) {
                return entry.node
            }
            return -1
        }
    }

    static let tree: Tree = {
        var tree = Tree()
        for (key, field) in fields {
            var node = 0
            for name in key.split(separator: "/").map(String.init) {
                let child = tree.child(of: node, named: Array(name.utf8)[...])
                if child >= 0 { node = child; continue }
                tree.children.append([])
                tree.names.append(name)
                tree.fields.append(nil)
                tree.children[node].append((Array(name.utf8), tree.children.count - 1))
                node = tree.children.count - 1
            }
            tree.fields[node] = field
        }
        return tree
    }()
}
