/// Which records belong to one campaign, for `canvass conflicts --campaign C`.
///
/// A record belongs to campaign C when:
/// - it is the campaign itself, or it names C in its own `campaign_id` (lists, surveys, and any
///   record an import tags with its campaign);
/// - it is a list item or an assignment of one of C's lists;
/// - it is an interaction recorded on one of C's lists or with one of C's surveys;
/// - it is a contact on one of C's lists, or a household where a list item of C's lists, or a
///   person on them, lives.
///
/// A person on the lists of two campaigns belongs to both. Records of no campaign (users,
/// devices, collections this client does not know) belong to none, so a filtered review leaves
/// them out rather than guess.
public struct CampaignMembership: Sendable, Hashable {
    public let campaign: String
    public let lists: Set<String>
    public let surveys: Set<String>
    public let people: Set<String>
    public let households: Set<String>

    /// - Parameters:
    ///   - lists: every list, as `(id, display values)`; those naming `campaign` are its lists.
    ///   - surveys: every survey, likewise.
    ///   - items: the list items of the campaign's lists (display values); others are ignored.
    public init(
        campaign: String, lists: [(id: String, values: [String: Value])],
        surveys: [(id: String, values: [String: Value])], items: [[String: Value]]
    ) {
        self.campaign = campaign
        let mine: ([String: Value]) -> Bool = { $0["campaign_id"]?.stringValue == campaign }
        let lists = Set(lists.filter { mine($0.values) }.map(\.id))
        self.lists = lists
        self.surveys = Set(surveys.filter { mine($0.values) }.map(\.id))
        let ours = items.filter { $0["list_id"]?.stringValue.map(lists.contains) ?? false }
        people = Set(ours.compactMap { $0["contact_id"]?.stringValue })
        households = Set(ours.compactMap { $0["household_id"]?.stringValue })
    }

    /// Whether a record belongs to the campaign.
    /// - Parameters:
    ///   - values: the record's display values.
    ///   - residents: for a household, the ids of the contacts living there (only needed when
    ///     no list item of the campaign names the household itself).
    public func contains(_ key: RecordKey, values: [String: Value], residents: [String] = []) -> Bool {
        if values["campaign_id"]?.stringValue == campaign { return true }
        func named(_ field: String, in set: Set<String>) -> Bool {
            values[field]?.stringValue.map(set.contains) ?? false
        }
        switch key.collection {
        case "campaigns": return key.id == campaign
        case "lists": return lists.contains(key.id)
        case "surveys": return surveys.contains(key.id)
        case "list_items", "assignments": return named("list_id", in: lists)
        case "interactions": return named("list_id", in: lists) || named("survey_id", in: surveys)
        case "contacts": return people.contains(key.id)
        case "households": return households.contains(key.id) || residents.contains(where: people.contains)
        default: return false
        }
    }
}
