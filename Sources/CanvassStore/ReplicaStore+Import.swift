import CanvassCore
import Foundation
import GRDB

extension ReplicaStore {
    /// The display values of every existing record of a collection, as `(id, values)` in id
    /// order: the cheap read that imports match against and reports count from.
    public func displays(in collection: String) throws -> [(id: String, values: [String: Value])] {
        try writer.read { db in
            try Self.displays(db, in: collection).sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        }
    }

    /// Performs many local writes (an import) in transactions of `batch` writes each: every
    /// write mints its dot and is queued for sync exactly as `write` does, but a file of
    /// 100,000 people commits in a few large durable transactions instead of one per record.
    ///
    /// When it returns, every write is durable. A crash in between keeps the batches already
    /// committed, each whole; an import run again finds those records unchanged.
    /// - Parameter progress: called after each commit with the number of writes done.
    public func writeInBatches(
        _ writes: [LocalWrite], wallclock: Int64, batch: Int = 10_000, progress: (Int) -> Void = { _ in }
    ) throws {
        var done = 0
        while done < writes.count {
            let end = min(writes.count, done + max(1, batch))
            let slice = Array(writes[done..<end])
            try writer.write { db in _ = try Self.write(db, slice, wallclock: wallclock) }
            done = end
            progress(done)
        }
    }
}
