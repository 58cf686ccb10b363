import CanvassCore
import CanvassStore

/// What the automation engine, `canvass automation simulate` and the bench read of a campaign
/// (issue 12): everyone `CampaignPeople` counts in it, with their interactions in the campaign
/// (rolled-back ones left out), the RSVPs a coordinator took directly to its events, and their
/// donations to it. One read per collection, projected (no whole record is decoded), so a
/// campaign of 100,000 people loads in one pass.
public struct AutomationCampaignInputs: Sendable {
    public let campaign: String
    /// In the order the contacts were read.
    public let people: [AutomationPersonRecords]
    /// The campaign's surveys' `rsvp` questions: question id → event id (an answer to one is an RSVP).
    public let rsvpQuestions: [String: String]

    public init(campaign: String, people: [AutomationPersonRecords], rsvpQuestions: [String: String]) {
        self.campaign = campaign
        self.people = people
        self.rsvpQuestions = rsvpQuestions
    }

    /// The contact fields read for `rules`: what criteria and conditions read
    /// (`PersonFacts.contactFields`), what actions read (`engagement_points`; `do_not_email` and
    /// the address for `send_email`), and every contact field a `field` trigger watches. Not the
    /// long free text (`notes`) nor fields nothing reads: a pass over 100,000 people reads less.
    /// An email is rendered at send time from the whole record, so templates need nothing here.
    public static func contactFields(for rules: [AutomationRule]) -> [String] {
        var fields = PersonFacts.contactFields
        let schema = Set((CampaignSchema.standard.collections["contacts"]?.fields ?? []).map(\.name))
        var watched: Set<String> = ["do_not_email", "engagement_points"]
        for r in rules { watched.formUnion(r.observation.fields) }
        for f in watched.sorted() where schema.contains(f) && !fields.contains(f) { fields.append(f) }
        return fields
    }

    /// The collections `load` reads with projections (`CampaignPeople`'s, and the campaign's
    /// events and their attendance), and those it reads whole.
    public static let projectedCollections = CampaignPeople.projectedCollections + ["events", "event_attendance"]
    public static let wholeCollections = CampaignPeople.wholeCollections

    public static func load(_ store: some CampaignRecordSource, campaign: String, rules: [AutomationRule]) throws
        -> AutomationCampaignInputs
    {
        let base = try CampaignPeople.load(
            store, campaign: campaign, contactFields: contactFields(for: rules), campaignInteractions: true)
        var rsvpQuestions: [String: String] = [:]
        for (id, survey) in base.surveys where base.surveyCampaigns[id] == campaign {
            for q in survey.questions where q.kind == .rsvp {
                if let event = q.event { rsvpQuestions[q.id] = event }
            }
        }
        // Direct RSVPs to the campaign's events.
        let events = Set(
            try store.projected("events", fields: ["campaign_id"], kinds: [:]).filter {
                $0["campaign_id"]?.stringValue == campaign
            }
            .map(\.key.id))
        var rsvps: [String: [AutomationPersonRecords.RSVP]] = [:]
        if !events.isEmpty {
            for a in try store.projected(
                "event_attendance", fields: ["event_id", "contact_id", "rsvp", "rsvp_at"], kinds: [:])
            {
                guard let event = a["event_id"]?.stringValue, events.contains(event),
                    let person = a["contact_id"]?.stringValue, let answer = a["rsvp"]?.stringValue
                else { continue }
                rsvps[person, default: []].append(.init(event: event, answer: answer, at: a["rsvp_at"]?.intValue ?? 0))
            }
        }
        var people: [AutomationPersonRecords] = []
        people.reserveCapacity(base.people.count)
        for facts in base.people {
            people.append(
                AutomationPersonRecords(
                    facts: facts, interactions: base.campaignInteractions[facts.id] ?? [], rsvps: rsvps[facts.id] ?? [],
                    donations: base.donations[facts.id] ?? []))
        }
        return AutomationCampaignInputs(campaign: campaign, people: people, rsvpQuestions: rsvpQuestions)
    }
}
