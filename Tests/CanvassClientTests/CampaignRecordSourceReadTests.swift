import CanvassCampaign
import CanvassCore
import CanvassStore
import Testing

/// The campaign reads give the same answer over an `InMemoryRecordSource` holding the
/// collections they declare as over the replica the records came from: what the PostgreSQL
/// backend relies on.
@Suite struct CampaignRecordSourceReadTests {
    /// The collections a read declares, fetched from `store` the way a backend does: the
    /// projected ones as display values, the whole ones as records.
    static func source(_ store: ReplicaStore, projected: [String], whole: [String]) throws -> InMemoryRecordSource {
        var source = InMemoryRecordSource()
        for c in projected {
            source.add(
                displays: try store.records(in: c, includeDeleted: true).map { ($0.key.id, $0.values) }, collection: c)
        }
        for c in whole { source.add(records: try store.records(in: c, includeDeleted: true), collection: c) }
        return source
    }

    @Test func automationInputsReadTheSameOverBothSources() throws {
        let store = try CampaignAutomationInputsTests.replica()
        let source = try Self.source(
            store, projected: AutomationCampaignInputs.projectedCollections,
            whole: AutomationCampaignInputs.wholeCollections)
        for campaign in ["C1", "C2"] {
            let replica = try AutomationCampaignInputs.load(store, campaign: campaign, rules: [])
            let memory = try AutomationCampaignInputs.load(source, campaign: campaign, rules: [])
            #expect(memory.people == replica.people)
            #expect(memory.rsvpQuestions == replica.rsvpQuestions)
            #expect(!replica.people.isEmpty)
        }
    }

    @Test func mailingDeliveriesReadTheSameOverBothSources() throws {
        let store = try ReplicaStore.inMemory()
        try store.setReplicaID(ReplicaID("coordinator"))
        var writes = [LocalWrite(RecordKey("segments", "seg-dems"), ["campaign_id": "camp", "criteria": "party=DEM"])]
        for p in MailingQueueTests.people {
            var contact = p.contact
            contact["campaign_id"] = "camp"
            writes.append(LocalWrite(RecordKey("contacts", p.id), contact))
        }
        _ = try store.write(writes, wallclock: 1)
        let source = try Self.source(
            store, projected: MailingQueue.projectedCollections, whole: MailingQueue.wholeCollections)
        let replica = try MailingQueue.deliveries(store, mailing: MailingQueueTests.mailing)
        let memory = try MailingQueue.deliveries(source, mailing: MailingQueueTests.mailing)
        #expect(memory.deliveries == replica.deliveries)
        #expect(memory.skipped.map(\.person) == replica.skipped.map(\.person))
        #expect(!replica.deliveries.isEmpty)
    }
}
