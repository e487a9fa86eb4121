import Foundation
import GRDB

/// How much a domain carries: what `apply --prune` says before it removes the domain.
public struct DomainHistoryCounts: Sendable, Hashable, Codable {
    public var senders = 0
    public var observations = 0
    public var findings = 0
    public var openFindings = 0
    public init() {}
}

/// Removal that can be undone: a pruned domain's rows move to `removedDomain` (migration v5-removed-domains)
/// and come back, ids and all, with `restoreDomain`, until `purgeRemovedDomains` deletes them for good.
///
/// The rows kept are those of every table with a foreign key to `domain` (found in the schema, so a table
/// a later migration adds is kept too), and the links that outbox rows had to the domain's findings.
extension InventoryStore {
    public func historyCounts(domainId: Int64) throws -> DomainHistoryCounts {
        try writer.read { db in try Self.historyCounts(domainId: domainId, in: db) }
    }

    /// Removes the domain as `apply --prune` does: restorable until `now + retention` seconds. Nil if there
    /// is no such domain.
    @discardableResult
    public func removeDomainRestorably(named name: String, now: Int64, retention: Int) throws -> RemovedDomainRow? {
        try writer.write { db in try Self.archive(named: name, now: now, retention: retention, in: db) }
    }

    /// Removed domains still restorable, by name; empty for a database older than the v4 schema.
    public func removedDomains() throws -> [RemovedDomainRow] {
        try writer.read { db in
            guard try db.tableExists(RemovedDomainRow.databaseTableName) else { return [] }
            return try RemovedDomainRow.order(RemovedDomainRow.Columns.name).fetchAll(db)
        }
    }

    public func removedDomain(named name: String) throws -> RemovedDomainRow? {
        try writer.read { db in try Self.removedDomain(named: name, in: db) }
    }

    /// Brings a removed domain back with its senders, observations and findings as they were.
    @discardableResult
    public func restoreDomain(named name: String) throws -> RemovedDomainRow {
        try writer.write { db in try Self.restore(named: name, in: db) }
    }

    /// Deletes for good the removed domains whose retention has passed. Returns how many.
    @discardableResult
    public func purgeRemovedDomains(now: Int64) throws -> Int {
        try writer.write { db in try Self.purgeRemoved(now: now, in: db) }
    }

    // MARK: In a transaction

    static func removedDomain(named name: String, in db: Database) throws -> RemovedDomainRow? {
        guard try db.tableExists(RemovedDomainRow.databaseTableName) else { return nil }
        return try RemovedDomainRow.filter(RemovedDomainRow.Columns.name == canonicalName(name)).fetchOne(db)
    }

    static func purgeRemoved(now: Int64, in db: Database) throws -> Int {
        try RemovedDomainRow.filter(RemovedDomainRow.Columns.purgeAfter <= now).deleteAll(db)
    }

    static func historyCounts(domainId: Int64, in db: Database) throws -> DomainHistoryCounts {
        var counts = DomainHistoryCounts()
        counts.senders = try SenderRow.filter(SenderRow.Columns.domainId == domainId).fetchCount(db)
        counts.observations = try ObservationRow.filter(ObservationRow.Columns.domainId == domainId).fetchCount(db)
        counts.findings = try FindingRow.filter(FindingRow.Columns.domainId == domainId).fetchCount(db)
        counts.openFindings = try FindingRow.filter(FindingRow.Columns.domainId == domainId)
            .filter(FindingRow.Columns.state == FindingRow.stateOpen).fetchCount(db)
        return counts
    }

    static func archive(named name: String, now: Int64, retention: Int, in db: Database) throws -> RemovedDomainRow? {
        guard let domain = try Row.fetchOne(db, sql: "SELECT * FROM domain WHERE name = ?", arguments: [canonicalName(name)]),
              let domainId = domain["id"] as Int64? else { return nil }
        var tables: [String: [[String: StoredValue]]] = ["domain": [StoredValue.columns(of: domain)]]
        var owned: [String: [Int64]] = [:]
        for (table, column) in try domainTables(db) {
            let rows = try Row.fetchAll(db, sql: "SELECT rowid AS \"sw_rowid\", * FROM \(table.quotedDatabaseIdentifier) "
                + "WHERE \(column.quotedDatabaseIdentifier) = ?", arguments: [domainId])
            tables[table, default: []] += rows.map { StoredValue.columns(of: $0, skipping: "sw_rowid") }
            owned[table] = rows.compactMap { $0["sw_rowid"] as Int64? }
        }
        let links = try incomingLinks(to: owned, in: db)
        let counts = try historyCounts(domainId: domainId, in: db)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var row = RemovedDomainRow(
            id: nil, name: canonicalName(name), removedAt: now, purgeAfter: now + Int64(max(0, retention)),
            rowsJSON: String(decoding: try encoder.encode(tables), as: UTF8.self),
            outboxLinksJSON: String(decoding: try encoder.encode(links), as: UTF8.self),
            senders: counts.senders, observations: counts.observations, findings: counts.findings,
            openFindings: counts.openFindings)
        _ = try RemovedDomainRow.filter(RemovedDomainRow.Columns.name == row.name).deleteAll(db)
        try row.insert(db)
        _ = try DomainRow.filter(key: domainId).deleteAll(db)
        return row
    }

    static func restore(named name: String, in db: Database) throws -> RemovedDomainRow {
        let key = canonicalName(name)
        guard let removed = try removedDomain(named: key, in: db) else {
            throw InventoryError(.unknownDomain, "\(key) is not among the removed domains "
                + "(see `senderwatch domains list --removed`; removed domains are kept for the settings' removed_retention)")
        }
        guard try DomainRow.all().named(key).fetchCount(db) == 0 else {
            throw InventoryError(.invalidRow, "\(key) is in the inventory again; its removed copy of "
                + "\(isoTime(removed.removedAt)) cannot be restored over it")
        }
        let decoder = JSONDecoder()
        let tables = try decoder.decode([String: [[String: StoredValue]]].self, from: Data(removed.rowsJSON.utf8))
        let links = try decoder.decode([IncomingLink].self, from: Data(removed.outboxLinksJSON.utf8))
        // Rows go back in any order; references to rows gone since (a run) are cleared before the commit.
        try db.execute(sql: "PRAGMA defer_foreign_keys = ON")
        for table in ["domain"] + tables.keys.filter({ $0 != "domain" }).sorted() {
            guard try db.tableExists(table) else { continue }
            let existing = Set(try db.columns(in: table).map { $0.name })
            for stored in tables[table] ?? [] {
                let columns = stored.keys.filter(existing.contains).sorted()
                try db.execute(sql: "INSERT INTO \(table.quotedDatabaseIdentifier) "
                    + "(\(columns.map(\.quotedDatabaseIdentifier).joined(separator: ", "))) "
                    + "VALUES (\(databaseQuestionMarks(count: columns.count)))",
                    arguments: StatementArguments(columns.map { stored[$0]?.databaseValue ?? .null }))
            }
            try clearDanglingReferences(in: table, db)
        }
        for link in links where try db.tableExists(link.table) {
            try db.execute(sql: "UPDATE \(link.table.quotedDatabaseIdentifier) SET \(link.column.quotedDatabaseIdentifier) = ? "
                + "WHERE rowid = ? AND \(link.column.quotedDatabaseIdentifier) IS NULL", arguments: [link.value, link.rowid])
        }
        _ = try RemovedDomainRow.filter(key: removed.id).deleteAll(db)
        return removed
    }

    /// Every (table, column) whose rows belong to one domain through a foreign key to `domain`.
    static func domainTables(_ db: Database) throws -> [(table: String, column: String)] {
        var found: [(String, String)] = []
        for table in try userTables(db) where table != "domain" {
            for key in try db.foreignKeys(on: table) where key.destinationTable.lowercased() == "domain" && key.mapping.count == 1 {
                found.append((table, key.mapping[0].origin))
            }
        }
        return found
    }

    static func userTables(_ db: Database) throws -> [String] {
        try String.fetchAll(db, sql: """
            SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'grdb_%'
            ORDER BY name
            """)
    }

    /// References from other tables (the outbox) into the rows about to leave, which the delete will set to NULL.
    static func incomingLinks(to owned: [String: [Int64]], in db: Database) throws -> [IncomingLink] {
        var links: [IncomingLink] = []
        let staying = try userTables(db).filter { owned[$0] == nil && $0 != "domain" && $0 != RemovedDomainRow.databaseTableName }
        for table in staying {
            for key in try db.foreignKeys(on: table) where key.mapping.count == 1 {
                guard let ids = owned[key.destinationTable], !ids.isEmpty else { continue }
                let column = key.mapping[0].origin
                for start in stride(from: 0, to: ids.count, by: 10_000) {
                    let batch = Array(ids[start..<min(start + 10_000, ids.count)])
                    let rows = try Row.fetchAll(db, sql: "SELECT rowid AS r, \(column.quotedDatabaseIdentifier) AS v "
                        + "FROM \(table.quotedDatabaseIdentifier) WHERE \(column.quotedDatabaseIdentifier) "
                        + "IN (\(databaseQuestionMarks(count: batch.count)))", arguments: StatementArguments(batch))
                    links += rows.map { IncomingLink(table: table, column: column, rowid: $0["r"], value: $0["v"]) }
                }
            }
        }
        return links
    }

    /// Sets to NULL the references of `table`'s rows to rows that no longer exist (a run deleted since).
    static func clearDanglingReferences(in table: String, _ db: Database) throws {
        let keys = try db.foreignKeys(on: table)
        for violation in try Array(db.foreignKeyViolations(in: table)) {
            guard let rowid = violation.originRowID,
                  let key = keys.first(where: { $0.id == violation.foreignKeyId }) else { continue }
            for column in key.originColumns {
                try db.execute(sql: "UPDATE \(table.quotedDatabaseIdentifier) SET \(column.quotedDatabaseIdentifier) = NULL "
                    + "WHERE rowid = ?", arguments: [rowid])
            }
        }
    }
}

func isoTime(_ seconds: Int64) -> String {
    ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
}

/// A reference into a removed domain's rows from a row that stays (an outbox row to a finding).
struct IncomingLink: Codable, Hashable {
    var table: String
    var column: String
    var rowid: Int64
    var value: Int64
}

/// One column value with its SQLite storage class, so a row survives the JSON round trip exactly.
enum StoredValue: Codable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)

    init(_ value: DatabaseValue) {
        switch value.storage {
        case .null: self = .null
        case .int64(let v): self = .integer(v)
        case .double(let v): self = .real(v)
        case .string(let v): self = .text(v)
        case .blob(let v): self = .blob(v)
        }
    }

    var databaseValue: DatabaseValue {
        switch self {
        case .null: .null
        case .integer(let v): v.databaseValue
        case .real(let v): v.databaseValue
        case .text(let v): v.databaseValue
        case .blob(let v): v.databaseValue
        }
    }

    static func columns(of row: Row, skipping skipped: String? = nil) -> [String: StoredValue] {
        var columns: [String: StoredValue] = [:]
        for (name, value) in row where name != skipped { columns[name] = StoredValue(value) }
        return columns
    }

    private enum Tag: String, CodingKey { case i, r, t, b }

    init(from decoder: Decoder) throws {
        if try decoder.singleValueContainer().decodeNil() { self = .null; return }
        let container = try decoder.container(keyedBy: Tag.self)
        if let v = try container.decodeIfPresent(Int64.self, forKey: .i) { self = .integer(v) }
        else if let v = try container.decodeIfPresent(Double.self, forKey: .r) { self = .real(v) }
        else if let v = try container.decodeIfPresent(String.self, forKey: .t) { self = .text(v) }
        else if let v = try container.decodeIfPresent(Data.self, forKey: .b) { self = .blob(v) }
        else { throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "untagged value")) }
    }

    func encode(to encoder: Encoder) throws {
        if case .null = self {
            var container = encoder.singleValueContainer()
            try container.encodeNil()
            return
        }
        var container = encoder.container(keyedBy: Tag.self)
        switch self {
        case .null: break
        case .integer(let v): try container.encode(v, forKey: .i)
        case .real(let v): try container.encode(v, forKey: .r)
        case .text(let v): try container.encode(v, forKey: .t)
        case .blob(let v): try container.encode(v, forKey: .b)
        }
    }
}

extension InventoryStore {
    /// The definition a removed domain had (its row and senders), as kept at its removal.
    public func removedDefinition(_ removed: RemovedDomainRow) throws -> (domain: DomainRow, senders: [SenderRow])? {
        let tables = try JSONDecoder().decode([String: [[String: StoredValue]]].self, from: Data(removed.rowsJSON.utf8))
        func row(_ stored: [String: StoredValue]) -> Row {
            Row(stored.mapValues { $0.databaseValue as DatabaseValueConvertible? })
        }
        guard let domain = tables["domain"]?.first else { return nil }
        let senders = (tables[SenderRow.databaseTableName] ?? []).map { try? SenderRow(row: row($0)) }.compactMap { $0 }
        return (try DomainRow(row: row(domain)), senders)
    }
}
