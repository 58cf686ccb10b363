import CanvassCore
import CanvassProtocol
import CanvassServer
import CanvassTestSupport
import Foundation
import NIOCore
import Testing

/// The push vectors (protocol/vectors/push) through the pure judge, with no database and no
/// `await`, and through each backend's push transaction and pull path.
@Suite struct PushVectorTests {
    static let vectors = (try? PushVector.loadAll()) ?? []

    @Test func theVectorsLoad() throws {
        #expect(try PushVector.loadAll().count >= 14)
    }

    /// The pushed records' state after the push, as `expect.records` lists it.
    static func compare(_ after: [RecordKey: Record], _ v: PushVector) {
        let pushed = Set((v.push?.records ?? []).map(\.key))
        let expected = Dictionary(uniqueKeysWithValues: (v.expect.records ?? []).map { ($0.key, $0) })
        for key in pushed.sorted() {
            #expect(after[key] == expected[key], "\(v.file): \(key) after the push")
        }
    }

    @Test(arguments: vectors.map(\.file))
    func judgedPurely(file: String) throws {
        let v = try #require(Self.vectors.first { $0.file == file })
        guard let push = v.push else {
            // Malformed on the wire: the decoder refuses the whole body.
            #expect(throws: ProtocolError.self) {
                try WireCodec.decode(PushRequest.self, from: ByteBuffer(bytes: try v.body()))
            }
            return
        }
        var state: [RecordKey: Record] = [:]
        for r in v.start.records { state[r.key, default: Record(key: r.key)].merge(r) }
        let surveys = Dictionary(
            uniqueKeysWithValues: v.start.records.filter { $0.key.collection == "surveys" }.map { ($0.key.id, $0) })
        let snapshot = PushSnapshot(existing: state, surveys: surveys, scope: v.scopeKeys)
        let decision = PushJudge(schema: CampaignSchema.standard, device: v.device.identity, snapshot: snapshot).judge(
            push.records)
        #expect(
            decision.results.map(PushVector.result) == v.expect.results,
            "\(file): \(decision.results.flatMap(\.problems))")
        // A forged record refuses the whole page: nothing of it is applied.
        #expect(decision.forgeries.isEmpty == (v.expect.error == nil), "\(file): whole-page refusal")
        if v.expect.error != nil { #expect(decision.accepted.isEmpty) }
        for r in decision.accepted { state[r.key, default: Record(key: r.key)].merge(r) }
        Self.compare(state, v)
    }

    @Test(.freshDatabases, arguments: TestBackend.all, vectors.map(\.file))
    func judgedByTheStore(backend: TestBackend, file: String) async throws {
        let v = try #require(Self.vectors.first { $0.file == file })
        let storage = try await backend.storage()
        try await v.seed(storage)
        let service = SyncService(storage: storage)
        if let scope = v.scopeKeys {
            // The store derives the same scope from the records as the vector states.
            #expect(try await storage.canvasserScope(userID: v.device.userID) == scope, "\(file): scope")
        }
        guard let push = v.push else { return }
        do {
            let response = try await service.push(PushRequest(changes: push), from: v.device.identity)
            #expect(v.expect.error == nil, "\(file): answered 200, expected \(v.expect.error ?? "")")
            #expect(
                response.results.map { PushVector.Result(accepted: $0.status == .accepted, problems: $0.problems) }
                    == v.expect.results, "\(file)")
        } catch let e as ServerError {
            #expect(e.statusCode == 400 && e.body.error.code == v.expect.error, "\(file): \(e)")
            #expect(
                (e.body.error.details ?? []).map(\.code).sorted() == (v.expect.results ?? []).flatMap(\.codes).sorted(),
                "\(file): details")
        }
        var after: [RecordKey: Record] = [:]
        for r in push.records { after[r.key] = try await storage.record(r.key) }
        Self.compare(after, v)
        // Whatever happened, every role can still be served everything in its scope.
        for reader in [v.device.identity, DeviceIdentity(replica: ReplicaID("dZ"), userID: "u-adm", role: .admin)] {
            var since: String?
            repeat {
                let page = try WireCodec.decode(
                    PullResponse.self,
                    from: try WireCodec.encode(try await service.pull(since: since, limit: 5, for: reader)))
                since = page.more ? page.checkpoint : nil
            } while since != nil
        }
    }
}
