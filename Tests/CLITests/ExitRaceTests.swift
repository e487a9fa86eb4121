import Foundation
import TestSupport
import Testing

/// The process must end as it means to, every time. libldns draws query ids from OpenSSL; worker threads
/// that were still running (or tearing down their OpenSSL thread state) when `exit` ran OpenSSL's cleanup used
/// to crash about 1.5% of short runs with SIGSEGV or SIGABRT. Now OpenSSL is set up without that cleanup and
/// every worker is joined before exit: hundreds of runs against NSD end with their documented exit code.
@Suite(.serialized) struct ExitRaceTests {
    /// A record over the lookup limit, as in the runs that crashed: twelve includes with `a` and `mx` terms,
    /// so many queries are in flight when the run ends.
    static var zone: NSDServer.Zone {
        var lines = ["$TTL 300", "race.test. IN SOA ns1.race.test. h.race.test. 1 3600 600 86400 60", "race.test. IN NS ns1.race.test.",
                     "ns1.race.test. IN A 127.0.0.1",
                     // Two character-strings: one may hold at most 255 octets.
                     "race.test. IN TXT \"v=spf1 " + (1...6).map { "include:p\($0).race.test" }.joined(separator: " ") + " \" \""
                        + (7...12).map { "include:p\($0).race.test" }.joined(separator: " ") + " -all\"",
                     "_dmarc.race.test. IN TXT \"v=DMARC1; p=reject\"", "race.test. IN MX 10 mx.race.test.", "mx.race.test. IN A 192.0.2.25"]
        for i in 1...12 {
            lines.append("p\(i).race.test. IN TXT \"v=spf1 a:h\(i).race.test mx ip4:198.51.100.\(i) -all\"")
            lines.append("h\(i).race.test. IN A 192.0.2.\(i)")
            lines.append("p\(i).race.test. IN MX 10 mx.race.test.")
        }
        return NSDServer.Zone(origin: "race.test", text: lines.joined(separator: "\n") + "\n")
    }

    @Test func shortRunsAgainstNSDNeverDieOfASignal() async throws {
        let parent = NSDServer.Zone(origin: "test", text: "$TTL 300\ntest. IN SOA ns1.test. h.test. 1 3600 600 86400 60\ntest. IN NS ns1.test.\n")
        guard let server = try NSDServer.start(zones: [parent, Self.zone]) else { try Test.cancel("NSD is not installed") }
        defer { server.stop() }
        let runs = Int(ProcessInfo.processInfo.environment["SENDERWATCH_EXIT_RUNS"] ?? "") ?? 300
        var statuses: [Int32: Int] = [:]
        var failures: [String] = []
        for index in 0..<runs {
            let arguments = index % 2 == 0
                ? ["spf", "race.test", "--json", "--resolver", server.address]
                : ["check", "race.test", "--ip", "192.0.2.1", "--json", "--resolver", server.address]
            let output = try await CLIRunner.launch(arguments)
            statuses[output.status, default: 0] += 1
            if output.status > 3 || output.stderr.contains("Fatal error") || output.stderr.contains("Crash") {
                failures.append("run \(index) \(arguments[0]): status \(output.status)\n\(output.stderr.prefix(2000))")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) of \(runs) runs did not end cleanly:\n\(failures.prefix(3).joined(separator: "\n"))")
        print("exit race: \(runs) runs of spf and check against NSD, exit statuses \(statuses.sorted { $0.key < $1.key })")
    }
}
