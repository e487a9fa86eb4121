import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An NSD authoritative server on 127.0.0.1 with its own temporary directory, for integration tests.
///
/// Settings that let NSD run as root, unprivileged and without systemd (measured on Debian 12, NSD 4.6):
/// `username: ""`, `chroot: ""`, `database: ""`, all files in the temp dir, `server-count: 1`, and
/// `rrl-ratelimit: 0`, since response-rate limiting is on by default and drops bursts of test queries.
/// The server runs in the foreground (`-d`), so the pid we hold is NSD's own and stopping is by pid.
/// NSD caps UDP answers at 1232 octets, so larger TXT sets exercise the TCP fallback.
public final class NSDServer: @unchecked Sendable {
    /// One zone: its origin (without trailing dot) and its master-file text.
    public struct Zone: Sendable {
        public var origin: String
        public var text: String
        public init(origin: String, text: String) { self.origin = origin; self.text = text }
    }

    public let port: UInt16
    public let directory: URL
    public let zones: [String]
    private let child: ChildProcess
    private let nsdControl: String?

    public var pid: Int32 { child.pid }
    /// For `Nameserver(parsing:)`.
    public var address: String { "127.0.0.1:\(port)" }

    /// Starts NSD serving every `*.zone` file of `directory`, the origin being the file name minus `.zone`.
    /// Returns nil (after printing why) when NSD is not installed, except under CI where that throws.
    public static func start(fixtureDirectory directory: URL) throws -> NSDServer? {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".zone") }.sorted()
        let zones = try files.map { file in
            Zone(origin: String(file.dropLast(".zone".count)), text: try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8))
        }
        return try start(zones: zones)
    }

    public static func start(zones: [Zone]) throws -> NSDServer? {
        guard let nsd = try ServerBinaries.locate("nsd", package: "nsd", candidates: ["/usr/sbin/nsd", "/usr/local/sbin/nsd"]) else { return nil }
        let control = try? ServerBinaries.locateQuietly("nsd-control", candidates: ["/usr/sbin/nsd-control", "/usr/local/sbin/nsd-control"])
        var lastError: Error = LaunchError(message: "NSD did not start")
        for _ in 0..<3 {
            do { return try NSDServer(nsd: nsd, control: control, zones: zones) } catch { lastError = error }
        }
        throw lastError
    }

    private init(nsd: String, control: String?, zones: [Zone]) throws {
        guard let port = LoopbackPorts.freePort() else { throw LaunchError(message: "no free loopback port") }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("senderwatch-nsd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.port = port
        self.directory = directory
        self.zones = zones.map(\.origin)
        self.nsdControl = control
        for zone in zones { try zone.text.write(to: directory.appendingPathComponent("\(zone.origin).zone"), atomically: true, encoding: .utf8) }
        try Self.configuration(directory: directory, port: port, zones: zones.map(\.origin))
            .write(to: directory.appendingPathComponent("nsd.conf"), atomically: true, encoding: .utf8)
        child = try ChildProcess.launch(nsd, ["-d", "-c", directory.appendingPathComponent("nsd.conf").path],
                                        output: directory.appendingPathComponent("nsd.out"))
        let probeName = zones.first?.origin ?? "."
        let deadline = Date().addingTimeInterval(5)
        while LoopbackPorts.probe(port: port, name: probeName) == nil {
            guard child.isRunning, Date() < deadline else {
                let log = (try? String(contentsOf: directory.appendingPathComponent("nsd.log"), encoding: .utf8)) ?? ""
                child.stop()
                throw LaunchError(message: "NSD on port \(port) did not answer within 5 s: \(log.suffix(2000))")
            }
            usleep(20_000)
        }
    }

    deinit { stop() }

    static func configuration(directory: URL, port: UInt16, zones: [String]) -> String {
        var text = """
        server:
            ip-address: 127.0.0.1
            port: \(port)
            server-count: 1
            username: ""
            chroot: ""
            database: ""
            zonesdir: "\(directory.path)"
            pidfile: "\(directory.appendingPathComponent("nsd.pid").path)"
            logfile: "\(directory.appendingPathComponent("nsd.log").path)"
            xfrdfile: "\(directory.appendingPathComponent("xfrd.state").path)"
            zonelistfile: "\(directory.appendingPathComponent("zone.list").path)"
            verbosity: 1
            rrl-ratelimit: 0
            hide-version: yes
        remote-control:
            control-enable: yes
            control-interface: "\(directory.appendingPathComponent("nsd.ctl").path)"

        """
        for zone in zones {
            text += "zone:\n    name: \"\(zone)\"\n    zonefile: \"\(zone).zone\"\n"
        }
        return text
    }

    /// Replaces a zone's text; call `reload()` afterwards.
    public func write(zone origin: String, text: String) throws {
        let url = directory.appendingPathComponent("\(origin).zone")
        let previous = (try? FileManager.default.attributesOfItem(atPath: url.path)[.modificationDate] as? Date) ?? nil
        try text.write(to: url, atomically: true, encoding: .utf8)
        // NSD reloads a zone only when its file's mtime changed, and mtimes here have one-second steps: a
        // rewrite within the same second would go unnoticed, so the new file is dated strictly later.
        let stamp = max(Date(), (previous ?? .distantPast).addingTimeInterval(1))
        try FileManager.default.setAttributes([.modificationDate: stamp], ofItemAtPath: url.path)
    }

    /// Makes NSD re-read changed zone files (SIGHUP), then waits until `ready` says the new data is served.
    public func reload(until ready: @Sendable () async -> Bool, timeout: Double = 20) async throws {
        child.signal(SIGHUP)
        var nextSignal = Date().addingTimeInterval(1)
        let served: Bool? = await Polling.until(timeout: timeout, every: 0.02) {
            if await ready() { return true }
            // A SIGHUP that arrives while NSD is still busy with an earlier reload can be absorbed: ask again.
            if Date() > nextSignal {
                child.signal(SIGHUP)
                nextSignal = Date().addingTimeInterval(1)
            }
            return nil
        }
        guard served != nil else { throw LaunchError(message: "NSD did not serve the new zone data within \(timeout) s") }
    }

    /// Total queries NSD has answered, from `nsd-control stats_noreset`; nil when that is unavailable.
    public var queryCount: Int? {
        guard let nsdControl,
              let text = ChildProcess.run(nsdControl, ["-c", directory.appendingPathComponent("nsd.conf").path, "stats_noreset"])
        else { return nil }
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("num.queries=") }) else { return nil }
        return Int(line.dropFirst("num.queries=".count))
    }

    /// Stops NSD by pid and removes its directory. Safe to call twice.
    public func stop() {
        child.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    public struct LaunchError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }
}

extension ServerBinaries {
    static func locateQuietly(_ program: String, candidates: [String]) throws -> String? {
        candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

// MARK: - Launcher helpers shared with TestNS (kept in this file: TestSupport's other files belong to other modules' owners)


/// Finds the external programs integration tests need. Under CI (`CI=true`) a missing program is an
/// error, so the run fails rather than passing with nothing tested; elsewhere the test skips and says why.
public enum ServerBinaries {
    public struct Missing: Error, CustomStringConvertible {
        public let program: String
        public let package: String
        public var description: String {
            "\(program) not found: install the Debian package \(package) (apt-get install \(package)), or set SENDERWATCH_\(program.uppercased().replacingOccurrences(of: "-", with: "_")) to its path"
        }
    }

    /// The path of `program`: from `SENDERWATCH_<PROGRAM>` if set, else the first of `candidates` that exists.
    public static func locate(_ program: String, package: String, candidates: [String]) throws -> String? {
        let variable = "SENDERWATCH_" + program.uppercased().replacingOccurrences(of: "-", with: "_")
        var paths = candidates
        if let override = ProcessInfo.processInfo.environment[variable], !override.isEmpty { paths.insert(override, at: 0) }
        if let found = paths.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) { return found }
        let missing = Missing(program: program, package: package)
        if SharedData.isCI { throw missing }
        print("note: skipping, \(missing)")
        return nil
    }
}

/// A child process started with posix_spawn and stopped by its pid: SIGTERM, a short wait, then SIGKILL.
/// We spawn and reap it ourselves to control the child's signal mask (see `launch`).
final class ChildProcess: @unchecked Sendable {
    let pid: pid_t
    private var exited = false
    private let lock = NSLock()

    private init(pid: pid_t) { self.pid = pid }

    /// Starts `path` with `arguments`, stdout and stderr appended to `output`.
    static func launch(_ path: String, _ arguments: [String], output: URL) throws -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, output.path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        // The child inherits the calling thread's signal mask, and test-runner threads block SIGTERM:
        // without this reset NSD and ldns-testns ignored our SIGTERM until SIGKILL came.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGHUP, SIGINT, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        guard status == 0 else {
            throw NSDServer.LaunchError(message: "cannot start \(path): \(String(cString: strerror(status)))")
        }
        return ChildProcess(pid: pid)
    }

    /// Runs `path` to completion and returns its standard output.
    static func run(_ path: String, _ arguments: [String]) -> String? {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("senderwatch-run-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        guard let child = try? launch(path, arguments, output: output) else { return nil }
        var status: Int32 = 0
        while waitpid(child.pid, &status, 0) < 0, errno == EINTR {}
        child.markExited()
        return try? String(contentsOf: output, encoding: .utf8)
    }

    var isRunning: Bool {
        lock.lock(); defer { lock.unlock() }
        if exited { return false }
        var status: Int32 = 0
        let reaped = waitpid(pid, &status, WNOHANG)
        // ECHILD: someone else in this process (Foundation's SIGCHLD handling) reaped it already.
        if reaped == pid || (reaped < 0 && errno == ECHILD) || (kill(pid, 0) != 0 && errno == ESRCH) { exited = true }
        return !exited
    }

    private func markExited() { lock.lock(); exited = true; lock.unlock() }

    func signal(_ signal: Int32) { if isRunning { kill(pid, signal) } }

    func stop() {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(3)
        while isRunning, Date() < deadline { usleep(5_000) }
        if isRunning {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            markExited()
        }
    }

    deinit { stop() }
}


/// Loopback helpers for the test-server launchers: a free port, and a tiny DNS probe that says whether a
/// server answers at all (TestSupport does not link libldns, so this speaks just enough of RFC 1035).
public enum LoopbackPorts {
    /// A port that was free for both UDP and TCP on 127.0.0.1 a moment ago. Another process may still take
    /// it before the server binds, so launchers retry with a new port when a start fails.
    public static func freePort() -> UInt16? {
        for _ in 0..<20 {
            guard let port = bindEphemeral(SOCK_DGRAM, port: 0) else { continue }
            if bindEphemeral(SOCK_STREAM, port: port) != nil { return port }
        }
        return nil
    }

    private static func bindEphemeral(_ kind: __socket_type, port: UInt16) -> UInt16? {
        let fd = socket(AF_INET, Int32(kind.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var address = loopback(port: port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { return nil }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return UInt16(bigEndian: address.sin_port)
    }

    static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }

    /// Sends one UDP query for `name` (type SOA unless `type` says otherwise) to 127.0.0.1:`port` and
    /// returns the RCODE of the response, or nil when nothing came back within `timeout` seconds.
    public static func probe(port: UInt16, name: String, type: UInt16 = 6, timeout: Double = 0.2) -> Int? {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var wait = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        let id = UInt16.random(in: 0...UInt16.max)
        var query: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        for label in name.split(separator: ".") {
            query.append(UInt8(label.utf8.count)); query += Array(label.utf8)
        }
        query += [0, UInt8(type >> 8), UInt8(type & 0xFF), 0, 1]
        var address = loopback(port: port)
        let sent = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, query, query.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard sent == query.count else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let received = recv(fd, &buffer, buffer.count, 0)
        guard received >= 12, buffer[0] == UInt8(id >> 8), buffer[1] == UInt8(id & 0xFF) else { return nil }
        return Int(buffer[3] & 0x0F)
    }
}
