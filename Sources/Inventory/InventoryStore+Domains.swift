import GRDB

/// Desired state: domains and their approved senders.
extension InventoryStore {
    /// Adds the domain or brings it to the given definition, replacing its senders with `senders`
    /// (matched by kind and value). The domain keeps its id and history; `updatedAt` moves only when something
    /// changed. `source` (`file:line`) is refreshed silently: a line moving in the monitor file is not a change.
    ///
    /// When the interval shortens, a next poll scheduled further out than `now + interval` is brought forward.
    @discardableResult
    public func upsertDomain(_ domain: DomainRow, senders: [SenderRow], now: Int64) throws -> UpsertOutcome {
        try writer.write { db in try Self.upsert(domain, senders: senders, now: now, in: db) }
    }

    /// `upsertDomain` inside a transaction the caller holds.
    static func upsert(_ domain: DomainRow, senders: [SenderRow], now: Int64, in db: Database) throws -> UpsertOutcome {
        var wanted = domain
        wanted.name = Self.canonicalName(domain.name)
        try Self.validate(wanted)
        let senders = try Self.deduplicated(senders, domain: wanted.name)
        do {
            guard var existing = try DomainRow.all().named(wanted.name).fetchOne(db) else {
                wanted.id = nil
                wanted.createdAt = now
                wanted.updatedAt = now
                try wanted.insert(db)
                for var sender in senders {
                    sender.id = nil
                    sender.domainId = wanted.id!
                    try sender.insert(db)
                }
                return .added
            }
            var changes = Self.describeChanges(from: existing, to: wanted)
            changes += try Self.replaceSenders(of: existing.id!, with: senders, in: db)
            let original = existing
            existing.source = wanted.source
            existing.intervalSeconds = wanted.intervalSeconds
            existing.expectSPFAll = wanted.expectSPFAll
            existing.expectDMARCPolicy = wanted.expectDMARCPolicy
            existing.expectMaxLookups = wanted.expectMaxLookups
            existing.dkimSelectors = wanted.dkimSelectors
            existing.expectMTASTS = wanted.expectMTASTS
            existing.expectTLSRPT = wanted.expectTLSRPT
            existing.expectBIMI = wanted.expectBIMI
            if !changes.isEmpty { existing.updatedAt = now }
            if wanted.intervalSeconds < original.intervalSeconds, let next = existing.nextPollAt {
                existing.nextPollAt = min(next, now + Int64(wanted.intervalSeconds))
            }
            try existing.updateChanges(db, from: original)
            return changes.isEmpty ? .unchanged : .changed(changes)
        }
    }

    /// Writes what `apply` decided in one transaction, so a failure half way leaves the inventory as it was:
    /// expired removed domains are purged, removed domains brought back, definitions upserted, pruned domains
    /// removed restorably.
    public func apply(_ changes: InventoryChanges, now: Int64) throws {
        try writer.write { db in
            _ = try Self.purgeRemoved(now: now, in: db)
            for name in changes.restore { _ = try Self.restore(named: name, in: db) }
            for upsert in changes.upserts { _ = try Self.upsert(upsert.domain, senders: upsert.senders, now: now, in: db) }
            for name in changes.remove { _ = try Self.archive(named: name, now: now, retention: changes.retention, in: db) }
        }
    }

    /// Removes the domain for good and, by cascade, its senders, observations and findings (`apply --prune`
    /// uses `removeDomainRestorably`, which keeps them aside for a while).
    ///
    /// Deleting rather than marking removed keeps every query free of a "removed" filter. Runs are not per
    /// domain and stay; outbox rows about its findings stay too (their `findingId` becomes NULL) so an alert
    /// already decided is still sent. Returns false if there was no such domain.
    @discardableResult
    public func removeDomain(named name: String) throws -> Bool {
        try writer.write { db in
            try DomainRow.all().named(name).deleteAll(db) > 0
        }
    }

    /// All domains, sorted by name.
    public func domains() throws -> [DomainRow] {
        try writer.read { db in try DomainRow.order(DomainRow.Columns.name).fetchAll(db) }
    }

    public func domain(named name: String) throws -> DomainRow? {
        try writer.read { db in try DomainRow.all().named(name).fetchOne(db) }
    }

    public func domain(id: Int64) throws -> DomainRow? {
        try writer.read { db in try DomainRow.fetchOne(db, key: id) }
    }

    /// The domain's approved senders, sorted by kind, then value.
    public func senders(domainId: Int64) throws -> [SenderRow] {
        try writer.read { db in try SenderRow.all().of(domainId: domainId).orderedByKindAndValue().fetchAll(db) }
    }

    /// Adds one sender; false if the domain already had one with this kind and value (left as it was).
    @discardableResult
    public func addSender(_ sender: SenderRow, toDomain name: String) throws -> Bool {
        try Self.validate(sender, domain: name)
        return try writer.write { db in
            let domainId = try Self.domainId(named: name, in: db)
            let existing = SenderRow.all().of(domainId: domainId)
                .filter(SenderRow.Columns.kind == sender.kind && SenderRow.Columns.value == sender.value)
            guard try existing.fetchCount(db) == 0 else { return false }
            var row = sender
            row.id = nil
            row.domainId = domainId
            try row.insert(db)
            return true
        }
    }

    /// Removes one sender; false if the domain had no sender with this kind and value.
    @discardableResult
    public func removeSender(kind: String, value: String, fromDomain name: String) throws -> Bool {
        try writer.write { db in
            let domainId = try Self.domainId(named: name, in: db)
            return try SenderRow.all().of(domainId: domainId)
                .filter(SenderRow.Columns.kind == kind && SenderRow.Columns.value == value)
                .deleteAll(db) > 0
        }
    }

    /// Domains due for a poll at `now` (never polled, or `nextPollAt <= now`): never-polled first, then the most
    /// overdue, ties by name.
    public func dueDomains(now: Int64, limit: Int? = nil) throws -> [DomainRow] {
        try writer.read { db in
            var request = DomainRow.all().due(at: now)
            if let limit { request = request.limit(limit) }
            return try request.fetchAll(db)
        }
    }

    /// Moves a domain's next poll, for "poll now" commands and back-off outside a poll.
    public func schedule(domainId: Int64, nextPollAt: Int64?) throws {
        try writer.write { db in
            _ = try DomainRow.filter(key: domainId).updateAll(db, DomainRow.Columns.nextPollAt.set(to: nextPollAt))
        }
    }

    // MARK: Helpers

    static func domainId(named name: String, in db: Database) throws -> Int64 {
        guard let id = try DomainRow.all().named(name).select(DomainRow.Columns.id, as: Int64.self).fetchOne(db) else {
            throw InventoryError(.unknownDomain, "no domain \(canonicalName(name)) in the inventory")
        }
        return id
    }

    private static func validate(_ domain: DomainRow) throws {
        guard !domain.name.isEmpty else {
            throw InventoryError(.invalidRow, "a domain needs a name")
        }
        guard domain.intervalSeconds > 0 else {
            throw InventoryError(.invalidRow, "\(domain.name): interval must be a positive number of seconds, "
                + "not \(domain.intervalSeconds)")
        }
    }

    private static func validate(_ sender: SenderRow, domain: String) throws {
        guard SenderRow.kinds.contains(sender.kind) else {
            throw InventoryError(.invalidRow, "\(canonicalName(domain)): sender kind \"\(sender.kind)\" is not one of "
                + SenderRow.kinds.joined(separator: ", "))
        }
        guard !sender.value.isEmpty else {
            throw InventoryError(.invalidRow, "\(canonicalName(domain)): a \(sender.kind) sender needs a value")
        }
    }

    /// Validates senders and keeps the last definition of each kind+value, as a later line in a file wins.
    private static func deduplicated(_ senders: [SenderRow], domain: String) throws -> [SenderRow] {
        var byKey: [String: SenderRow] = [:]
        var order: [String] = []
        for sender in senders {
            try validate(sender, domain: domain)
            if byKey[sender.key] == nil { order.append(sender.key) }
            byKey[sender.key] = sender
        }
        return order.map { byKey[$0]! }
    }

    private static func describeChanges(from old: DomainRow, to new: DomainRow) -> [String] {
        func text(_ value: String?) -> String { value ?? "none" }
        func text(_ value: Int?) -> String { value.map(String.init) ?? "none" }
        var changes: [String] = []
        if old.intervalSeconds != new.intervalSeconds {
            changes.append("interval \(old.intervalSeconds)s -> \(new.intervalSeconds)s")
        }
        if old.expectSPFAll != new.expectSPFAll {
            changes.append("expected SPF all \(text(old.expectSPFAll)) -> \(text(new.expectSPFAll))")
        }
        if old.expectDMARCPolicy != new.expectDMARCPolicy {
            changes.append("expected DMARC policy \(text(old.expectDMARCPolicy)) -> \(text(new.expectDMARCPolicy))")
        }
        if old.expectMaxLookups != new.expectMaxLookups {
            changes.append("expected max lookups \(text(old.expectMaxLookups)) -> \(text(new.expectMaxLookups))")
        }
        if old.expectMTASTS != new.expectMTASTS {
            changes.append("expected MTA-STS mode \(text(old.expectMTASTS)) -> \(text(new.expectMTASTS))")
        }
        if old.expectTLSRPT != new.expectTLSRPT { changes.append("expected TLS-RPT \(old.expectTLSRPT == true) -> \(new.expectTLSRPT == true)") }
        if old.expectBIMI != new.expectBIMI { changes.append("expected BIMI \(old.expectBIMI == true) -> \(new.expectBIMI == true)") }
        if old.dkimSelectors != new.dkimSelectors {
            changes.append("DKIM selectors \(text(old.dkimSelectors)) -> \(text(new.dkimSelectors))")
        }
        return changes
    }

    /// Makes the domain's senders exactly `wanted`; returns what it added, removed or relabelled.
    private static func replaceSenders(of domainId: Int64, with wanted: [SenderRow], in db: Database) throws
        -> [String] {
        let current = try SenderRow.all().of(domainId: domainId).fetchAll(db)
        let currentByKey = Dictionary(current.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        let wantedKeys = Set(wanted.map(\.key))
        var added: [String] = [], removed: [String] = [], relabelled: [String] = []
        for old in current where !wantedKeys.contains(old.key) {
            try old.delete(db)
            removed.append("sender removed: \(old.key)")
        }
        for var sender in wanted {
            sender.domainId = domainId
            if let old = currentByKey[sender.key] {
                sender.id = old.id
                let labels = [("name", old.name != sender.name), ("owner", old.owner != sender.owner),
                              ("note", old.note != sender.note), ("dkim selectors", old.dkimSelectors != sender.dkimSelectors)]
                    .filter(\.1).map(\.0)
                guard !labels.isEmpty else { continue }
                try sender.update(db)
                relabelled.append("sender \(sender.key): \(labels.joined(separator: ", ")) changed")
            } else {
                sender.id = nil
                try sender.insert(db)
                added.append("sender added: \(sender.key)")
            }
        }
        return added.sorted() + removed.sorted() + relabelled.sorted()
    }
}
