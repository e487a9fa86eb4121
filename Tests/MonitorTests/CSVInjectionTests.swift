@testable import Snapshots
import Testing

/// SnapshotCSV neutralises every cell a spreadsheet would run as a formula: OWASP's CSV injection list
/// (= + - @ tab CR), whatever the cell holds after.
@Suite struct CSVInjectionTests {
    @Test(arguments: ["=1+1", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "-all"])
    func formulaStartsGetAnApostrophe(_ text: String) {
        let cell = SnapshotCSV.cell(text)
        let unquoted = cell.hasPrefix("\"") ? String(cell.dropFirst().dropLast()) : cell
        #expect(unquoted.hasPrefix("'"), "\(text.debugDescription) -> \(cell.debugDescription)")
    }

    @Test func otherCellsAreLeftAlone() {
        #expect(SnapshotCSV.cell("v=spf1 -all") == "v=spf1 -all")
        #expect(SnapshotCSV.cell("97.50") == "97.50")
        #expect(SnapshotCSV.cell("") == "")
        // A carriage return first is guarded and, being a line break, quoted.
        #expect(SnapshotCSV.cell("\r=1") == "\"'\r=1\"")
    }
}
