import CanvassCore
import CanvassStore

/// A client replica driven in process, for tools that run many clients against one server in
/// a process of their own (the benchmarks, the crash-safety probe). It hands the store to
/// `SyncEngine`, `FieldOperations` and `Enrollment`, so such a tool never imports CanvassStore.
public struct ClientReplica: Sendable {
    public let store: ReplicaStore

    private init(_ store: ReplicaStore) { self.store = store }

    /// Opens (creating if needed) a replica file (WAL, synchronous=FULL, mode 0600).
    public static func open(path: String) throws -> ClientReplica { ClientReplica(try ReplicaStore.open(path: path)) }

    /// A replica in memory.
    public static func inMemory() throws -> ClientReplica { ClientReplica(try ReplicaStore.inMemory()) }

    /// The ids of the people on a walk list, in walk order.
    public func walkPeople(_ list: String) throws -> [String] { try store.walkList(list).flatMap(\.people).map(\.id) }

    /// The ids of the people on a call list, in list order.
    public func callPeople(_ list: String) throws -> [String] { try store.callList(list).map(\.id) }

}
