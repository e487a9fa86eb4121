/// A report's warnings, each kept once and cut short, at most `maximum` of them: a hostile report of ten
/// thousand distinct unknown elements yields twenty warnings and a count, not a hundred megabytes of text.
struct WarningList {
    static let maximum = 20
    static let maximumMessageBytes = 300

    private(set) var kept: [ReportWarning] = []
    private var seen: Set<String> = []
    private var dropped: [ReportWarning.Code: Int] = [:]

    mutating func add(_ code: ReportWarning.Code, _ message: String) {
        let text = message.utf8.count > Self.maximumMessageBytes
            ? String(decoding: message.utf8.prefix(Self.maximumMessageBytes), as: UTF8.self) + "..." : message
        let key = "\(code.rawValue)|\(text)"
        if seen.contains(key) { return }
        guard kept.count < Self.maximum else {
            dropped[code, default: 0] += 1
            return
        }
        seen.insert(key)
        kept.append(ReportWarning(code, text))
    }

    /// The kept warnings, then one line per kind that was cut.
    var all: [ReportWarning] {
        kept + dropped.sorted { $0.key.rawValue < $1.key.rawValue }.map {
            ReportWarning($0.key, "\($0.value) more warning(s) of this kind not shown")
        }
    }
}
