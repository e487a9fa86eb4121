import Foundation
import TestSupport

/// Runs the built `senderwatch` binary, as a user would, and captures what it prints.
struct CLIRunner {
    struct Output {
        let status: Int32
        let stdout: String
        let stderr: String

        func json() throws -> [String: Any] {
            guard let object = try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any] else {
                throw CLIError("stdout is not a JSON object: \(stdout.prefix(300))")
            }
            return object
        }
    }

    struct CLIError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// The binary sits beside the test bundle in the build folder.
    static var binary: URL {
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = runner.deletingLastPathComponent()
        while folder.path != "/" {
            let candidate = folder.appendingPathComponent("senderwatch")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        return SharedData.packageRoot.appendingPathComponent(".build/debug/senderwatch")
    }

    static var demoZones: String { SharedData.packageRoot.appendingPathComponent("Monitors/demo/zones").path }
    static var demoMonitors: String { SharedData.packageRoot.appendingPathComponent("Monitors/demo").path }

    static func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) throws -> Output {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "SENDERWATCH_DB")
        env.removeValue(forKey: "SENDERWATCH_CONFIG")
        // The demo settings' webhook route references this secret; apply refuses routes whose secret is missing.
        env["SENDERWATCH_DEMO_SECRET"] = "test-secret"
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.currentDirectoryURL = SharedData.packageRoot
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        // Both pipes are drained at once, before waiting: a child that fills one (a crash backtrace of more
        // than 64 KiB on stderr) while we block reading the other would never exit.
        let stderrBox = DataBox()
        let drained = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            stderrBox.data = err.fileHandleForReading.readDataToEndOfFile()
            drained.signal()
        }
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        drained.wait()
        let stderrData = stderrBox.data
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
                      stderr: String(decoding: stderrData, as: UTF8.self))
    }

    /// Hands the stderr bytes from the reading thread to the caller (ordered by the semaphore).
    final class DataBox: @unchecked Sendable {
        var data = Data()
    }

    /// `run` for async tests: the binary runs while the test waits without holding a thread of the shared
    /// cooperative pool (two on this machine), which other tests' timed waits need.
    static func launch(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try run(arguments, stdin: stdin, environment: environment) }) }.start()
        }
    }

    /// A fresh temporary directory, removed by the caller.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("senderwatch-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
