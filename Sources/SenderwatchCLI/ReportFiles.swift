import AuthReports
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
