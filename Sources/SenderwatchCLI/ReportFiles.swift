import AuthReports
import Inventory
import Foundation

/// A file read with plain `read(2)` in the parser's chunk size: the report is never loaded whole.
final class FileByteSource: ByteSource {
    private let fd: Int32
    private let owned: Bool

    init(path: String) throws {
        fd = open(path, O_RDONLY)
        owned = true
        guard fd >= 0 else { throw ReportFileError(path: path, reason: String(cString: strerror(errno))) }
    }

    /// Standard input (`ingest -`), left open when done.
    init(standardInput: Void) {
        fd = STDIN_FILENO
        owned = false
    }

    deinit { if owned { close(fd) } }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let n = Foundation.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno != EINTR { throw ReportFileError(path: "", reason: String(cString: strerror(errno))) }
        }
    }
}

struct ReportFileError: Error, CustomStringConvertible {
    let path: String
    let reason: String
    var description: String { path.isEmpty ? reason : "\(path): \(reason)" }
}

/// The files an `ingest` argument names: a file itself; every regular file below a directory (a Maildir's
/// cur/ and new/ included, its tmp/ and hidden files skipped), in name order. Containers are told apart by
/// their bytes later, never by their names. Below a directory only regular files are read: a FIFO or a
/// device there would block the batch or never end.
enum ReportFiles {
    static func expand(_ path: String) -> [(path: String, problem: String?)] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return [(path, "no such file or directory")]
        }
        guard isDirectory.boolValue else { return [(path, nil)] }
        guard let enumerator = FileManager.default.enumerator(atPath: path) else { return [(path, "cannot list the directory")] }
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            let components = relative.split(separator: "/")
            if components.contains(where: { $0.hasPrefix(".") }) { continue }
            // Maildir: tmp/ holds messages still being delivered.
            if components.count >= 2, components[components.count - 2] == "tmp", isMaildir(path, components.dropLast(2)) { continue }
            let full = (path as NSString).appendingPathComponent(relative)
            if isRegularFile(full) { files.append(full) }
        }
        return files.sorted().map { ($0, nil) }
    }

    /// stat(2), following symbolic links: a link to a regular file counts as one.
    static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    private static func isMaildir(_ root: String, _ components: ArraySlice<Substring>) -> Bool {
        let base = components.isEmpty ? root : (root as NSString).appendingPathComponent(components.joined(separator: "/"))
        return ["cur", "new", "tmp"].allSatisfy { FileManager.default.fileExists(atPath: (base as NSString).appendingPathComponent($0)) }
    }
}

/// One input of an `ingest` run, in the order given.
enum ReportInput: Sendable {
    case standardInput
    case file(String)
    /// Named but not readable as a report file (missing, not a regular file): the reason.
    case refused(String, String)

    /// What reading a file ahead gave.
    enum Prefetched: Sendable {
        case recorded(RecordedInput)
        /// The file could not be opened: the reason, as a direct read would give it.
        case unopened(String)
        /// Not read ahead (standard input, or more than a recording holds): read it directly.
        case notRead
    }

    /// Files larger than this are read by the writer itself, not ahead: an e-mail or mbox is read whole, and
    /// four such at once would hold four times what a direct read holds.
    static let readAheadFileBytes: Int64 = 8 << 20

    /// Reads the files among `inputs` ahead on up to four threads, eight inputs ahead of the writer; nil on a
    /// single core, or for fewer than two files, where reading ahead cannot gain anything.
    static func readAhead(_ inputs: [ReportInput], reader: ReportReader) -> ReadAhead<Prefetched>? {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let files = inputs.filter { if case .file = $0 { return true } else { return false } }.count
        guard cores > 1, files > 1 else { return nil }
        return ReadAhead(count: inputs.count, threads: min(cores, 4), window: 8) { index in
            guard case .file(let path) = inputs[index] else { return .notRead }
            var info = stat()
            if stat(path, &info) == 0, Int64(info.st_size) > readAheadFileBytes { return .notRead }
            let source: FileByteSource
            do { source = try FileByteSource(path: path) } catch let error as ReportFileError {
                return .unopened(error.reason)
            } catch {
                return .unopened("\(error)")
            }
            return RecordedInput.record(source, reader: reader, preparation: ReportBatch.recordPreparation)
                .map { .recorded($0) } ?? .notRead
        }
    }
}
