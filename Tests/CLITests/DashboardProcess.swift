import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestSupport

/// `senderwatch serve` (or `run`) from the built binary on an ephemeral loopback port; the URL is read from
/// what it prints once listening. Stopped by pid; every wait is bounded.
final class DashboardProcess: @unchecked Sendable {
    let process = Process()
    let output: URL
    private(set) var url = ""

    init(_ arguments: [String], directory: URL, environment: [String: String] = [:]) throws {
        output = directory.appendingPathComponent("serve-\(UUID().uuidString.prefix(8)).log")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        process.executableURL = CLIRunner.binary
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "SENDERWATCH_DB")
        env.removeValue(forKey: "SENDERWATCH_CONFIG")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.currentDirectoryURL = directory
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var log: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }

    /// Waits for the listening line (`serve` prints the URL; `run` logs it); nil if the process died or took too long.
    func waitForURL(timeout: Double = 60) async -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let range = log.range(of: #"http://127\.0\.0\.1:[0-9]+/"#, options: .regularExpression) {
                url = String(log[range])
                return url
            }
            if !process.isRunning { return nil }
            try? await Task.sleep(nanoseconds: 100_000_000)
        }
        return nil
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

/// One HTTP exchange with the dashboard through URLSession (libcurl underneath), timed.
struct HTTPExchange {
    let status: Int
    let headers: [String: String]
    let body: Data
    let seconds: Double

    var text: String { String(decoding: body, as: UTF8.self) }

    func json() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: body) as? [String: Any] ?? [:]
    }

    static func send(_ url: String, method: String = "GET", headers: [String: String] = [:]) async throws -> HTTPExchange {
        var request = URLRequest(url: URL(string: url)!, timeoutInterval: 60)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let started = Date()
        let (data, response) = try await URLSession.shared.data(for: request)
        let seconds = Date().timeIntervalSince(started)
        let http = response as? HTTPURLResponse
        var fields: [String: String] = [:]
        for (key, value) in http?.allHeaderFields ?? [:] { fields[String(describing: key).lowercased()] = String(describing: value) }
        return HTTPExchange(status: http?.statusCode ?? 0, headers: fields, body: data, seconds: seconds)
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
