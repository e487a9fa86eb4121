import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif
@testable import SenderwatchCLI

/// The progress line of long runs: on a terminal's standard error only, never with --quiet, never on
/// standard output.
@Suite struct ProgressTests {
    /// Runs the binary with standard error on a pseudo-terminal and standard output on a pipe.
    static func runOnTerminal(_ arguments: [String]) async throws -> (status: Int32, stdout: String, terminal: String) {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try runOnTerminalNow(arguments) }) }.start()
        }
    }

    static func runOnTerminalNow(_ arguments: [String]) throws -> (status: Int32, stdout: String, terminal: String) {
        var primary: Int32 = -1, secondary: Int32 = -1
        guard openpty(&primary, &secondary, nil, nil, nil) == 0 else { throw CLIRunner.CLIError("openpty failed") }
        let process = Process()
        process.executableURL = CLIRunner.binary
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["TERM"] = "xterm"
        env.removeValue(forKey: "SENDERWATCH_CONFIG")
        env.removeValue(forKey: "SENDERWATCH_DB")
        process.environment = env
        process.currentDirectoryURL = SharedData.packageRoot
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle(fileDescriptor: secondary, closeOnDealloc: false)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        close(secondary)
        final class Received: @unchecked Sendable { var bytes = Data() }
        let terminal = Received()
        let fd = primary
        let reader = Thread {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = read(fd, &buffer, buffer.count)
                if n <= 0 { break }
                terminal.bytes.append(contentsOf: buffer[0..<n])
            }
        }
        reader.start()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !reader.isFinished { usleep(10_000) }
        close(primary)
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: terminal.bytes, as: UTF8.self))
    }

    @Test func shownOnATerminalOnly() async throws {
        let root = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let database = root.appendingPathComponent("sw.sqlite").path
        #expect(try await CLIRunner.launch(["apply", CLIRunner.demoMonitors, "--db", database]).status == 0)
        let poll = ["poll", "--all", "--zone", CLIRunner.demoZones, "--db", database]

        let shown = try await Self.runOnTerminal(poll)
        #expect(shown.status == 1)
        #expect(shown.terminal.contains("polling 4/4 domains (100%)"), "\(shown.terminal.debugDescription)")
        #expect(shown.terminal.hasSuffix("\r\u{1B}[K"), "the line is erased at the end")
        #expect(!shown.stdout.contains("polling "), "standard output is untouched")
        #expect(shown.stdout.contains("polled 4 domain(s)"))

        let quiet = try await Self.runOnTerminal(poll + ["--quiet"])
        #expect(quiet.status == 1 && !quiet.terminal.contains("polling"), "\(quiet.terminal.debugDescription)")
        let piped = try await CLIRunner.launch(poll)
        #expect(!piped.stderr.contains("polling") && !piped.stderr.contains("\u{1B}["), "\(piped.stderr)")

        let snapshot = try await Self.runOnTerminal(["snapshot", "--zone", CLIRunner.demoZones, "--db", database, "-q"])
        #expect(snapshot.status == 0 && !snapshot.terminal.contains("observing"))
        let observed = try await Self.runOnTerminal(["snapshot", "--zone", CLIRunner.demoZones, "--db", database,
                                               "--format", "csv"])
        #expect(observed.terminal.contains("observing 4/4 domains"), "\(observed.terminal.debugDescription)")
        let reports = SharedData.packageRoot.appendingPathComponent("Monitors/demo/reports").path
        let ingest = try await Self.runOnTerminal(["ingest", reports, "--db", database])
        // One file goes by faster than the redraw interval: the line is drawn, then erased.
        #expect(ingest.status == 0 && ingest.terminal.hasPrefix("\r\u{1B}[Kingesting 0 files")
                && ingest.terminal.hasSuffix("\r\u{1B}[K"), "\(ingest.terminal.debugDescription)")
    }

    @Test func lineText() {
        #expect(ProgressLine.line(label: "polling", done: 120, total: 4000, unit: "domains", detail: "", elapsed: .seconds(12))
                == "polling 120/4000 domains (3%), 0:12, about 6:28 left")
        #expect(ProgressLine.line(label: "ingesting", done: 3, total: nil, unit: "files", detail: "40 reports", elapsed: .seconds(3725))
                == "ingesting 3 files, 40 reports, 1:02:05")
        #expect(ProgressLine.line(label: "polling", done: 0, total: 0, unit: "domains", detail: "", elapsed: .zero) == "polling 0/0 domains, 0:00")
    }
}
