import Monitor
import MonitorConfig
import Foundation
import Inventory

/// How snapshots form a tamper-evident chain.
///
/// Each JSON snapshot carries `sequence` (1, 2, ...), `previousSHA256` (the SHA-256 of the previous
/// snapshot file's exact bytes) and `contentSHA256` (the SHA-256 of its own canonical JSON without that
/// field). The database remembers the newest link, so the next snapshot links to the last one written.
/// Verification reads each file, insists on the canonical bytes (so an edit anywhere, even of white space,
/// shows), recomputes the content digest, then orders the files by sequence and checks that no sequence
/// number is missing and that each `previousSHA256` is the hash of the file before it.
public enum SnapshotChain {
    /// The snapshot as the next link after `head`: its canonical bytes and the link to remember.
    public static func seal(_ snapshot: Snapshot, after head: SnapshotLinkRow?, path: String?, now: Int64) throws -> (Data, SnapshotLinkRow) {
        var sealed = snapshot
        sealed.sequence = Int((head?.sequence ?? 0) + 1)
        sealed.previousSHA256 = head?.sha256
        let (bytes, content) = try canonicalBytes(sealed)
        let link = SnapshotLinkRow(sequence: Int64(sealed.sequence!), sha256: SnapshotBuilder.sha256(bytes),
                                   contentSHA256: content, takenAt: now, path: path, createdAt: now)
        return (bytes, link)
    }

    /// The canonical bytes of a snapshot with its content digest filled in, and that digest.
    public static func canonicalBytes(_ snapshot: Snapshot) throws -> (Data, String) {
        var unsealed = snapshot
        unsealed.contentSHA256 = nil
        let body = try CanonicalJSON.encode(unsealed).removing("contentSHA256")
        let content = SnapshotBuilder.sha256(body.bytes)
        guard case .object(var members) = body else { throw InputFailure("a snapshot must encode as a JSON object") }
        members["contentSHA256"] = .string(content)
        return (CanonicalJSON.object(members).bytes, content)
    }

    /// One file's verdict.
    public struct FileReport: Sendable {
        public var path: String
        public var sha256: String
        public var sequence: Int?
        public var previousSHA256: String?
        public var takenAt: String?
        /// What is wrong with the file itself; empty when it is intact.
        public var problems: [String]
    }

    public struct Report: Sendable {
        public var files: [FileReport]
        /// Broken or missing links between the files.
        public var linkProblems: [String]
        public var ok: Bool { linkProblems.isEmpty && files.allSatisfy { $0.problems.isEmpty } }
    }

    /// Checks each file and the chain they form. `fromStart` demands that the chain begin at sequence 1.
    public static func verify(_ files: [(path: String, bytes: Data)], fromStart: Bool = true) -> Report {
        let reports = files.map { check($0.path, $0.bytes) }
        var links: [String] = []
        let ordered = reports.filter { $0.sequence != nil }.sorted { ($0.sequence!, $0.path) < ($1.sequence!, $1.path) }
        if let first = ordered.first, fromStart, first.sequence != 1 {
            links.append("missing link: the chain starts at sequence \(first.sequence!) (\(first.path)); snapshot(s) 1...\(first.sequence! - 1) were not given")
        }
        if let first = ordered.first, first.sequence == 1, first.previousSHA256 != nil {
            links.append("\(first.path): sequence 1 must not name a previous snapshot, but names \(first.previousSHA256!)")
        }
        for (previous, next) in zip(ordered, ordered.dropFirst()) {
            let (p, n) = (previous.sequence!, next.sequence!)
            if n == p {
                links.append("duplicate sequence \(n): \(previous.path) and \(next.path)")
            } else if n > p + 1 {
                let gap = p + 1 == n - 1 ? "\(p + 1)" : "\(p + 1)...\(n - 1)"
                links.append("missing link: snapshot \(gap) between \(previous.path) (sequence \(p)) and \(next.path) (sequence \(n)) was not given or was removed")
            } else if next.previousSHA256 != previous.sha256 {
                links.append("broken link: \(next.path) (sequence \(n)) names the previous snapshot's SHA-256 as \(next.previousSHA256 ?? "none"), but \(previous.path) (sequence \(p)) hashes to \(previous.sha256)")
            }
        }
        return Report(files: reports, linkProblems: links)
    }

    /// Compares verified files with the links the database recorded: a file that is not the snapshot the
    /// database wrote at its sequence, or newer links than the newest file (the last file removed).
    public static func compare(_ report: Report, with links: [SnapshotLinkRow]) -> [String] {
        var problems: [String] = []
        let recorded = Dictionary(links.map { (Int($0.sequence), $0) }, uniquingKeysWith: { a, _ in a })
        for file in report.files {
            guard let sequence = file.sequence else { continue }
            if let link = recorded[sequence] {
                if link.sha256 != file.sha256 {
                    problems.append("\(file.path) (sequence \(sequence)) is not the snapshot the database recorded: that one hashes to \(link.sha256)")
                }
            } else {
                problems.append("\(file.path) (sequence \(sequence)) is unknown to the database")
            }
        }
        let newest = report.files.compactMap(\.sequence).max() ?? 0
        if let head = links.map({ Int($0.sequence) }).max(), head > newest {
            let gap = newest + 1 == head ? "\(head)" : "\(newest + 1)...\(head)"
            problems.append("missing link: the database recorded snapshot(s) up to \(head), but the newest given is \(newest): snapshot \(gap) was not given or was removed")
        }
        return problems
    }

    static func check(_ path: String, _ bytes: Data) -> FileReport {
        var report = FileReport(path: path, sha256: SnapshotBuilder.sha256(bytes), problems: [])
        let value: CanonicalJSON
        do {
            value = try CanonicalJSON.parse(Array(bytes))
        } catch {
            report.problems.append("not valid snapshot JSON at \(error)")
            return report
        }
        guard case .string(Snapshot.formatName)? = value["format"] else {
            report.problems.append("not a senderwatch snapshot (no \"format\": \"\(Snapshot.formatName)\")")
            return report
        }
        if case .integer(let sequence)? = value["sequence"] { report.sequence = Int(sequence) } else {
            report.problems.append("has no sequence: it was rendered outside the chain")
        }
        if case .string(let previous)? = value["previousSHA256"] { report.previousSHA256 = previous }
        if case .string(let taken)? = value["takenAt"] { report.takenAt = taken }
        let canonical = value.bytes
        if canonical != bytes {
            let offset = Array(zip(canonical, bytes)).firstIndex { $0 != $1 } ?? min(canonical.count, bytes.count)
            report.problems.append("changed: the bytes are not in canonical form (first difference at byte \(offset)), so the file was edited after it was written")
        }
        guard case .string(let recorded)? = value["contentSHA256"] else {
            report.problems.append("has no contentSHA256")
            return report
        }
        let actual = SnapshotBuilder.sha256(value.removing("contentSHA256").bytes)
        if actual != recorded {
            report.problems.append("changed: the content hashes to \(actual), not to the recorded contentSHA256 \(recorded)")
        }
        return report
    }
}
