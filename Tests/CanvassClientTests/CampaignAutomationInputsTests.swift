import CanvassCampaign
import CanvassCore
import CanvassProtocol
import CanvassStore
import Testing

/// What the automation engine and `simulate` read of a campaign, on a small replica: its people
/// only, their interactions in the campaign without rolled-back ones, direct RSVPs to its events,
/// donations to it, the `rsvp` questions of its surveys; and rule records read back as rules.
@Suite struct CampaignAutomationInputsTests {
    static let survey = """
        id: S1
        title: Calls
        kind: phone
        questions:
          - { id: support, text: Support?, type: scale, min: 1, max: 5 }
          - { id: rally, text: Rally?, type: rsvp, event: E1 }
        """
    static let otherSurvey = """
        id: S2
        title: Other calls
        kind: phone
        questions:
          - { id: picnic, text: Picnic?, type: rsvp, event: E9 }
        """

    static func replica() throws -> ReplicaStore {
        let store = try ReplicaStore.inMemory()
        try store.setReplicaID(ReplicaID("coordinator"))
        let s1 = try SurveyDocument.decode(yaml: Self.survey)
        let s2 = try SurveyDocument.decode(yaml: Self.otherSurvey)
        func i(_ id: String, _ person: String, list: String?, survey: String?, at: Int64, result: String) -> LocalWrite
        {
            var v: [String: Value] = [
                "person_id": .string(person), "result": .string(result), "recorded_at": .int(at), "user_id": "u",
            ]
            if let list { v["list_id"] = .string(list) }
            if let survey { v["survey_id"] = .string(survey) }
            return LocalWrite(RecordKey("interactions", id), v)
        }
        try store.write(
            [
                LocalWrite(RecordKey("campaigns", "C1"), ["name": "One"]),
                LocalWrite(RecordKey("campaigns", "C2"), ["name": "Two"]),
                LocalWrite(
                    RecordKey("surveys", "S1"), ["campaign_id": "C1", "definition": try Value.encoding(s1)]),
                LocalWrite(
                    RecordKey("surveys", "S2"), ["campaign_id": "C2", "definition": try Value.encoding(s2)]),
                LocalWrite(RecordKey("lists", "L1"), ["campaign_id": "C1", "name": "Walk"]),
                LocalWrite(RecordKey("lists", "L2"), ["campaign_id": "C2", "name": "Other walk"]),
                LocalWrite(
                    RecordKey("contacts", "ann"),
                    ["campaign_id": "C1", "first_name": "Ann", "email": "ann@example.org", "do_not_email": true]),
                LocalWrite(RecordKey("contacts", "bob"), ["first_name": "Bob", "engagement_points": 7]),
                LocalWrite(RecordKey("contacts", "cat"), ["campaign_id": "C2", "first_name": "Cat"]),
                // Bob is in C1 by its list.
                LocalWrite(RecordKey("list_items", "L1-bob"), ["list_id": "L1", "contact_id": "bob"]),
                LocalWrite(RecordKey("groups", "G1"), ["campaign_id": "C1", "name": "Volunteers"]),
                LocalWrite(RecordKey("group_members", "G1@ann"), ["group_id": "G1", "contact_id": "ann"]),
                // Ann: on C1's list; on no list with C1's survey; on C2's list (C2's); rolled back.
                i("i1", "ann", list: "L1", survey: nil, at: 10, result: "contacted"),
                i("i2", "ann", list: nil, survey: "S1", at: 20, result: "not_home"),
                i("i3", "ann", list: "L2", survey: "S1", at: 30, result: "refused"),
                i("i4", "ann", list: "L1", survey: "S1", at: 40, result: "moved"),
                LocalWrite(RecordKey("rollbacks", "i4"), ["interaction_id": "i4"]),
                i("i5", "bob", list: nil, survey: "S2", at: 50, result: "contacted"),
                LocalWrite(RecordKey("events", "E1"), ["campaign_id": "C1", "name": "Rally"]),
                LocalWrite(RecordKey("events", "E9"), ["campaign_id": "C2", "name": "Picnic"]),
                LocalWrite(
                    RecordKey("event_attendance", "E1@bob"),
                    ["event_id": "E1", "contact_id": "bob", "rsvp": "yes", "rsvp_at": 60]),
                LocalWrite(
                    RecordKey("event_attendance", "E9@bob"),
                    ["event_id": "E9", "contact_id": "bob", "rsvp": "no", "rsvp_at": 61]),
                LocalWrite(
                    RecordKey("donations", "d1"),
                    [
                        "contact_id": "ann", "campaign_id": "C1", "amount_cents": 2500, "recorded_at": 70,
                        "mailing_id": "M1",
                    ]),
                LocalWrite(
                    RecordKey("donations", "d2"),
                    ["contact_id": "ann", "campaign_id": "C1", "amount_cents": 9000, "pledge": true, "recorded_at": 71]),
                LocalWrite(
                    RecordKey("donations", "d3"),
                    ["contact_id": "ann", "campaign_id": "C2", "amount_cents": 100, "recorded_at": 72]),
            ], wallclock: 1)
        return store
    }

    @Test func loadsTheCampaignsPeopleAndWhatHappenedToThemInIt() throws {
        let inputs = try AutomationCampaignInputs.load(try Self.replica(), campaign: "C1", rules: [])
        #expect(inputs.campaign == "C1")
        #expect(inputs.rsvpQuestions == ["rally": "E1"])
        let people = Dictionary(uniqueKeysWithValues: inputs.people.map { ($0.id, $0) })
        #expect(Set(people.keys) == ["ann", "bob"])
        let ann = try #require(people["ann"])
        #expect(ann.interactions.map(\.id).sorted() == ["i1", "i2"])
        #expect(ann.facts.groups == ["G1"])
        // Fields send_email and points read are there.
        #expect(ann.facts.contact["do_not_email"] == .bool(true))
        #expect(people["bob"]?.facts.contact["engagement_points"] == .int(7))
        #expect(
            ann.donations == [
                .init(cents: 2500, at: 70, mailing: "M1"), .init(cents: 9000, at: 71, pledge: true),
            ])
        #expect(ann.rsvps.isEmpty)
        let bob = try #require(people["bob"])
        // Bob's interaction is on C2's survey with no list: not C1's.
        #expect(bob.interactions.isEmpty)
        #expect(bob.rsvps == [.init(event: "E1", answer: "yes", at: 60)])
        #expect(bob.donations.isEmpty)
    }

    @Test func ruleRecordsReadBackAsRules() throws {
        let yaml = """
            id: from-yaml
            campaign: C9
            name: Welcome
            entry: { group: G1 }
            steps:
              - id: s
                trigger: { kind: delay, duration: 1d }
                actions: [{ add_to_list: L1 }]
            """
        let store = try ReplicaStore.inMemory()
        try store.setReplicaID(ReplicaID("coordinator"))
        try store.write(
            [
                LocalWrite(RecordKey("automation_rules", "R1"), ["campaign_id": "C1", "source": .string(yaml)]),
                LocalWrite(
                    RecordKey("automation_rules", "R2"), ["campaign_id": "C1", "source": .string(yaml), "paused": true]),
                LocalWrite(RecordKey("automation_rules", "R3"), ["campaign_id": "C1", "source": "id: x\nsteps: 3\n"]),
                LocalWrite(RecordKey("automation_rules", "R4"), ["campaign_id": "C1", "source": .string(yaml)]),
            ], wallclock: 1)
        try store.write([.delete(RecordKey("automation_rules", "R4"))], wallclock: 2)
        let records = Dictionary(
            uniqueKeysWithValues: try store.records(in: "automation_rules", includeDeleted: true).map {
                ($0.key.id, $0)
            })
        let r1 = try #require(records["R1"].flatMap(AutomationRuleRecord.init))
        // The record's id and campaign win over the YAML's; the name comes from the YAML.
        #expect(r1.rule?.id == "R1" && r1.rule?.campaign == "C1" && r1.campaign == "C1" && r1.name == "Welcome")
        #expect(r1.problems.isEmpty && !r1.paused)
        let r3 = try #require(records["R3"].flatMap(AutomationRuleRecord.init))
        #expect(r3.rule == nil && !r3.problems.isEmpty)
        #expect(records["R4"] != nil && records["R4"].flatMap(AutomationRuleRecord.init) == nil)
        #expect(AutomationRuleRecord.active(Array(records.values)).map(\.id) == ["R1"])
    }
}
