import Audit
import Foundation
import GRDB

extension InventoryMigrations {
    /// `contentHash` became a digest of the summary's fields one by one (cheaper than hashing its JSON
    /// encoding, and independent of how the encoder orders keys). Rows stored before hold the old digest;
    /// left alone, every domain's first poll after the upgrade would find "different" contents and start a
    /// new observation row, a step in the history that nothing in DNS explains. Each row's digest is
    /// recomputed from its own summary; a row whose summary cannot be read keeps what it has.
    static func v8ContentDigest(_ db: Database) throws {
        let update = try db.makeStatement(sql: "UPDATE observation SET contentHash = ? WHERE id = ?")
        let page = try db.makeStatement(sql: "SELECT id, summaryJSON FROM observation WHERE id > ? ORDER BY id LIMIT 1000")
        // A thousand rows at a time, read before they are written (SQLite leaves a cursor over a table that
        // changes undefined), so a database with years of history is not held in memory at once.
        var last: Int64 = 0
        while true {
            let rows = try Row.fetchAll(page, arguments: [last])
            guard let end = rows.last else { break }
            last = end["id"]
            for row in rows {
                let json: String = row["summaryJSON"]
                guard let summary = try? JSONCoding.decoder.decode(ObservationSummary.self, from: Data(json.utf8)) else { continue }
                let id: Int64 = row["id"]
                try update.execute(arguments: [summary.contentDigest, id])
            }
        }
    }
}
