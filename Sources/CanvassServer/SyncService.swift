import CanvassCore
import CanvassProtocol
import CanvassStore
import Foundation

/// Who is syncing: an enrolled device of a user.
public struct DeviceIdentity: Sendable, Hashable {
    public let replica: ReplicaID
    public let userID: String
    public let role: Role

    public init(replica: ReplicaID, userID: String, role: Role) {
        self.replica = replica
        self.userID = userID
        self.role = role
    }
}

/// A protocol error: the HTTP layer maps it to a status and an `ErrorBody`.
public struct SyncError: Error, CustomStringConvertible, Sendable {
    public let status: Int
    public let body: ErrorBody

    public init(_ status: Int, _ code: String, _ message: String, details: [Diagnostic]? = nil) {
        self.status = status
        body = ErrorBody(code: code, message: message, details: details)
    }

    public var description: String { "\(status) \(body)" }
}

/// The server side of push and pull over a replica store, without HTTP: validation, one-transaction
/// merge, echo suppression, paging and checkpoints.
public final class SyncService: Sendable {
    public let store: ReplicaStore
    public let schema: Schema

    public init(store: ReplicaStore, schema: Schema = CampaignSchema.standard) {
        self.store = store
        self.schema = schema
    }

    /// Validates every record of a page and merges the accepted ones in one transaction; answers
    /// per record. Returns only after the commit is durable.
    public func push(_ request: PushRequest, from device: DeviceIdentity) throws -> PushResponse {
        let records = request.changes.records
        guard records.count <= ProtocolInfo.maxPushRecords else {
            throw SyncError(413, "too_large", "a push page holds at most \(ProtocolInfo.maxPushRecords) records; this one has \(records.count). Send smaller pages.")
        }
        var keys: Set<RecordKey> = []
        for (i, r) in records.enumerated() where !keys.insert(r.key).inserted {
            throw SyncError(400, "bad_request", "record \(r.key) appears twice in one page", details: [
                Diagnostic(at: "records[\(i)]", code: "duplicate_record", "record \(r.key) appears twice in one page")
            ])
        }
        return try store.transaction { tx in
            var results: [PushResult] = []
            var accepted: [Record] = []
            for (i, record) in records.enumerated() {
                let existing = try tx.record(record.key)
                var problems = schema.validate(
                    ChangeSet(records: [record]), role: device.role, author: device.replica, unknown: .reject,
                    existing: { _ in existing }, knownCounter: { r in (try? tx.knownCounter(r)) ?? 0 })
                if record.key.collection == "interactions", existing == nil {
                    problems += try checkInteraction(tx, record)
                }
                problems = problems.map { $0.relocated(to: i) }
                if problems.hasErrors {
                    results.append(PushResult(key: record.key, status: .rejected, problems: problems))
                } else {
                    results.append(PushResult(key: record.key, status: .accepted, problems: problems))
                    accepted.append(record)
                }
            }
            try tx.apply(ChangeSet(records: accepted), origin: device.replica)
            return PushResponse(results: results)
        }
    }

    /// An interaction's result and answers must fit the survey of its list.
    private func checkInteraction(_ tx: StoreTransaction, _ record: Record) throws -> [Diagnostic] {
        guard let surveyID = record["survey_id"]?.stringValue else { return [] }
        guard let survey = try tx.record(RecordKey("surveys", surveyID)),
            let definition = survey["definition"], let parsed = try? definition.decode(as: Survey.self)
        else {
            return [Diagnostic(at: "records[0].fields.survey_id", code: "bad_value", "survey '\(surveyID)' does not exist on the server")]
        }
        var answers: [String: Value] = [:]
        if case .object(let o)? = record["answers"] { answers = o }
        return parsed.validate(result: record["result"]?.stringValue ?? "", answers: answers, at: "records[0].fields")
    }

    /// One page of the changes feed after `since`.
    public func pull(since checkpoint: String?, limit: Int, for device: DeviceIdentity) throws -> PullResponse {
        guard (1...ProtocolInfo.maxPullLimit).contains(limit) else {
            throw SyncError(400, "bad_request", "limit must be 1–\(ProtocolInfo.maxPullLimit); got \(limit)")
        }
        let epoch = try store.meta("feed_epoch") ?? "0"
        var since: Int64 = 0
        if let checkpoint {
            let parts = checkpoint.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 2, let seq = Int64(parts[1]), seq >= 0 else {
                throw SyncError(400, "bad_request", "checkpoint '\(checkpoint.prefix(40))' is not one this server issued; discard it and pull from the beginning", details: [
                    Diagnostic(at: "since", code: "bad_checkpoint", "unreadable checkpoint")
                ])
            }
            // A checkpoint of another feed epoch (a restored store) counts as absent.
            since = parts[0] == Substring(epoch) ? seq : 0
        }
        let page = try store.feed(since: since, limit: limit, excludingOrigin: device.replica)
        return PullResponse(records: page.records, evict: [], checkpoint: "\(epoch).\(page.last)", more: page.more)
    }
}

extension Diagnostic {
    /// The same diagnostic, with its leading `records[0]` pointing at record `index` of the page.
    func relocated(to index: Int) -> Diagnostic {
        guard location.hasPrefix("records[0]") else { return self }
        return Diagnostic(severity, at: "records[\(index)]" + location.dropFirst("records[0]".count), code: code, message)
    }
}
