import CanvassCampaign
import CanvassCore
import CanvassStore
import Testing

/// Who a mailing goes to, with no database: the segment's criteria (parsed as `canvass segment`
/// parses them), then the one "may we email this person" rule; ids `MAILING@PERSON`.
@Suite struct MailingQueueTests {
    static func record(_ collection: String, _ id: String, _ values: [String: Value]) -> Record {
        var fields: [String: Register] = [:]
        for (n, (name, value)) in values.sorted(by: { $0.key < $1.key }).enumerated() {
            fields[name] = Register.delta(
                writing: value, at: Dot(ReplicaID("test"), UInt64(n + 1)), wallclock: 1, over: Register())
        }
        return Record(key: RecordKey(collection, id), fields: fields)
    }

    static func person(_ id: String, _ contact: [String: Value], groups: Set<String> = []) -> PersonFacts {
        PersonFacts(id: id, contact: contact, household: [:], interactions: [], groups: groups)
    }

    static let people = [
        person("p-ann", ["party": "DEM", "email": "ann@example.org"], groups: ["grp-vol"]),
        person("p-bob", ["party": "DEM", "email": "bob@example.org", "do_not_email": true]),
        person("p-cat", ["party": "DEM"]),
        person("p-dan", ["party": "REP", "email": "dan@example.org"]),
        person("p-eve", ["party": "DEM", "email": " eve@example.org ", "do_not_contact": true]),
        person("p-fay", ["party": "DEM", "email": "fay@example.org", "deceased": true]),
        person("p-gus", ["party": "DEM", "email": "gus@example.org"]),
    ]
    static let vocabulary = Criteria.Vocabulary(groups: [(id: "grp-vol", name: "Volunteers")])
    static let mailing = record(
        "mailings", "mail-1", ["campaign_id": "camp", "segment_id": "seg-dems", "subject": "Hi", "template": "x"])

    static func segment(_ criteria: String, campaign: String = "camp", deleted: Bool = false) -> Record {
        var values: [String: Value] = ["campaign_id": .string(campaign), "criteria": .string(criteria)]
        if deleted { values[Record.deletedField] = .bool(true) }
        return record("segments", "seg-dems", values)
    }

    @Test func theSegmentsReachablePeopleGetOneDeliveryEach() {
        let (deliveries, skipped) = MailingQueue.deliveries(
            mailing: Self.mailing, segment: Self.segment("party=DEM"), people: Self.people, vocabulary: Self.vocabulary)
        #expect(deliveries.map(\.id) == ["mail-1@p-ann", "mail-1@p-gus"])
        #expect(deliveries.map(\.target) == ["ann@example.org", "gus@example.org"])
        #expect(deliveries.allSatisfy { $0.kind == .email && $0.mailing == "mail-1" && $0.campaign == "camp" })
        #expect(deliveries.map(\.contact) == ["p-ann", "p-gus"])
        #expect(skipped.map(\.person) == ["p-bob", "p-cat", "p-eve", "p-fay"])
        #expect(
            skipped.map(\.reason) == [
                "unsubscribed from email", "no email address", "marked do not contact", "deceased",
            ])
    }

    /// Queuing twice gives the same ids: the outbox's unique key makes the second a no-op.
    @Test func queuingTwiceGivesTheSameIDs() {
        let once = MailingQueue.deliveries(
            mailing: Self.mailing, segment: Self.segment("party=DEM"), people: Self.people, vocabulary: Self.vocabulary)
        let twice = MailingQueue.deliveries(
            mailing: Self.mailing, segment: Self.segment("party=DEM"), people: Self.people.reversed(),
            vocabulary: Self.vocabulary)
        #expect(once.deliveries == twice.deliveries)
    }

    /// A group named in the criteria means the group of that name (the vocabulary's parse).
    @Test func aGroupIsNamedAsSegmentsNameIt() {
        let (deliveries, _) = MailingQueue.deliveries(
            mailing: Self.mailing, segment: Self.segment("group=Volunteers"), people: Self.people,
            vocabulary: Self.vocabulary)
        #expect(deliveries.map(\.id) == ["mail-1@p-ann"])
    }

    @Test(arguments: [
        (segment("party=DEM", deleted: true), "segment 'seg-dems' no longer exists"),
        (segment("party=DEM", campaign: "other"), "segment 'seg-dems' belongs to another campaign"),
        (segment("group=Gone"), "the criteria of segment 'seg-dems' no longer parse"),
    ])
    func aSegmentThatCannotChooseSendsToNobody(_ c: (Record, String)) {
        let (deliveries, skipped) = MailingQueue.deliveries(
            mailing: Self.mailing, segment: c.0, people: Self.people, vocabulary: Self.vocabulary)
        #expect(deliveries.isEmpty)
        #expect(skipped.count == Self.people.count)
        #expect(skipped.allSatisfy { $0.reason.hasPrefix(c.1) }, "\(skipped.first?.reason ?? "")")
    }

    @Test func noSegmentMeansTheWholeCampaignAndADeletedMailingNobody() {
        let all = Self.record("mailings", "mail-2", ["campaign_id": "camp"])
        #expect(
            MailingQueue.deliveries(mailing: all, segment: nil, people: Self.people, vocabulary: Self.vocabulary)
                .deliveries.map(\.contact) == ["p-ann", "p-dan", "p-gus"])
        let gone = Self.record("mailings", "mail-3", ["campaign_id": "camp", Record.deletedField: true])
        #expect(
            MailingQueue.deliveries(mailing: gone, segment: nil, people: Self.people, vocabulary: Self.vocabulary)
                .deliveries.isEmpty)
    }

    /// Read from a replica, as the server queues and `mailing send --dry-run` previews: someone
    /// who unsubscribed is left out (the projected read must include `do_not_email`).
    @Test func readFromAReplicaTheUnsubscribedAreLeftOut() throws {
        let store = try ReplicaStore.inMemory()
        try store.setReplicaID(ReplicaID("coordinator"))
        var writes = [
            LocalWrite(RecordKey("campaigns", "camp"), ["name": "Camp"]),
            LocalWrite(RecordKey("segments", "seg-dems"), ["campaign_id": "camp", "criteria": "party=DEM"]),
        ]
        for p in Self.people {
            var contact = p.contact
            contact["campaign_id"] = "camp"
            writes.append(LocalWrite(RecordKey("contacts", p.id), contact))
        }
        _ = try store.write(writes, wallclock: 1)
        let (deliveries, skipped) = try MailingQueue.deliveries(store, mailing: Self.mailing)
        #expect(deliveries.map(\.id) == ["mail-1@p-ann", "mail-1@p-gus"])
        #expect(skipped.first { $0.person == "p-bob" }?.reason == "unsubscribed from email")
    }
}
