import ArgumentParser
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `--quiet`, for the commands that show progress.
struct ProgressOptions: ParsableArguments {
    @Flag(name: [.customShort("q"), .long], help: "No progress line on standard error (it is shown only on a terminal anyway).")
    var quiet = false
}

/// One line of progress on standard error for long runs (`poll`, `ingest`, `snapshot`): what is done, of how
/// many, the elapsed time and an estimate of the rest, redrawn in place at most ten times a second and erased
/// when the run ends, so the command's own output is left as it would be without it.
///
/// Shown only when standard error is a terminal (not under cron, in a pipe or a log file, nor with
/// `TERM=dumb`) and `--quiet` is not given. Standard output is never touched.
final class ProgressLine: Sendable {
    private struct State {
        var done = 0
        var detail = ""
        var lastDraw: ContinuousClock.Instant?
        var drawn = false
    }

    let label: String
    let total: Int?
    let unit: String
    let enabled: Bool
    private let started = ContinuousClock.now
    private let state = Mutex(State())
    static let redrawInterval: Duration = .milliseconds(100)

    /// `total` nil when the count is not known in advance (the files of an ingest).
    init(_ label: String, total: Int?, unit: String, options: ProgressOptions) {
        self.label = label
        self.total = total
        self.unit = unit
        enabled = !options.quiet && Self.standardErrorIsTerminal
        if enabled { draw(State(), force: true) }
    }

    static var standardErrorIsTerminal: Bool {
        isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb"
    }

    /// Counts `count` more done; `detail` replaces the text after the count (such as "340 reports").
    func advance(by count: Int = 1, detail: String? = nil) {
        guard enabled else { return }
        let snapshot = state.withLock { state -> State? in
            state.done += count
            if let detail { state.detail = detail }
            let now = ContinuousClock.now
            let finished = total.map { state.done >= $0 } ?? false
            if !finished, let last = state.lastDraw, now - last < Self.redrawInterval { return nil }
            state.lastDraw = now
            state.drawn = true
            return state
        }
        if let snapshot { draw(snapshot, force: false) }
    }

    /// Erases the line; call once the run's work is done, before printing its result. The next `advance`
    /// draws it again, so it also makes way for output printed in the middle of a run.
    func finish() {
        guard enabled else { return }
        let drawn = state.withLock { state -> Bool in
            defer { state.drawn = false }
            return state.drawn
        }
        if drawn { Self.write("\r\u{1B}[K") }
    }

    private func draw(_ snapshot: State, force: Bool) {
        if force { state.withLock { $0.drawn = true; $0.lastDraw = ContinuousClock.now } }
        let elapsed = ContinuousClock.now - started
        Self.write("\r\u{1B}[K" + Self.line(label: label, done: snapshot.done, total: total, unit: unit, detail: snapshot.detail,
                                             elapsed: elapsed))
    }

    /// The text of the line, e.g. `polling 120/4000 domains (3%), 0:12, about 6:27 left`.
    static func line(label: String, done: Int, total: Int?, unit: String, detail: String, elapsed: Duration) -> String {
        var text = "\(label) \(done)"
        if let total {
            text += "/\(total) \(unit)"
            if total > 0 { text += " (\(done * 100 / total)%)" }
        } else {
            text += " \(unit)"
        }
        if !detail.isEmpty { text += ", \(detail)" }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        text += ", \(clock(seconds))"
        if let total, done > 0, done < total, seconds >= 2 {
            text += ", about \(clock(seconds / Double(done) * Double(total - done))) left"
        }
        return text
    }

    static func clock(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        let (hours, minutes, rest) = (whole / 3600, whole / 60 % 60, whole % 60)
        let mmss = String(format: "%d:%02d", minutes, rest)
        return hours > 0 ? "\(hours):" + String(format: "%02d:%02d", minutes, rest) : mmss
    }

    private static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
