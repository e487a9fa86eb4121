import Snapshots

/// Charts as inline SVG, drawn from numbers the page already holds: no script, nothing fetched, and every
/// label escaped (the SVG goes into the page unescaped, so it is built only from these escaped parts).
enum DashboardCharts {
    static let width = 720

    /// The DMARC pass rate per day (DKIM or SPF aligned pass, from the aggregate reports) as bars on a 0-100 %
    /// scale, each with its day, rate and messages as a tooltip.
    static func passRate(_ days: [DomainDocument.Day]) -> String {
        guard !days.isEmpty else {
            return open("DMARC pass rate per day", height: 40)
                + "<text x=\"10\" y=\"24\">No DMARC aggregate report data for this domain yet.</text></svg>"
        }
        let left = 44, top = 10, plot = 160, right = 10
        let slot = max(2, (width - left - right) / max(days.count, 1))
        var svg = open("DMARC pass rate per day", height: top + plot + 34)
        for percent in stride(from: 0, through: 100, by: 25) {
            let y = top + plot - percent * plot / 100
            svg += "<line x1=\"\(left)\" y1=\"\(y)\" x2=\"\(width - right)\" y2=\"\(y)\" stroke=\"#ddd\"/>"
            svg += "<text x=\"\(left - 6)\" y=\"\(y + 4)\" text-anchor=\"end\">\(percent)%</text>"
        }
        for (index, day) in days.enumerated() {
            let rate = Double(day.passRate) ?? 0
            let height = Int(rate * Double(plot) / 100)
            let x = left + index * slot
            let colour = rate >= 98 ? "#2e7d32" : (rate >= 90 ? "#ef8f00" : "#c62828")
            svg += "<rect class=\"day\" x=\"\(x + 1)\" y=\"\(top + plot - height)\" width=\"\(max(slot - 2, 1))\" height=\"\(max(height, 1))\" fill=\"\(colour)\">"
            svg += "<title>\(escape(day.day)): \(escape(day.passRate)) % of \(day.messages) messages</title></rect>"
        }
        svg += "<text x=\"\(left)\" y=\"\(top + plot + 20)\">\(escape(days.first!.day))</text>"
        svg += "<text x=\"\(width - right)\" y=\"\(top + plot + 20)\" text-anchor=\"end\">\(escape(days.last!.day))</text>"
        return svg + "</svg>"
    }

    static func open(_ title: String, height: Int) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" class=\"chart\" width=\"\(width)\" height=\"\(height)\" "
            + "viewBox=\"0 0 \(width) \(height)\" font-family=\"sans-serif\" font-size=\"12\"><title>\(escape(title))</title>"
    }

    static func escape(_ text: String) -> String { HTMLText.escape(text) }
}
