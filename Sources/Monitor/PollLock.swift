import MonitorConfig
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An advisory lock beside the database (`DB.lock`) so that cron never runs two polls of one database at
/// once. The kernel releases it when the process dies, however it dies, so a killed poll never blocks the next.
public final class PollLock {
    public let path: String
    private var descriptor: Int32 = -1

    public init(databasePath: String) { path = databasePath + ".lock" }

    /// True when the lock was taken; false when another process holds it.
    public func acquire() throws -> Bool {
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw InputFailure("cannot open the lock file \(path): \(String(cString: strerror(errno)))")
        }
        if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            close(descriptor); descriptor = -1
            return false
        }
        let pid = "\(getpid())\n"
        _ = ftruncate(descriptor, 0)
        _ = pid.withCString { write(descriptor, $0, strlen($0)) }
        return true
    }

    /// The pid written by the current holder, if readable.
    public func holder() -> String? {
        (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public func release() {
        guard descriptor >= 0 else { return }
        flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }
}
