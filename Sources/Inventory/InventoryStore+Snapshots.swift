import GRDB

/// The snapshot chain head and the flattened includes.
extension InventoryStore {
    /// The newest link of the snapshot chain, nil before the first snapshot.
    public func snapshotHead() throws -> SnapshotLinkRow? {
        try writer.read { db in try SnapshotLinkRow.order(SnapshotLinkRow.Columns.sequence.desc).fetchOne(db) }
    }

    /// Every link, oldest first.
    public func snapshotLinks() throws -> [SnapshotLinkRow] {
        try writer.read { db in try SnapshotLinkRow.order(SnapshotLinkRow.Columns.sequence).fetchAll(db) }
    }

    /// Appends a link. Fails when its sequence is not the head's plus one (another snapshot was written
    /// meanwhile), so two writers can never both link to the same predecessor.
    public func appendSnapshotLink(_ link: SnapshotLinkRow) throws {
        try writer.write { db in
            let head = try SnapshotLinkRow.order(SnapshotLinkRow.Columns.sequence.desc).fetchOne(db)
            guard link.sequence == (head?.sequence ?? 0) + 1 else {
                throw InventoryError(.invalidRow, "snapshot \(link.sequence) does not follow the chain head \(head?.sequence ?? 0): another snapshot was written meanwhile; take the snapshot again")
            }
            try link.insert(db)
        }
    }

    /// The domain's flattened includes, by name.
    public func flattenedIncludes(domainId: Int64) throws -> [FlattenedIncludeRow] {
        try writer.read { db in
            try FlattenedIncludeRow.filter(FlattenedIncludeRow.Columns.domainId == domainId)
                .order(FlattenedIncludeRow.Columns.include).fetchAll(db)
        }
    }

    /// Replaces the domain's flattened includes with `rows` (an empty list forgets them all).
    public func replaceFlattenedIncludes(domainId: Int64, with rows: [FlattenedIncludeRow]) throws {
        try writer.write { db in
            try FlattenedIncludeRow.filter(FlattenedIncludeRow.Columns.domainId == domainId).deleteAll(db)
            for var row in rows {
                row.id = nil
                row.domainId = domainId
                try row.insert(db)
            }
        }
    }
}
