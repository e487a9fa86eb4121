import Audit
import Foundation

/// The dashboard's JSON: the store's canonical encoder (sorted keys), and the version of the contract, which
/// is the project's (README, JSON output): a change that breaks a consumer bumps it.
enum DashboardJSON {
    static let schemaVersion = 2
    static var encoder: JSONEncoder { JSONCoding.encoder }

    static func date(_ seconds: Int64?) -> String? { seconds.map(Timestamp.iso) }

    /// Evidence and other JSON objects of strings the store keeps as text.
    static func strings(_ json: String) -> [String: String] {
        (try? JSONCoding.decoder.decode([String: String].self, from: Data(json.utf8))) ?? [:]
    }

    static func list(_ json: String) -> [String] {
        (try? JSONCoding.decoder.decode([String].self, from: Data(json.utf8))) ?? []
    }

    static func summary(_ json: String?) -> ObservationSummary? {
        json.flatMap { try? JSONCoding.decoder.decode(ObservationSummary.self, from: Data($0.utf8)) }
    }
}

/// Counts per severity, most severe first, every severity present.
struct SeverityCounts: Encodable, Sendable {
    var critical = 0
    var error = 0
    var warning = 0
    var info = 0

    init(_ counts: [String: Int]) {
        critical = counts["critical"] ?? 0; error = counts["error"] ?? 0
        warning = counts["warning"] ?? 0; info = counts["info"] ?? 0
    }

    var total: Int { critical + error + warning + info }
}
