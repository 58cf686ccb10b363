import CanvassCore
import CanvassProtocol
import CanvassStore

/// The people of a campaign as the set-up rules read them (`PersonFacts`), with the surveys and
/// static groups their criteria may name: what segments count and the turf cutter cuts. Read from
/// the coordinator's replica with projected reads (`ReplicaStore.projected`), so a campaign of
/// 100,000 people loads without decoding whole records.
public struct CampaignPeople: Sendable {
    public let campaign: String
    public let people: [PersonFacts]
    /// Every survey here, by id (results recorded on any of them are read with their own codes).
    public let surveys: [String: Survey]
    /// The campaign each survey belongs to, by survey id.
    public let surveyCampaigns: [String: String]
    /// The campaign's static groups, by name.
    public let groups: [(id: String, name: String)]
    /// Who counts in the campaign, with its lists and surveys.
    public let membership: CampaignMembership
    /// Each person's interactions in the campaign (`CampaignReport.belongs`: on its lists, or on
    /// no list with one of its surveys), rolled-back ones left out, by person id; filled only
    /// when `load` is asked for them (`campaignInteractions: true`), as automation reads them.
    public let campaignInteractions: [String: [PersonFacts.Interaction]]
    /// Each person's donations and pledges to the campaign (their sum is in the facts:
    /// `PersonFacts.donatedCents`, which the criteria's `donated` and `gifts` read).
    public let donations: [String: [AutomationPersonRecords.Donation]]

    /// What criteria in this campaign may name: its groups, the result codes and questions of its surveys.
    public var vocabulary: Criteria.Vocabulary {
        let own = surveys.values.filter { surveyCampaigns[$0.id] == campaign }.sorted { $0.id < $1.id }
        var codes = ResultCode.standard.map(\.code)
        var questions: [Question] = []
        for s in own {
            for c in s.resultCodes where !codes.contains(c.code) { codes.append(c.code) }
            for q in s.questions where !questions.contains(where: { $0.id == q.id }) { questions.append(q) }
        }
        return Criteria.Vocabulary(groups: groups, resultCodes: codes, questions: questions)
    }

    /// The collections `load` reads with projections, and those it reads whole: what a backend
    /// fetches into an `InMemoryRecordSource` before calling it.
    public static let projectedCollections = [
        "contacts", "households", "interactions", "groups", "group_members", "rollbacks", "donations", "lists",
        "list_items", "surveys",
    ]
    public static let wholeCollections = ["surveys"]

    /// Reads the campaign's people (those `CampaignMembership` counts in it: tagged with the
    /// campaign by an import, or on one of its lists), their interactions and group memberships.
    /// Rolled-back interactions (`Rollbacks`) are left out, so segments, turf cuts and GOTV read
    /// a rolled-back knock as never made: the person is due again.
    /// - Parameters:
    ///   - contactFields: the contact fields to read (default: all the set-up rules read).
    ///   - questions: read only the answers to these questions (`answers.QUESTION`) instead of
    ///     whole answer objects; GOTV reads `support` alone.
    ///   - campaignInteractions: also keep each person's interactions in the campaign
    ///     (``campaignInteractions``), from the same read.
    public static func load(
        _ store: some CampaignRecordSource, campaign: String, contactFields: [String] = PersonFacts.contactFields,
        questions: [String]? = nil, campaignInteractions keepCampaign: Bool = false
    ) throws -> CampaignPeople {
        let schema = CampaignSchema.standard
        func kinds(_ collection: String) -> [String: FieldKind] {
            Dictionary(uniqueKeysWithValues: (schema.collections[collection]?.fields ?? []).map { ($0.name, $0.kind) })
        }
        let (surveys, surveyCampaigns) = try Self.surveys(store)
        let membership = try Self.membership(store, campaign: campaign, surveyCampaigns: surveyCampaigns)
        let groupRecords = try store.projected("groups", fields: ["name", "campaign_id"], kinds: [:]).filter {
            $0["campaign_id"]?.stringValue == campaign
        }
        let groupIDs = Set(groupRecords.map(\.key.id))
        var memberships: [String: Set<String>] = [:]
        for m in try store.projected("group_members", fields: ["group_id", "contact_id"], kinds: [:]) {
            guard let g = m["group_id"]?.stringValue, groupIDs.contains(g), let c = m["contact_id"]?.stringValue else {
                continue
            }
            memberships[c, default: []].insert(g)
        }
        // Interactions a coordinator rolled back in quality review count for nothing (`Rollbacks`).
        let rolledBack = Rollbacks.rolledBack(try store.projected("rollbacks", fields: Rollbacks.fields, kinds: [:]))
        var interactions: [String: [PersonFacts.Interaction]] = [:]
        var inCampaign: [String: [PersonFacts.Interaction]] = [:]
        let answerFields = questions.map { $0.map { "answers.\($0)" } } ?? ["answers"]
        let interactionFields =
            PersonFacts.interactionFields.filter { $0 != "answers" } + answerFields + (keepCampaign ? ["list_id"] : [])
        for i in try store.projected("interactions", fields: interactionFields, kinds: kinds("interactions")) {
            guard let p = i["person_id"]?.stringValue, !rolledBack.contains(i.key.id) else { continue }
            var answers: [String: Value] = [:]
            if let questions {
                for q in questions { answers[q] = i["answers.\(q)"] }
            } else if case .object(let o)? = i["answers"] {
                answers = o
            }
            let interaction = PersonFacts.Interaction(
                id: i.key.id, result: i["result"]?.stringValue, surveyID: i["survey_id"]?.stringValue,
                recordedAt: i["recorded_at"]?.intValue, answers: answers, corrects: i["corrects"]?.stringValue,
                userID: i["user_id"]?.stringValue)
            interactions[p, default: []].append(interaction)
            if keepCampaign,
                CampaignReport.belongs(
                    list: i["list_id"]?.stringValue, survey: interaction.surveyID, lists: membership.lists,
                    surveys: membership.surveys)
            {
                inCampaign[p, default: []].append(interaction)
            }
        }
        // Donations to the campaign (a gift without `recorded_at` is dated 0: before any entry).
        var donations: [String: [AutomationPersonRecords.Donation]] = [:]
        let donationFields = ["contact_id", "campaign_id", "amount_cents", "pledge", "recorded_at", "mailing_id"]
        for d in try store.projected("donations", fields: donationFields, kinds: ["pledge": .boolean]) {
            guard d["campaign_id"]?.stringValue == campaign, let person = d["contact_id"]?.stringValue,
                let cents = d["amount_cents"]?.intValue
            else { continue }
            donations[person, default: []].append(
                .init(
                    cents: cents, at: d["recorded_at"]?.intValue ?? 0, pledge: d["pledge"] == .bool(true),
                    mailing: d["mailing_id"]?.stringValue))
        }
        var households: [String: [String: Value]] = [:]
        for h in try store.projected("households", fields: PersonFacts.householdFields, kinds: kinds("households")) {
            households[h.key.id] = h.values
        }
        var people: [PersonFacts] = []
        for c in try store.projected("contacts", fields: contactFields, kinds: kinds("contacts"))
        where membership.contains(c.key, values: c.values) {
            let hid = c["household_id"]?.stringValue
            let history = interactions[c.key.id] ?? []
            // Answers count from this campaign's surveys (and surveys this device does not hold).
            let answering = history.filter {
                Self.counts(answerOn: $0.surveyID, in: campaign, surveyCampaigns: surveyCampaigns)
            }
            var facts = PersonFacts(
                id: c.key.id, contact: c.values, household: hid.flatMap { households[$0] } ?? [:],
                interactions: history, answering: answering, groups: memberships[c.key.id] ?? [])
            facts.count(donations[c.key.id] ?? [])
            people.append(facts)
        }
        return CampaignPeople(
            campaign: campaign, people: people, surveys: surveys, surveyCampaigns: surveyCampaigns,
            groups: groupRecords.map { ($0.key.id, $0["name"]?.stringValue ?? $0.key.id) }.sorted { $0.1 < $1.1 },
            membership: membership, campaignInteractions: inCampaign, donations: donations)
    }

    /// Every survey here that reads (its definition decodes), by id, and the campaign of each.
    public static func surveys(_ store: some CampaignRecordSource) throws -> (
        surveys: [String: Survey], campaigns: [String: String]
    ) {
        var surveys: [String: Survey] = [:]
        var campaigns: [String: String] = [:]
        for r in try store.records(in: "surveys", includeDeleted: false) {
            guard let s = try? r["definition"]?.decode(as: Survey.self) else { continue }
            surveys[r.key.id] = s
            campaigns[r.key.id] = r["campaign_id"]?.stringValue
        }
        return (surveys, campaigns)
    }

    /// Whether an answer given on a survey counts in a campaign: the campaign's surveys, and
    /// surveys this device does not hold (or that name no campaign).
    public static func counts(answerOn survey: String?, in campaign: String, surveyCampaigns: [String: String]) -> Bool
    {
        survey.flatMap { surveyCampaigns[$0] }.map { $0 == campaign } ?? true
    }

    /// Who counts in the campaign (`CampaignMembership`: imported into it, or on its lists).
    public static func membership(
        _ store: some CampaignRecordSource, campaign: String, surveyCampaigns: [String: String]
    ) throws
        -> CampaignMembership
    {
        try membership(
            store, campaign: campaign,
            surveys: surveyCampaigns.map { ($0.key, ["campaign_id": .string($0.value)]) })
    }

    /// Who counts in the campaign, with the surveys' `campaign_id` read here unless given: the
    /// one read every coordinator view of a campaign's people goes through.
    public static func membership(
        _ store: some CampaignRecordSource, campaign: String, surveys: [(String, [String: Value])]? = nil
    ) throws -> CampaignMembership {
        let lists = try store.projected("lists", fields: ["campaign_id"], kinds: [:]).map { ($0.key.id, $0.values) }
        let campaignLists = Set(lists.filter { $0.1["campaign_id"]?.stringValue == campaign }.map(\.0))
        let items = try store.projected("list_items", fields: ["list_id", "contact_id", "household_id"], kinds: [:])
            .map(\.values)
            .filter { $0["list_id"]?.stringValue.map(campaignLists.contains) ?? false }
        let surveys =
            try surveys
            ?? store.projected("surveys", fields: ["campaign_id"], kinds: [:]).map { ($0.key.id, $0.values) }
        return CampaignMembership(campaign: campaign, lists: lists, surveys: surveys, items: items)
    }
}
