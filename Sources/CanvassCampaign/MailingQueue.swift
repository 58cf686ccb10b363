import CanvassCore
import CanvassStore

/// Who a mailing goes to (issue 12): the people its segment's criteria choose in its campaign,
/// each through `MailingRecipients.address` (the one "may we email this person" rule). One
/// outbox delivery per person, id `MAILING@PERSON`, so queuing the same mailing twice (sent
/// twice, two passes overlapping) stores each delivery once. The server queues these;
/// `mailing send --dry-run` shows them.
public enum MailingQueue {
    /// A person of the segment who gets no message, and why.
    public typealias Skip = (person: String, reason: String)

    /// The delivery id of a mailing to a person.
    public static func deliveryID(mailing: String, person: String) -> String { "\(mailing)@\(person)" }

    /// The deliveries of `mailing` to the people of its campaign `segment` chooses, by person id.
    /// - Parameters:
    ///   - segment: the mailing's segment record; nil when the mailing names none (then everyone
    ///     in `people` is chosen).
    ///   - people: the campaign's people (`CampaignPeople.people`).
    ///   - vocabulary: what the criteria may name (`CampaignPeople.vocabulary`): the same parse
    ///     `canvass segment` makes, so a group named in the criteria means the same group.
    /// - Returns: the deliveries, and each chosen person left out with the reason. A deleted
    ///   mailing has none; a segment that is gone, of another campaign, or whose criteria no
    ///   longer parse skips everyone with that reason, so nothing is sent to the wrong people.
    public static func deliveries(
        mailing: Record, segment: Record?, people: [PersonFacts], vocabulary: Criteria.Vocabulary
    ) -> (deliveries: [AutomationDelivery], skipped: [Skip]) {
        guard !mailing.isDeleted else { return ([], []) }
        let campaign = mailing["campaign_id"]?.stringValue ?? ""
        let chosen: [PersonFacts]
        switch criteria(mailing: mailing, segment: segment, vocabulary: vocabulary) {
        case .success(let c): chosen = people.filter(c.matches)
        case .failure(let why): return ([], people.map { ($0.id, why.reason) }.sorted { $0.0 < $1.0 })
        }
        var out: [AutomationDelivery] = []
        var skipped: [Skip] = []
        for p in chosen.sorted(by: { $0.id < $1.id }) {
            switch MailingRecipients.address(p.contact) {
            case .success(let address):
                out.append(
                    AutomationDelivery(
                        id: deliveryID(mailing: mailing.key.id, person: p.id), kind: .email, target: address,
                        campaign: campaign, contact: p.id, mailing: mailing.key.id))
            case .failure(let why): skipped.append((p.id, why.reason))
            }
        }
        return (out, skipped)
    }

    /// The deliveries of `mailing` over a campaign's people as `CampaignPeople` loads them.
    public static func deliveries(mailing: Record, segment: Record?, people: CampaignPeople) -> (
        deliveries: [AutomationDelivery], skipped: [Skip]
    ) {
        deliveries(mailing: mailing, segment: segment, people: people.people, vocabulary: people.vocabulary)
    }

    /// The collections `deliveries(_:mailing:)` reads with projections, and those it reads whole
    /// (the mailing's segment).
    public static let projectedCollections = CampaignPeople.projectedCollections
    public static let wholeCollections = CampaignPeople.wholeCollections + ["segments"]

    /// The deliveries of `mailing`, reading its segment and its campaign's people from `store`
    /// (the server's replica, or a coordinator's for a dry run).
    public static func deliveries(_ store: some CampaignRecordSource, mailing: Record) throws -> (
        deliveries: [AutomationDelivery], skipped: [Skip]
    ) {
        let segment = try mailing["segment_id"]?.stringValue.flatMap { try store.record(RecordKey("segments", $0)) }
        let people = try CampaignPeople.load(
            store, campaign: mailing["campaign_id"]?.stringValue ?? "", contactFields: contactFields)
        return deliveries(mailing: mailing, segment: segment, people: people)
    }

    /// The contact fields a mailing reads: what criteria read, and what `MailingRecipients` reads
    /// (`do_not_email` is none of the criteria's, and a projected read without it would let
    /// someone who unsubscribed through).
    public static let contactFields: [String] = {
        var fields = PersonFacts.contactFields
        for f in ["email", "do_not_email", "do_not_contact", "deceased"] where !fields.contains(f) { fields.append(f) }
        return fields
    }()

    /// The criteria that choose a mailing's people, or why nobody may be chosen.
    static func criteria(mailing: Record, segment: Record?, vocabulary: Criteria.Vocabulary) -> Result<
        Criteria, Unchosen
    > {
        guard let segmentID = mailing["segment_id"]?.stringValue, !segmentID.isEmpty else { return .success(.everyone) }
        guard let segment, segment.key.id == segmentID, !segment.isDeleted else {
            return .failure(Unchosen(reason: "segment '\(segmentID)' no longer exists"))
        }
        guard segment["campaign_id"]?.stringValue == mailing["campaign_id"]?.stringValue else {
            return .failure(Unchosen(reason: "segment '\(segmentID)' belongs to another campaign"))
        }
        let text = segment["criteria"]?.stringValue ?? ""
        switch Criteria.parse(text, vocabulary: vocabulary) {
        case .valid(let c): return .success(c)
        case .invalid(let problems):
            let why = problems.map(\.description).joined(separator: "; ")
            return .failure(Unchosen(reason: "the criteria of segment '\(segmentID)' no longer parse: \(why)"))
        }
    }

    /// Why a mailing may choose nobody.
    struct Unchosen: Error {
        let reason: String
    }
}
