// Micro-benchmark for the report parser (XMLScanner, XMLByteStream, FeedbackHandler) on a report in memory,
// so what it measures is the parser alone: no file reads, no SQLite. Built by Scripts/bench-parser with the
// DNSCore and AuthReports sources compiled into one module, as written or with attributes dropped.
import Foundation

@main
struct ParseBench {
    static func main() throws {
        let arguments = CommandLine.arguments
        guard arguments.count >= 2 else {
            print("usage: parse-bench REPORT.xml [ROUNDS]")
            exit(2)
        }
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: arguments[1])))
        let rounds = arguments.count > 2 ? Int(arguments[2]) ?? 5 : 5
        var best = Double.infinity
        var records = 0
        for _ in 0..<rounds {
            var count = 0
            let start = ContinuousClock.now
            _ = try AggregateReportParser().parse(DataByteSource(bytes)) { _ in count += 1 }
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            best = min(best, seconds)
            records = count
        }
        print("records \(records) bytes \(bytes.count) best \(String(format: "%.4f", best)) s "
              + "\(Int(Double(records) / best)) records/s \(String(format: "%.1f", Double(bytes.count) / best / 1e6)) MB/s")
    }
}
