import CoreMetrics
import Foundation
import Metrics
import Prometheus

/// The Prometheus backend for swift-metrics: one registry per process, bootstrapped once, rendered in the
/// text exposition format for `/metrics` and for node_exporter's textfile collector.
public enum MetricsExport {
    public static let registry = PrometheusCollectorRegistry()

    private static let bootstrapOnce: Void = {
        var factory = PrometheusMetricsFactory(registry: registry)
        // Polls take milliseconds when answers are cached and up to the DNS timeout times its retries.
        factory.durationHistogramBuckets = [
            "senderwatch_poll_duration_seconds": [
                .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
                .seconds(30),
            ],
        ]
        MetricsSystem.bootstrap(factory)
    }()

    /// Points swift-metrics at the registry; safe to call more than once.
    public static func bootstrap() { _ = bootstrapOnce }

    /// The registry in the Prometheus text format (version 0.0.4).
    public static func render() -> String { registry.emitToString() }

    /// Writes the metrics for the textfile collector: to a temporary file in the same directory, then renamed
    /// over the target, so the collector never reads a half-written file.
    public static func writeTextfile(_ path: String, text: String = render()) throws {
        let target = URL(fileURLWithPath: path)
        let directory = target.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(target.lastPathComponent).\(getpid()).tmp")
        do {
            try Data(text.utf8).write(to: temporary)
            if rename(temporary.path, target.path) != 0 {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(at: temporary)
                throw MetricsFileError(message: "cannot rename \(temporary.path) to \(path): \(reason)")
            }
        } catch let error as MetricsFileError {
            throw error
        } catch {
            throw MetricsFileError(message: "cannot write the metrics file \(path): \(error.localizedDescription)")
        }
    }
}

public struct MetricsFileError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
