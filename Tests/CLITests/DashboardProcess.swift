import Foundation
#if canImport(Glibc)
import Glibc
#endif
import TestSupport

/// `senderwatch serve` (or `run`) from the built binary on an ephemeral loopback port; the URL is read from
/// what it prints once listening. Stopped by pid; every wait is bounded.
final class DashboardProcess: @unchecked Sendable {
    private(set) var process = Process()
    let output: URL
    private(set) var url = ""
    private let arguments: [String]
    private let directory: URL
    private let environment: [String: String]
    /// Earlier launches that ended before the test used them, with how they ended (kept for the failure message).
    private(set) var endedEarly: [String] = []
    /// Listening lines printed by earlier launches, which the current one must not be taken for.
    private var staleURLs = 0

    init(_ arguments: [String], directory: URL, environment: [String: String] = [:]) throws {
        output = directory.appendingPathComponent("serve-\(UUID().uuidString.prefix(8)).log")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        self.arguments = arguments; self.directory = directory; self.environment = environment
        try launch()
    }

    private func launch() throws {
        process = Process()
        process.executableURL = CLIRunner.binary
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "SENDERWATCH_DB")
        env.removeValue(forKey: "SENDERWATCH_CONFIG")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.currentDirectoryURL = directory
        let handle = try FileHandle(forWritingTo: output)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var log: String {
        ((try? String(contentsOf: output, encoding: .utf8)) ?? "") + endedEarly.map { "\n[\($0)]" }.joined()
    }

    /// Waits for the listening line (`serve` prints the URL; `run` logs it) of a process that is still running;
    /// nil if it died or took too long. Under the full parallel suite a launch was once seen to end gracefully
    /// right after it listened (a signal meant for another test's process, most likely); such a launch is
    /// started again, once, and how it ended is kept in `log`.
    func waitForURL(timeout: Double = 60) async -> String? {
        enum Seen { case url(String), gaveUp }
        let seen = await Polling.until(timeout: timeout, every: 0.1) { () -> Seen? in
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            let matches = text.ranges(of: #/http://127\.0\.0\.1:[0-9]+//#)
            if process.isRunning, matches.count > staleURLs, let last = matches.last { return .url(String(text[last])) }
            if !process.isRunning {
                process.waitUntilExit()
                endedEarly.append("launch \(endedEarly.count + 1) ended: status \(process.terminationStatus), "
                    + (process.terminationReason == .uncaughtSignal ? "signal" : "exit"))
                staleURLs = matches.count
                guard endedEarly.count < 2, (try? launch()) != nil else { return .gaveUp }
            }
            return nil
        }
        guard case .url(let found)? = seen else { return nil }
        url = found
        return found
    }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

/// One HTTP/1.1 exchange with the dashboard over a plain socket, timed: the test sees the status, headers and
/// bytes exactly as the server sent them (no client-side redirects, authentication or caching).
struct HTTPExchange {
    let status: Int
    let headers: [String: String]
    let body: Data
    let seconds: Double

    var text: String { String(decoding: body, as: UTF8.self) }

    func json() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: body) as? [String: Any] ?? [:]
    }

    struct Failure: Error, CustomStringConvertible { let description: String }

    static func send(_ url: String, method: String = "GET", headers: [String: String] = [:]) async throws -> HTTPExchange {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try exchange(url, method: method, headers: headers) }) }.start()
        }
    }

    /// A connected socket to the URL's loopback port, with a receive timeout.
    static func connect(port: UInt16, timeout: Int = 60) throws -> Int32 {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure(description: "socket failed") }
        var limit = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { close(socket); throw Failure(description: "cannot connect to port \(port)") }
        return socket
    }

    static func exchange(_ url: String, method: String, headers: [String: String]) throws -> HTTPExchange {
        guard let parsed = URLComponents(string: url), let port = parsed.port else { throw Failure(description: "bad URL \(url)") }
        let target = parsed.percentEncodedPath + (parsed.percentEncodedQuery.map { "?" + $0 } ?? "")
        let started = Date()
        let socket = try connect(port: UInt16(port))
        defer { close(socket) }
        var request = "\(method) \(target.isEmpty ? "/" : target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        if method != "GET" && method != "HEAD" { request += "Content-Length: 0\r\n" }
        request += "\r\n"
        let bytes = Array(request.utf8)
        guard Glibc.send(socket, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count else { throw Failure(description: "send failed") }
        var received = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = recv(socket, &buffer, buffer.count, 0)
            if count <= 0 { break }
            received.append(contentsOf: buffer[0..<count])
        }
        let seconds = Date().timeIntervalSince(started)
        guard let split = received.range(of: Data("\r\n\r\n".utf8)) else { throw Failure(description: "no HTTP answer from \(url)") }
        let head = String(decoding: received[..<split.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let status = Int(head.first?.split(separator: " ").dropFirst().first ?? "") ?? 0
        var fields: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return HTTPExchange(status: status, headers: fields, body: Data(received[split.upperBound...]), seconds: seconds)
    }
}

/// Headless Chromium against the served pages: the DOM it built, and screenshots kept as test artifacts.
enum Browser {
    static var artifacts: URL {
        let folder = SharedData.packageRoot.appendingPathComponent(".build/test-artifacts/dashboard")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// The serialized DOM after Chromium parsed the page and applied the CSP; with the time it took.
    static func dom(_ chromium: String, _ url: String) throws -> (dom: String, seconds: Double) {
        let started = Date()
        let dom = try SnapshotCLITests.runChromium(chromium, ["--dump-dom", url])
        return (dom, Date().timeIntervalSince(started))
    }

    static func screenshot(_ chromium: String, _ url: String, name: String) throws -> Data {
        let shot = artifacts.appendingPathComponent(name + ".png")
        try? FileManager.default.removeItem(at: shot)
        _ = try SnapshotCLITests.runChromium(chromium, ["--window-size=1280,1800", "--hide-scrollbars", "--screenshot=\(shot.path)", url])
        return (try? Data(contentsOf: shot)) ?? Data()
    }

    /// How many elements with this tag the DOM holds (`<tag` followed by a space or `>`).
    static func count(_ tag: String, in dom: String) -> Int {
        let lower = dom.lowercased()
        return lower.components(separatedBy: "<\(tag) ").count - 1 + lower.components(separatedBy: "<\(tag)>").count - 1
    }

    /// The part of the DOM inside the element with this id, up to its closing tag.
    static func element(id: String, tag: String, in dom: String) -> String {
        guard let start = dom.range(of: "id=\"\(id)\"") else { return "" }
        let rest = dom[start.upperBound...]
        guard let end = rest.range(of: "</\(tag)>") else { return String(rest) }
        return String(rest[..<end.lowerBound])
    }
}
