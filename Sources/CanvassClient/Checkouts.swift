import CanvassCore
import CanvassStore
import Foundation

/// The door checkouts a device was last told about (SYNC.md, "Door checkout"), kept in the
/// store's meta table: each pull page that carries `checkouts` replaces them, in the page's own
/// transaction. They are advice: holds past their expiry count as free, and any door may still
/// be recorded.
enum CheckoutMeta {
    static let key = "checkouts"

    static func load(_ store: ReplicaStore) throws -> [ListCheckout] {
        guard let text = try store.meta(key) else { return [] }
        return (try? JSONDecoder().decode([ListCheckout].self, from: Data(text.utf8))) ?? []
    }

    static func save(_ tx: StoreTransaction, _ checkouts: [ListCheckout]) throws {
        try tx.setMeta(key, String(decoding: try JSONEncoder().encode(checkouts), as: UTF8.self))
    }
}

extension FieldClient {
    /// Whose each door of `list` is at `now`, by household id (free doors are absent).
    func doorHolds(_ store: ReplicaStore, list: String, now: Int64) throws -> [String: DoorHold] {
        ListCheckout.holds(try CheckoutMeta.load(store), list: list, now: now)
    }

    /// A walk list's stops with whose each door is: this device's batch (`mine`), another
    /// device's (`taken`), or free.
    func markingCheckouts(_ stops: [WalkStop], _ store: ReplicaStore, list: String, now: Int64) throws -> [WalkStop] {
        let holds = try doorHolds(store, list: list, now: now)
        return stops.map { $0.checkedOut(holds[$0.householdID]) }
    }
}
