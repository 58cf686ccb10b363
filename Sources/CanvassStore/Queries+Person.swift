import CanvassCore
import Foundation
import GRDB

// Reads for a person's views (`canvass show`, `history`) and for a campaign's share of the
// records (`conflicts --campaign`). The views themselves are pure (CanvassCore's `PersonView`,
// `PersonHistory`, `CampaignMembership`); these only fetch what they read.
extension ReplicaStore {
    /// Every existing interaction about a person, as full records (their dots name the writer).
    public func interactions(ofPerson id: String) throws -> [CanvassCore.Record] {
        try writer.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT id, state FROM records WHERE collection = 'interactions' AND deleted = 0
                    AND json_extract(display, '$.person_id') = ? ORDER BY id
                    """, arguments: [id])
            let r = RecordRows(db)
            return try rows.map { try r.decode($0["state"], RecordKey("interactions", $0["id"])) }
        }
    }

    /// The existing lists with an existing item naming this contact, by id.
    public func lists(holding contact: String) throws -> [String] {
        try writer.read { db in
            let items = try Self.displays(
                db, in: "list_items", where: "AND json_extract(display, '$.contact_id') = ?", arguments: [contact])
            let named = Set(items.values.compactMap { $0["list_id"]?.stringValue })
            return try Self.existing(db, "lists", named).sorted()
        }
    }

    /// The display values of the existing items of these lists.
    public func listItems(of lists: [String]) throws -> [[String: Value]] {
        try writer.read { db in
            try lists.flatMap { list in
                try Self.displays(
                    db, in: "list_items", where: "AND json_extract(display, '$.list_id') = ?", arguments: [list]
                ).values
            }
        }
    }

    /// The ids of the existing contacts living in a household.
    public func residents(of household: String) throws -> [String] {
        try writer.read { db in
            try Self.displays(
                db, in: "contacts", where: "AND json_extract(display, '$.household_id') = ?", arguments: [household]
            ).keys.sorted()
        }
    }

    /// Display values of every existing record of a collection, by id: the cheap read.
    public func displayValues(in collection: String) throws -> [(id: String, values: [String: Value])] {
        try writer.read { db in
            try Self.displays(db, in: collection).sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        }
    }

    /// Which of these ids name existing records of a collection.
    private static func existing(_ db: Database, _ collection: String, _ ids: Set<String>) throws -> [String] {
        let stmt = try db.cachedStatement(sql: "SELECT 1 FROM records WHERE collection = ? AND id = ? AND deleted = 0")
        return try ids.filter { try Bool.fetchOne(stmt, arguments: [collection, $0]) == true }
    }
}
