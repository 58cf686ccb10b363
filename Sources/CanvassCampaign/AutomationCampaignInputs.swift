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

    /// The contact fields read: every field of `contacts` in the schema, so conditions, `field`
    /// triggers, `set_field` and `send_email` (its address and `do_not_email`) see what they name.
    public static let contactFields: [String] = {
        var fields = PersonFacts.contactFields
        for f in CampaignSchema.standard.collections["contacts"]?.fields ?? [] where !fields.contains(f.name) {
            fields.append(f.name)
        }
        return fields
    }()

    public static func load(_ store: ReplicaStore, campaign: String) throws -> AutomationCampaignInputs {
        let base = try CampaignPeople.load(
            store, campaign: campaign, contactFields: contactFields, campaignInteractions: true)
        var rsvpQuestions: [String: String] = [:]
        for (id, survey) in base.surveys where base.surveyCampaigns[id] == campaign {
            for q in survey.questions where q.kind == .rsvp {
                if let event = q.event { rsvpQuestions[q.id] = event }
            }
        }
        // Direct RSVPs to the campaign's events.
        let events = Set(
            try store.projected("events", fields: ["campaign_id"]).filter { $0["campaign_id"]?.stringValue == campaign }
                .map(\.key.id))
        var rsvps: [String: [AutomationPersonRecords.RSVP]] = [:]
        if !events.isEmpty {
            for a in try store.projected("event_attendance", fields: ["event_id", "contact_id", "rsvp", "rsvp_at"]) {
                guard let event = a["event_id"]?.stringValue, events.contains(event),
                    let person = a["contact_id"]?.stringValue, let answer = a["rsvp"]?.stringValue
                else { continue }
                rsvps[person, default: []].append(.init(event: event, answer: answer, at: a["rsvp_at"]?.intValue ?? 0))
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
        var people: [AutomationPersonRecords] = []
        people.reserveCapacity(base.people.count)
        for facts in base.people {
            people.append(
                AutomationPersonRecords(
                    facts: facts, interactions: base.campaignInteractions[facts.id] ?? [], rsvps: rsvps[facts.id] ?? [],
                    donations: donations[facts.id] ?? []))
        }
        return AutomationCampaignInputs(campaign: campaign, people: people, rsvpQuestions: rsvpQuestions)
    }
}
