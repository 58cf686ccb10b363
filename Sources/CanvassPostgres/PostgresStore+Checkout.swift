import CanvassCore
import CanvassStore
import Foundation
import PostgresNIO

/// Door checkout on shared walk lists on PostgreSQL: the inputs of `CheckoutAllocator` fetched
/// with SQL, its outcome stored, as `ServerStore.checkOut` does on SQLite.
///
/// Two processes may check out doors of one list at the same moment. Each list's allocation runs
/// under a transaction advisory lock on the list (taken in list order, so two syncs of the same
/// lists never deadlock), which covers doors that have no checkout row yet: the second process
/// reads the first's checkouts after its commit, so no door is handed to two devices. The
/// `(list_id, household_id)` primary key is the backstop.
extension PostgresStore {
    /// The advisory-lock key of a list's checkouts (two-argument form, class 2; records use class 1).
    static func checkoutLockKey(_ list: String) -> Int32 { lockKey(RecordKey("checkouts", list)) }

    /// Checks out doors of `lists` to `device` in one transaction and returns every checkout of
    /// those lists as the device is told about them.
    public func checkOut(lists: [String], device: ReplicaID, now: Int64, policy: CheckoutPolicy) async throws
        -> [ListCheckout]
    {
        // Most lists are worked by one canvasser: a read finds the lists that are shared or still
        // hold checkouts, so a sync of an unshared list takes no lock at all.
        let candidates = try await read { connection in
            var out: [String] = []
            for list in Set(lists).sorted() {
                if try await checkoutApplies(connection, list).applies {
                    out.append(list)
                } else if !(try await rows(
                    connection, "SELECT 1 FROM checkouts WHERE list_id = \(list) LIMIT 1", as: Int32.self
                )
                .isEmpty) {
                    out.append(list)
                }
            }
            return out
        }
        if candidates.isEmpty { return [] }
        return try await transaction { connection in
            let keys = candidates.map(Self.checkoutLockKey).sorted()
            try await exec(
                connection,
                "SELECT count(pg_advisory_xact_lock(2, k)) FROM unnest(\(keys)::int4[]) WITH ORDINALITY AS t(k, o)")
            var out: [ListCheckout] = []
            for list in candidates {
                let current = try await rows(
                    connection, "SELECT household_id, replica, expires_at FROM checkouts WHERE list_id = \(list)",
                    as: (String, String, Int64).self
                ).map { Checkout(householdID: $0.0, replica: ReplicaID($0.1), expiresAt: $0.2) }
                let (applies, users) = try await checkoutApplies(connection, list)
                var next: [Checkout] = []
                if applies {
                    var holders: Set<ReplicaID> = []
                    for r in try await rows(
                        connection,
                        "SELECT replica FROM devices WHERE user_id = ANY(\(users)::text[]) AND revoked_at IS NULL",
                        as: String.self)
                    {
                        holders.insert(ReplicaID(r))
                    }
                    next = CheckoutAllocator.allocate(
                        stops: try await walkList(connection, list), current: current, sharedBy: users.count,
                        holders: holders, device: device, now: now, policy: policy)
                }
                if Set(next) != Set(current) {
                    try await exec(connection, "DELETE FROM checkouts WHERE list_id = \(list)")
                    if !next.isEmpty {
                        try await exec(
                            connection,
                            """
                            INSERT INTO checkouts (list_id, household_id, replica, expires_at)
                            SELECT \(list), h, r, e FROM unnest(\(next.map(\.householdID))::text[],
                                \(next.map(\.replica.rawValue))::text[], \(next.map(\.expiresAt))::int8[]) AS t(h, r, e)
                            """)
                    }
                }
                out += ListCheckout.view(list: list, next, for: device)
            }
            return out
        }
    }

    /// Whether a list's doors are checked out (`CheckoutAllocator.applies`: it exists, and is a
    /// walk list assigned to two or more users), and those users.
    private func checkoutApplies(_ connection: PostgresConnection, _ list: String) async throws -> (
        applies: Bool, users: [String]
    ) {
        let key = RecordKey("lists", list)
        let record = try await load(connection, [key])[key]
        guard Record.exists(record) else { return (false, []) }
        let users = try await rows(
            connection,
            """
            SELECT DISTINCT display->>'user_id' FROM records
            WHERE collection = 'assignments' AND NOT deleted AND display->>'list_id' = \(list)
                AND jsonb_typeof(display->'user_id') = 'string'
            """, as: String.self)
        return (CheckoutAllocator.applies(kind: record?["kind"]?.stringValue, sharedBy: users.count), users)
    }

    /// A list's walk (`WalkListRead.stops`) from the display values of its items, their contacts,
    /// those people's interactions, their households and the list's survey.
    func walkList(_ connection: PostgresConnection, _ list: String) async throws -> [WalkStop] {
        let decoder = JSONDecoder()
        func displays(_ query: PostgresQuery) async throws -> [String: [String: Value]] {
            var out: [String: [String: Value]] = [:]
            for (id, text) in try await rows(connection, query, as: (String, String).self) {
                out[id] = try decoder.decode([String: Value].self, from: Data(text.utf8))
            }
            return out
        }
        let items = try await displays(
            """
            SELECT id, display::text FROM records
            WHERE collection = 'list_items' AND NOT deleted AND display->>'list_id' = \(list)
            """
        ).values.compactMap(WalkListRead.item)
        let ids = Array(Set(items.map(\.contact)))
        let contacts = try await displays(
            """
            SELECT id, display::text FROM records
            WHERE collection = 'contacts' AND NOT deleted AND id = ANY(\(ids)::text[])
            """)
        var history: [String: [InteractionSummary]] = [:]
        let people = Array(contacts.keys)
        for (id, text) in try await rows(
            connection,
            """
            SELECT id, display::text FROM records
            WHERE collection = 'interactions' AND NOT deleted AND display->>'person_id' = ANY(\(people)::text[])
            """, as: (String, String).self)
        {
            let d = try decoder.decode([String: Value].self, from: Data(text.utf8))
            if let p = d["person_id"]?.stringValue {
                history[p, default: []].append(WalkListRead.interaction(id: id, d))
            }
        }
        for (p, h) in history { history[p] = WalkListRead.newestFirst(h) }
        let householdIDs = Array(Set(contacts.values.compactMap { $0["household_id"]?.stringValue }))
        let households = try await displays(
            """
            SELECT id, display::text FROM records
            WHERE collection = 'households' AND NOT deleted AND id = ANY(\(householdIDs)::text[])
            """)
        let survey = try await displays(
            """
            SELECT s.id, s.display::text FROM records l
            JOIN records s ON s.collection = 'surveys' AND s.id = l.display->>'survey_id' AND NOT s.deleted
            WHERE l.collection = 'lists' AND l.id = \(list) AND NOT l.deleted
            """
        ).values.first.flatMap { WalkListRead.survey($0["definition"]) }
        return WalkListRead.stops(
            items: items, contacts: contacts, history: history, households: households, survey: survey)
    }
}
