import Audit
import Foundation
import Hummingbird
import Inventory
import Snapshots

/// `/snapshots` and `/api/snapshots`: the snapshots this database chained, and whether the chain holds: each
/// link's file (where it was written) is read and checked as `snapshot verify --against-db` checks it.
struct SnapshotsDocument: Encodable, Sendable {
    struct Link: Encodable, Sendable {
        var sequence: Int64
        var takenAt: String
        var sha256: String
        var contentSHA256: String
        var path: String?
        /// `verified`, `missing` (no file at the path, or none recorded), `changed` (its bytes differ from the
        /// link) or `broken` (its own checks fail).
        var file: String
        var problems: [String]
    }

    var schemaVersion = DashboardJSON.schemaVersion
    /// `ok` (every file present and the chain whole), `incomplete` (some file missing, the rest hold),
    /// `broken`, or `empty` (no snapshot chained yet).
    var chain: String
    var problems: [String]
    var items: [Link]
}

struct SnapshotsContext: Sendable {
    let title = "Snapshots"
    let nav = NavigationEntry.bar("/snapshots")
    let document: SnapshotsDocument
    let rows: [SnapshotsDocument.Link]
    let empty: Bool
}

extension DashboardSite {
    /// Snapshot files are at most this large to be checked here (a snapshot of 10,000 domains is tens of MB).
    static let maximumSnapshotBytes = 512 * 1024 * 1024

    func snapshots(_ request: Request, json: Bool) async throws -> Response {
        _ = try DashboardQuery(request.uri)
        let links = try await store.dashboardSnapshotLinks()
        let document = try await Task.detached { Self.verify(links) }.value
        if json { return try DashboardResponse.json(document) }
        return try self.page("snapshots", SnapshotsContext(document: document, rows: document.items.reversed(), empty: links.isEmpty))
    }

    static func verify(_ links: [SnapshotLinkRow]) -> SnapshotsDocument {
        guard !links.isEmpty else { return SnapshotsDocument(chain: "empty", problems: [], items: []) }
        var files: [(path: String, bytes: Data)] = []
        var items: [SnapshotsDocument.Link] = []
        for link in links {
            var item = SnapshotsDocument.Link(sequence: link.sequence, takenAt: Timestamp.iso(link.takenAt), sha256: link.sha256,
                                              contentSHA256: link.contentSHA256, path: link.path, file: "missing", problems: [])
            if let path = link.path, let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int,
               size <= maximumSnapshotBytes, let bytes = FileManager.default.contents(atPath: path) {
                files.append((path, bytes))
            } else {
                item.problems.append(link.path.map { "no readable file at \($0)" } ?? "written to standard output: no file to check")
            }
            items.append(item)
        }
        let report = SnapshotChain.verify(files, fromStart: files.count == links.count)
        let checked = Dictionary(report.files.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        for index in items.indices {
            guard let path = items[index].path, let file = checked[path] else { continue }
            if file.sha256 != items[index].sha256 {
                items[index].file = "changed"
                items[index].problems.append("the file's SHA-256 is \(file.sha256), the chain recorded \(items[index].sha256)")
            } else {
                items[index].file = file.problems.isEmpty ? "verified" : "broken"
            }
            items[index].problems += file.problems
        }
        var problems = report.linkProblems
        if files.count == links.count { problems += SnapshotChain.compare(report, with: links) }
        let broken = !problems.isEmpty || items.contains { $0.file == "changed" || $0.file == "broken" }
        let chain = broken ? "broken" : (files.count < links.count ? "incomplete" : "ok")
        return SnapshotsDocument(chain: chain, problems: problems, items: items)
    }
}
