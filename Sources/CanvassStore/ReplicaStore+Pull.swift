import CanvassCore
import GRDB

extension StoreTransaction {
    /// Merges a pulled page into the store, in this transaction: the client's side of a pull.
    ///
    /// The outcome is `apply`'s (each record merged with what is stored, `StoredRecord` rows, a new
    /// sequence for each changed record, in page order), but with a statement per page rather than
    /// several per record: the page's stored states are read in one query, the sequences taken in
    /// one update, and the rows written in multi-row inserts. A first sync writes tens of
    /// thousands of records, and per-record statements were most of its time on the client.
    @discardableResult
    public func applyPulled(_ records: [CanvassCore.Record]) throws -> ApplyResult {
        try ReplicaStore.applyPulled(db, records)
    }
}

extension ReplicaStore {
    /// Rows per insert statement: 8 arguments each, well under SQLite's limit of 32,766.
    static let pulledRowsPerStatement = 200

    static func applyPulled(_ db: Database, _ records: [CanvassCore.Record]) throws -> ApplyResult {
        var result = ApplyResult()
        guard !records.isEmpty else { return result }
        var current = try storedStates(db, records.map(\.key))
        // Merged states in page order; a key met twice in a page merges into its first result
        // and takes its place in the feed at its last change, as applying one by one would.
        var order: [RecordKey] = []
        var changed: [RecordKey: CanvassCore.Record] = [:]
        for incoming in records {
            guard let (merged, _) = StoredRecord.merge(incoming, into: current[incoming.key], origin: nil) else {
                result.unchanged += 1
                continue
            }
            current[incoming.key] = merged
            if changed.updateValue(merged, forKey: incoming.key) != nil { order.removeAll { $0 == incoming.key } }
            order.append(incoming.key)
            result.changed.append(incoming.key)
        }
        guard !order.isEmpty else { return result }
        let last = try Int64.fetchOne(
            db, sql: "UPDATE clock SET seq = seq + ? RETURNING seq", arguments: [order.count])!
        var seq = last - Int64(order.count)
        for start in stride(from: 0, to: order.count, by: pulledRowsPerStatement) {
            let chunk = order[start..<min(start + pulledRowsPerStatement, order.count)]
            var arguments: [(any DatabaseValueConvertible)?] = []
            arguments.reserveCapacity(chunk.count * 8)
            for key in chunk {
                seq += 1
                let row = StoredRecord(changed[key]!)
                arguments += [key.collection, key.id, row.state, row.display, seq, row.conflicts, row.deleted, nil]
            }
            let values = Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?)", count: chunk.count).joined(separator: ", ")
            // The same row `RecordRows.save` writes; a pulled state remembers no origin.
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO records (collection, id, state, display, seq, conflicts, deleted, origin)
                    VALUES \(values)
                    ON CONFLICT (collection, id) DO UPDATE SET state = excluded.state, display = excluded.display,
                        seq = excluded.seq, conflicts = excluded.conflicts, deleted = excluded.deleted, origin = excluded.origin
                    """)
            try statement.execute(arguments: StatementArguments(arguments))
        }
        return result
    }

    /// The stored states of `keys` (those stored), read in one statement. An empty store (a first
    /// sync's first page) is not searched at all.
    static func storedStates(_ db: Database, _ keys: [RecordKey]) throws -> [RecordKey: CanvassCore.Record] {
        guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM records)") == true else { return [:] }
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT r.collection, r.id, r.state FROM json_each(?) AS k
                CROSS JOIN records AS r ON r.collection = json_extract(k.value, '$[0]') AND r.id = json_extract(k.value, '$[1]')
                """,
            arguments: [keyList(keys)])
        var out: [RecordKey: CanvassCore.Record] = [:]
        while let row = try rows.next() {
            let key = RecordKey(row[0], row[1])
            out[key] = try StoredRecord.decode(row[2], key)
        }
        return out
    }
}

extension ReplicaStore {
    /// Fills the store with `contacts` contacts of `campaign` on no list, written once each by a
    /// replica `seed`, through the batched apply, 20,000 to a transaction: how the delta-pull
    /// bench builds a store of a million records in seconds. Not for production data.
    public func seedForBench(contacts: Int, campaign: String) throws {
        let seed = ReplicaID("seed")
        var n = 0
        while n < contacts {
            let batch = (n..<min(n + 20_000, contacts)).map { i -> CanvassCore.Record in
                let values: [String: Value] = [
                    "campaign_id": .string(campaign), "first_name": .string("Filler"),
                    "last_name": .string("Person \(i)"), "household_id": .string("fh-\(i / 2)"),
                    "phone": .string("555-\(1000 + i % 9000)"), "birth_year": .int(Int64(1940 + i % 60)),
                    "party": .string(["D", "R", "I"][i % 3]), "do_not_call": .bool(false),
                ]
                let dot = Dot(seed, UInt64(i + 1))
                return CanvassCore.Record(
                    key: RecordKey("contacts", "fill-\(i)"),
                    fields: values.mapValues {
                        Register(siblings: [Sibling(dot: dot, wallclock: 1_760_000_000_000, value: $0)])
                    })
            }
            try writer.write { db in _ = try Self.applyPulled(db, batch) }
            n += batch.count
        }
    }
}
