/// The report's charts as inline SVG: no script, no external asset, printable. Every label goes through
/// `HTMLText.escape`.
enum SnapshotCharts {
    static let width = 720

    /// Worst-case SPF lookups per domain as horizontal bars, with the limit of 10 drawn across.
    static func lookups(_ domains: [DomainSnapshot]) -> String {
        let scale = max(12, (domains.map(\.spf.dnsLookups).max() ?? 0) + 1)
        let left = 220, plot = width - left - 40, row = 26
        let height = 40 + row * max(domains.count, 1)
        func x(_ value: Int) -> Int { left + value * plot / scale }
        var svg = open("SPF DNS lookups per domain against the limit of 10", height: height)
        for (index, domain) in domains.enumerated() {
            let y = 10 + index * row
            let lookups = domain.spf.dnsLookups
            let colour = lookups > domain.spf.lookupLimit ? "#c62828" : (lookups > domain.spf.lookupBudget ? "#ef8f00" : "#2e7d32")
            svg += "<text x=\"\(left - 8)\" y=\"\(y + 16)\" text-anchor=\"end\">\(HTMLText.escape(domain.domain))</text>"
            svg += "<rect x=\"\(left)\" y=\"\(y + 3)\" width=\"\(max(x(lookups) - left, 1))\" height=\"\(row - 8)\" fill=\"\(colour)\"><title>\(HTMLText.escape(domain.domain)): \(lookups) lookups</title></rect>"
            svg += "<text x=\"\(x(lookups) + 6)\" y=\"\(y + 16)\">\(lookups)</text>"
        }
        let limitX = x(10)
        let bottom = 10 + row * max(domains.count, 1)
        svg += "<line x1=\"\(limitX)\" y1=\"4\" x2=\"\(limitX)\" y2=\"\(bottom)\" stroke=\"#c62828\" stroke-width=\"2\" stroke-dasharray=\"6 3\"/>"
        svg += "<text x=\"\(limitX)\" y=\"\(bottom + 18)\" text-anchor=\"middle\" fill=\"#c62828\">limit 10</text>"
        svg += "<text x=\"\(left)\" y=\"\(bottom + 18)\" text-anchor=\"middle\">0</text>"
        return svg + "</svg>"
    }

    /// Open findings by kind as horizontal bars.
    static func findingsByKind(_ counts: [String: Int]) -> String {
        let kinds = counts.sorted { ($1.value, $0.key) < ($0.value, $1.key) }
        guard !kinds.isEmpty else { return empty("Open findings by kind", message: "No open findings.") }
        let left = 260, plot = width - left - 50, row = 24
        let peak = kinds.map(\.value).max() ?? 1
        var svg = open("Open findings by kind", height: 16 + row * kinds.count)
        for (index, (kind, count)) in kinds.enumerated() {
            let y = 8 + index * row
            svg += "<text x=\"\(left - 8)\" y=\"\(y + 15)\" text-anchor=\"end\">\(HTMLText.escape(kind))</text>"
            svg += "<rect x=\"\(left)\" y=\"\(y + 3)\" width=\"\(max(count * plot / peak, 1))\" height=\"\(row - 8)\" fill=\"#3f51b5\"/>"
            svg += "<text x=\"\(left + count * plot / peak + 6)\" y=\"\(y + 15)\">\(count)</text>"
        }
        return svg + "</svg>"
    }

    /// The DMARC pass rate per day and domain, from aggregate reports, as lines on a 0-100 % scale.
    static func dmarcPassRate(_ daily: [DailyPassRateSnapshot]) -> String {
        let days = Array(Set(daily.map(\.day))).sorted()
        guard !days.isEmpty else {
            return empty("DMARC pass rate over time", message: "No DMARC aggregate report data in the database yet.")
        }
        let left = 50, right = 200, top = 10, plot = 200
        let span = max(days.count - 1, 1)
        func x(_ day: String) -> Int { left + (days.firstIndex(of: day) ?? 0) * (width - left - right) / span }
        func y(_ rate: String) -> Int { top + plot - Int((Double(rate) ?? 0) * Double(plot) / 100) }
        var svg = open("DMARC pass rate over time", height: top + plot + 40)
        for percent in stride(from: 0, through: 100, by: 25) {
            let gy = top + plot - percent * plot / 100
            svg += "<line x1=\"\(left)\" y1=\"\(gy)\" x2=\"\(width - right)\" y2=\"\(gy)\" stroke=\"#ddd\"/>"
            svg += "<text x=\"\(left - 6)\" y=\"\(gy + 4)\" text-anchor=\"end\">\(percent)%</text>"
        }
        let palette = ["#3f51b5", "#c62828", "#2e7d32", "#ef8f00", "#6a1b9a", "#00838f"]
        let byDomain = Dictionary(grouping: daily, by: \.domain).sorted { $0.key < $1.key }
        for (index, (domain, points)) in byDomain.enumerated() {
            let colour = palette[index % palette.count]
            let coordinates = points.sorted { $0.day < $1.day }.map { "\(x($0.day)),\(y($0.dmarcPassRate))" }
            svg += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\"\(coordinates.joined(separator: " "))\"/>"
            for point in points {
                svg += "<circle cx=\"\(x(point.day))\" cy=\"\(y(point.dmarcPassRate))\" r=\"3\" fill=\"\(colour)\"><title>\(HTMLText.escape(domain)) \(HTMLText.escape(point.day)): \(HTMLText.escape(point.dmarcPassRate)) % of \(point.messages)</title></circle>"
            }
            svg += "<text x=\"\(width - right + 10)\" y=\"\(top + 14 + index * 16)\" fill=\"\(colour)\">\(HTMLText.escape(domain))</text>"
        }
        svg += "<text x=\"\(left)\" y=\"\(top + plot + 20)\">\(HTMLText.escape(days.first!))</text>"
        svg += "<text x=\"\(width - right)\" y=\"\(top + plot + 20)\" text-anchor=\"end\">\(HTMLText.escape(days.last!))</text>"
        return svg + "</svg>"
    }

    static func open(_ title: String, height: Int) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" font-family=\"sans-serif\" font-size=\"12\"><title>\(HTMLText.escape(title))</title>"
    }

    static func empty(_ title: String, message: String) -> String {
        open(title, height: 40) + "<text x=\"10\" y=\"24\" fill=\"#666\">\(HTMLText.escape(message))</text></svg>"
    }
}
