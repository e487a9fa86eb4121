import Alerting
import ArgumentParser
import Foundation
import LDNSResolver
import Inventory
import Monitor
import MonitorConfig
import Snapshots

/// The root command. Each subcommand lives in its own file.
public struct SenderwatchCommand: AsyncParsableCommand {
    public static let version = "0.2.0"

    public static let configuration = CommandConfiguration(
        commandName: "senderwatch",
        abstract: "Audit and monitor SPF and DMARC: who may send mail as your domains, and who really does.",
        discussion: """
        Exit codes: 0 healthy; 1 findings of warning severity or worse; 2 usage or input error;
        3 a temporary DNS failure prevented a verdict.
        """,
        version: version,
        subcommands: [CheckCommand.self, SPFCommand.self, DMARCCommand.self, ApplyCommand.self, PollCommand.self, RunCommand.self, ServeCommand.self,
                      DomainsCommand.self, SendersCommand.self, FindingsCommand.self, HistoryCommand.self, AlertsCommand.self,
                      IngestCommand.self, ObservedCommand.self, TLSReportsCommand.self, HeadersCommand.self, DKIMCommand.self,
                      GenerateCommand.self, SnapshotCommand.self]
    )

    public init() {}

    /// Parses and runs, mapping every way out onto the documented exit codes: usage and input errors
    /// exit 2 (not argument-parser's 64), `--help` and `--version` exit 0.
    public static func runAndExit() async -> Never {
        // Before any thread exists: OpenSSL without its racing exit handler, then libcurl on top of it.
        LDNSRuntime.prepare()
        CurlRuntime.prepare()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            Foundation.exit(0)
        } catch let code as ExitCode {
            Foundation.exit(code.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success { self.exit(withError: error) }
            if let input = error as? InputError {
                FileHandle.standardError.write(Data("senderwatch: \(input.message)\n".utf8))
                Foundation.exit(ExitStatus.usage)
            }
            // The store's refusals (an unknown domain, a database it cannot open) are input errors too.
            if let inventory = error as? InventoryError {
                FileHandle.standardError.write(Data("senderwatch: \(inventory.message)\n".utf8))
                Foundation.exit(ExitStatus.usage)
            }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(code == .validationFailure || code.rawValue == 64 ? ExitStatus.usage : code.rawValue)
        }
    }
}

/// The documented exit codes.
public enum ExitStatus {
    public static let healthy: Int32 = 0
    public static let findings: Int32 = 1
    public static let usage: Int32 = 2
    public static let temporaryFailure: Int32 = 3
}

/// Bad input found after argument parsing (a file, a line, a record): exits 2 with the message. The same type
/// the Monitor module throws, so its input problems (a lock file, a stored name) exit 2 as well.
public typealias InputError = InputFailure
