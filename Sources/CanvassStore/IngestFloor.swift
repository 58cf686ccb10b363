import Foundation
import GRDB

/// What plain SQLite needs to store field writes, with the server's durability and nothing else:
/// the floor `canvass-bench burst` compares the server's ingest with (issue 13). It lives here
/// because this module holds the SQLite store's SQL.
public enum IngestFloor {
    /// One field write as a row: the record, the field, the value (JSON), its dot and wallclock.
    public struct Row: Sendable {
        public let collection: String
        public let id: String
        public let field: String
        public let value: String
        public let replica: String
        public let counter: Int64
        public let wallclock: Int64

        public init(
            collection: String, id: String, field: String, value: String, replica: String, counter: Int64,
            wallclock: Int64
        ) {
            self.collection = collection
            self.id = id
            self.field = field
            self.value = value
            self.replica = replica
            self.counter = counter
            self.wallclock = wallclock
        }
    }

    /// INSERTs every row, one statement each, into a fresh file at `path`, one transaction per
    /// element of `transactions`, in WAL mode with synchronous=FULL, as the server's store is
    /// opened. Returns the seconds from the first INSERT to the last durable COMMIT.
    public static func insert(_ transactions: [[Row]], path: String) throws -> Double {
        var config = Configuration()
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        let pool = try DatabasePool(path: path, configuration: config)
        try pool.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE field_writes (
                        collection TEXT NOT NULL,
                        id TEXT NOT NULL,
                        field TEXT NOT NULL,
                        value TEXT NOT NULL,
                        replica TEXT NOT NULL,
                        counter INTEGER NOT NULL,
                        wallclock INTEGER NOT NULL
                    )
                    """)
        }
        let start = ContinuousClock.now
        for rows in transactions {
            try pool.write { db in
                let stmt = try db.cachedStatement(
                    sql: """
                        INSERT INTO field_writes (collection, id, field, value, replica, counter, wallclock)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """)
                for r in rows {
                    try stmt.execute(arguments: [
                        r.collection, r.id, r.field, r.value, r.replica, r.counter, r.wallclock,
                    ])
                }
            }
        }
        let elapsed = ContinuousClock.now - start
        try pool.close()
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
