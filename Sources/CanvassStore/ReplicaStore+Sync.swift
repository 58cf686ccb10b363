import CanvassCore
import Foundation
import GRDB

/// What applying a change set did.
public struct ApplyResult: Sendable, Equatable {
    /// Records whose state changed (and so took a new sequence).
    public var changed: [RecordKey] = []
    /// Records already up to date: nothing to do.
    public var unchanged = 0
    public init() {}
}

/// A page of the changes feed.
public struct FeedPage: Sendable {
    public let records: [CanvassCore.Record]
    /// The sequence of the last row read (the next `since`), or the input `since` if none.
    public let last: Int64
    public let more: Bool
}

/// One record as stored: its key and its JSON in the protocol's compact form.
public struct RawRecord: Sendable, Hashable {
    public let key: RecordKey
    public let json: String

    public init(key: RecordKey, json: String) {
        self.key = key
        self.json = json
    }
}

/// A page of the feed with records as stored JSON.
public struct RawFeedPage: Sendable {
    public let records: [RawRecord]
    public let last: Int64
    public let more: Bool

    public init(records: [RawRecord], last: Int64, more: Bool) {
        self.records = records
        self.last = last
        self.more = more
    }
}

/// A local change waiting for the server's acknowledgement.
public struct OutboxEntry: Sendable, Hashable {
    public let key: RecordKey
    /// The feed sequence of the record when it was queued; an acknowledgement only clears the
    /// entry if no newer local write happened since.
    public let seq: Int64
    public let status: String
    public let problems: [Diagnostic]
}

extension ReplicaStore {
    /// Merges a change set into the store in one transaction.
    ///
    /// - Parameter origin: the replica that sent it. When the merged state equals what that
    ///   replica sent, the row remembers it, so the feed does not echo the change back to it.
    @discardableResult
    public func apply(_ changeSet: ChangeSet, origin: ReplicaID? = nil) throws -> ApplyResult {
        try writer.write { db in try Self.apply(db, changeSet, origin: origin) }
    }

    /// The same, inside a caller's transaction.
    ///
    /// - Parameter loaded: current states the caller already read in this transaction (a server
    ///   that validated the page against them); other records are read here.
    @discardableResult
    static func apply(
        _ db: Database, _ changeSet: ChangeSet, origin: ReplicaID? = nil, loaded: [RecordKey: CanvassCore.Record?] = [:]
    ) throws -> ApplyResult {
        let rows = RecordRows(db)
        var result = ApplyResult()
        for incoming in changeSet.records {
            let existing: CanvassCore.Record?
            if let known = loaded[incoming.key] { existing = known } else { existing = try rows.load(incoming.key) }
            guard let (merged, rowOrigin) = StoredRecord.merge(incoming, into: existing, origin: origin) else {
                result.unchanged += 1
                continue
            }
            try rows.save(merged, origin: rowOrigin)
            result.changed.append(incoming.key)
        }
        return result
    }

    /// A record inside a caller's transaction.
    static func record(_ db: Database, _ key: RecordKey) throws -> CanvassCore.Record? {
        try RecordRows(db).load(key)
    }

    public func record(_ key: RecordKey) throws -> CanvassCore.Record? {
        try writer.read { db in try RecordRows(db).load(key) }
    }

    /// Every existing record of a collection (`Record.exists`), or every stored one.
    public func records(in collection: String, includeDeleted: Bool = false) throws -> [CanvassCore.Record] {
        try writer.read { db in try Self.records(db, in: collection, includeDeleted: includeDeleted) }
    }

    /// Display values of every existing record of a collection, keyed by id: the cheap read for
    /// queries. `clause` narrows it with this module's own SQL.
    static func displays(
        _ db: Database, in collection: String, where clause: String = "", arguments: StatementArguments = []
    ) throws -> [String: [String: Value]] {
        let decoder = JSONDecoder()
        var out: [String: [String: Value]] = [:]
        let rows = try Row.fetchCursor(
            db, sql: "SELECT id, display FROM records WHERE collection = ? AND deleted = 0 \(clause)",
            arguments: [collection] + arguments)
        while let row = try rows.next() {
            let text: String = row["display"]
            out[row["id"]] = try decoder.decode([String: Value].self, from: Data(text.utf8))
        }
        return out
    }

    /// The records changed after `since`, in feed order, at most `limit`.
    ///
    /// - Parameters:
    ///   - excludingOrigin: skip rows whose current state came unchanged from this replica's own push.
    ///   - filter: keeps only the keys the reader may see.
    ///   - scanLimit: rows examined before returning a (possibly empty) page with `more`, so a
    ///     reader with a narrow filter never holds a read transaction over the whole table.
    public func feed(
        since: Int64, limit: Int, excludingOrigin: ReplicaID? = nil, filter: ((RecordKey) -> Bool)? = nil,
        scanLimit: Int = 50_000
    ) throws -> FeedPage {
        let raw = try feedRaw(
            since: since, limit: limit, excludingOrigin: excludingOrigin, filter: filter, scanLimit: scanLimit)
        let decoder = JSONDecoder()
        let records = try raw.records.map { item -> CanvassCore.Record in
            do {
                return try decoder.decode(CanvassCore.Record.self, from: Data(item.json.utf8))
            } catch {
                throw StoreError(.corrupt, "stored state of \(item.key) cannot be read: \(error)")
            }
        }
        return FeedPage(records: records, last: raw.last, more: raw.more)
    }

    /// The same page with each record's stored JSON as is (the protocol's compact form), for a
    /// server to splice into a response without decoding and encoding it again.
    func feedRaw(
        since: Int64, limit: Int, excludingOrigin: ReplicaID? = nil, filter: ((RecordKey) -> Bool)? = nil,
        scanLimit: Int = 50_000
    ) throws -> RawFeedPage {
        try writer.read { db in
            try Self.feedRaw(
                db, since: since, limit: limit, excludingOrigin: excludingOrigin, filter: filter, scanLimit: scanLimit)
        }
    }

    /// The same, inside a caller's read.
    static func feedRaw(
        _ db: Database, since: Int64, limit: Int, excludingOrigin: ReplicaID?, filter: ((RecordKey) -> Bool)?,
        scanLimit: Int = 50_000
    ) throws -> RawFeedPage {
        let rows = try Row.fetchCursor(
            db, sql: "SELECT collection, id, state, seq, origin FROM records WHERE seq > ? ORDER BY seq",
            arguments: [since])
        var out: [RawRecord] = []
        var last = since
        var scanned = 0
        while let row = try rows.next() {
            if out.count == limit || scanned == scanLimit { return RawFeedPage(records: out, last: last, more: true) }
            scanned += 1
            last = row["seq"]
            let key = RecordKey(row["collection"], row["id"])
            if let o: String = row["origin"], o == excludingOrigin?.rawValue { continue }
            if let filter, !filter(key) { continue }
            out.append(RawRecord(key: key, json: row["state"]))
        }
        return RawFeedPage(records: out, last: last, more: false)
    }

    /// The feed restricted to a known set of keys, by looking each key up instead of scanning
    /// every change since `since`: what a canvasser with a few hundred records in scope needs
    /// from a store where thousands of other records changed.
    static func feedRaw(
        _ db: Database, keys: Set<RecordKey>, since: Int64, limit: Int, excludingOrigin: ReplicaID?
    ) throws -> RawFeedPage {
        // Fewer changes since the checkpoint than keys in scope (every change takes one sequence):
        // reading those changes is cheaper than looking up every key, and costs O(changes).
        let last = try lastSeq(db)
        if last - since < Int64(keys.count) {
            return try feedRaw(
                db, since: since, limit: limit, excludingOrigin: excludingOrigin, filter: { keys.contains($0) },
                scanLimit: Int.max)
        }
        let stmt = try db.cachedStatement(
            sql: "SELECT seq, origin FROM records WHERE collection = ? AND id = ? AND seq > ?")
        var hits: [(Int64, RecordKey)] = []
        for k in keys {
            guard let row = try Row.fetchOne(stmt, arguments: [k.collection, k.id, since]) else { continue }
            if let o: String = row["origin"], o == excludingOrigin?.rawValue { continue }
            hits.append((row["seq"], k))
        }
        hits.sort { $0.0 < $1.0 }
        let page = hits.prefix(limit)
        let state = try db.cachedStatement(sql: "SELECT state FROM records WHERE collection = ? AND id = ?")
        let records = try page.map {
            RawRecord(key: $0.1, json: try String.fetchOne(state, arguments: [$0.1.collection, $0.1.id])!)
        }
        if hits.count > limit { return RawFeedPage(records: records, last: page.last!.0, more: true) }
        // Everything in scope up to now is delivered: the checkpoint may move to the last sequence.
        return RawFeedPage(records: records, last: max(since, last), more: false)
    }

    /// Every existing record of a collection (or every stored one) inside a caller's read.
    static func records(_ db: Database, in collection: String, includeDeleted: Bool = false) throws -> [CanvassCore
        .Record]
    {
        let rows = try Row.fetchAll(
            db,
            sql:
                "SELECT id, state FROM records WHERE collection = ?\(includeDeleted ? "" : " AND deleted = 0") ORDER BY id",
            arguments: [collection])
        let r = RecordRows(db)
        return try rows.map { row in try r.decode(row["state"], RecordKey(collection, row["id"])) }
    }

    /// The last feed sequence inside a caller's read.
    static func lastSeq(_ db: Database) throws -> Int64 { try Int64.fetchOne(db, sql: "SELECT seq FROM clock") ?? 0 }

    /// Stored JSON of the given records (those that exist), in the order asked.
    static func rawRecords(_ db: Database, _ keys: [RecordKey]) throws -> [RawRecord] {
        guard keys.count > 8 else {
            let stmt = try db.cachedStatement(sql: "SELECT state FROM records WHERE collection = ? AND id = ?")
            return try keys.compactMap { k in
                try String.fetchOne(stmt, arguments: [k.collection, k.id]).map { RawRecord(key: k, json: $0) }
            }
        }
        // A scope page asks for thousands: one statement over the list, in the order asked.
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT k.key, r.state FROM json_each(?) AS k
                CROSS JOIN records AS r ON r.collection = json_extract(k.value, '$[0]') AND r.id = json_extract(k.value, '$[1]')
                ORDER BY k.key
                """,
            arguments: [keyList(keys)])
        var out: [RawRecord] = []
        out.reserveCapacity(keys.count)
        while let row = try rows.next() { out.append(RawRecord(key: keys[row[0]], json: row[1])) }
        return out
    }

    /// `[["collection","id"], …]`: a list of keys as one argument, for `json_each`.
    static func keyList(_ keys: [RecordKey]) -> String {
        var list = JSONText(capacity: keys.count * 32)
        list.append(raw: "[")
        for (i, k) in keys.enumerated() {
            if i > 0 { list.append(raw: ",") }
            list.append(raw: "[")
            list.string(k.collection)
            list.append(raw: ",")
            list.string(k.id)
            list.append(raw: "]")
        }
        list.append(raw: "]")
        return list.string
    }

    // MARK: outbox

    /// The oldest pending local changes with their current full state, at most `limit`.
    public func pendingPage(limit: Int) throws -> [(entry: OutboxEntry, record: CanvassCore.Record)] {
        try writer.read { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT collection, id, seq FROM outbox WHERE status = 'pending' ORDER BY seq LIMIT ?",
                arguments: [limit])
            let r = RecordRows(db)
            return try rows.compactMap { row in
                let key = RecordKey(row["collection"], row["id"])
                guard let record = try r.load(key) else { return nil }
                return (OutboxEntry(key: key, seq: row["seq"], status: "pending", problems: []), record)
            }
        }
    }

    /// Outbox entries by status: `pending` (not yet acknowledged) or `rejected` (refused, with reasons).
    public func outbox(status: String? = nil) throws -> [OutboxEntry] {
        try writer.read { db in
            let rows = try Row.fetchAll(
                db,
                sql:
                    "SELECT collection, id, seq, status, problems FROM outbox \(status == nil ? "" : "WHERE status = ?") ORDER BY seq",
                arguments: status.map { [$0] } ?? [])
            return try rows.map { row in
                let problems: [Diagnostic]
                if let text: String = row["problems"] {
                    problems = try JSONDecoder().decode([Diagnostic].self, from: Data(text.utf8))
                } else {
                    problems = []
                }
                return OutboxEntry(
                    key: RecordKey(row["collection"], row["id"]), seq: row["seq"], status: row["status"],
                    problems: problems)
            }
        }
    }

    /// Records the server's answer to a pushed page. Accepted entries leave the outbox unless a
    /// newer local write came since; rejected ones stay, marked with their reasons, until a new
    /// local write replaces them.
    public func acknowledge(accepted: [OutboxEntry], rejected: [(OutboxEntry, [Diagnostic])]) throws {
        try writer.write { db in
            let del = try db.cachedStatement(sql: "DELETE FROM outbox WHERE collection = ? AND id = ? AND seq = ?")
            for e in accepted { try del.execute(arguments: [e.key.collection, e.key.id, e.seq]) }
            let rej = try db.cachedStatement(
                sql: "UPDATE outbox SET status = 'rejected', problems = ? WHERE collection = ? AND id = ? AND seq = ?")
            let enc = JSONEncoder()
            for (e, problems) in rejected {
                try rej.execute(arguments: [
                    String(decoding: try enc.encode(problems), as: UTF8.self), e.key.collection, e.key.id, e.seq,
                ])
            }
        }
    }

    /// Removes records that left this replica's scope, except those with changes still in the
    /// outbox (they are kept until pushed or dealt with). Returns the keys kept back.
    static func evict(_ db: Database, _ keys: [RecordKey]) throws -> [RecordKey] {
        var kept: [RecordKey] = []
        let held = try db.cachedStatement(sql: "SELECT 1 FROM outbox WHERE collection = ? AND id = ?")
        let del = try db.cachedStatement(sql: "DELETE FROM records WHERE collection = ? AND id = ?")
        for k in keys {
            if try Bool.fetchOne(held, arguments: [k.collection, k.id]) == true {
                kept.append(k)
            } else {
                try del.execute(arguments: [k.collection, k.id])
            }
        }
        return kept
    }

    // MARK: conflicts

    /// Every conflicted field, sorted by record and field.
    public func conflicts(in collection: String? = nil) throws -> [Conflict] {
        try writer.read { db in
            let rows = try Row.fetchAll(
                db,
                sql:
                    "SELECT collection, id, state FROM records WHERE conflicts > 0 \(collection == nil ? "" : "AND collection = ?") ORDER BY collection, id",
                arguments: collection.map { [$0] } ?? [])
            let r = RecordRows(db)
            return try rows.flatMap { row -> [Conflict] in
                let key = RecordKey(row["collection"], row["id"])
                return try r.decode(row["state"], key).conflicts
            }
        }
    }

    /// Counts for a status screen.
    public func counts() throws -> (records: Int, pending: Int, rejected: Int, conflicts: Int) {
        try writer.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM records") ?? 0,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE status = 'pending'") ?? 0,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE status = 'rejected'") ?? 0,
                try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(conflicts), 0) FROM records") ?? 0
            )
        }
    }
}
