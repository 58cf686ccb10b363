import CanvassCore
import CanvassProtocol

/// Turns the synthetic voter file and surveys into campaign records: households, contacts,
/// surveys, lists and their items, assignments. Callers write them with their own replica.
public enum CampaignSeed {
    public typealias Write = (key: RecordKey, values: [String: Value])

    public static let campaignID = "camp-2026"

    /// The campaign record itself.
    public static func campaign() -> Write {
        (
            RecordKey("campaigns", campaignID),
            [
                "name": "Dana Rivera for State House 2026", "type": "election", "status": "active",
                "start_date": "2026-09-01", "end_date": "2026-11-03",
                "goal_doors": 20_000, "goal_contacts": 6_000, "goal_revenue_cents": 5_000_000,
            ]
        )
    }

    /// One household per address and one contact per voter (the production import's records).
    public static func people(_ voters: [Voter]) -> [Write] { CampaignRecords.people(voters, campaign: campaignID) }

    public static func contactID(_ v: Voter) -> String { CampaignRecords.contactID(v) }

    /// A survey record holding the definition.
    public static func survey(_ s: Survey) throws -> Write {
        (
            RecordKey("surveys", s.id),
            [
                "title": .string(s.title), "kind": .string(s.kind.rawValue), "campaign_id": .string(campaignID),
                "definition": try Value.encoding(s),
            ]
        )
    }

    /// A list and one item per person on it. Positions follow the walk order
    /// (`Canvassing.walksBefore`), which the walk view honours, so a seeded list walks as before.
    public static func list(id: String, name: String, kind: String, surveyID: String, people: [Voter]) -> [Write] {
        let people = people.enumerated().sorted { a, b in
            let x = Canvassing.WalkAddress(
                streetName: a.element.streetName, streetNumber: Int64(a.element.streetNumber), unit: a.element.unit,
                householdID: a.element.householdId)
            let y = Canvassing.WalkAddress(
                streetName: b.element.streetName, streetNumber: Int64(b.element.streetNumber), unit: b.element.unit,
                householdID: b.element.householdId)
            if x != y { return Canvassing.walksBefore(x, y) }
            return a.offset < b.offset
        }.map(\.element)
        var out: [Write] = [
            (
                RecordKey("lists", id),
                [
                    "name": .string(name), "kind": .string(kind), "campaign_id": .string(campaignID),
                    "survey_id": .string(surveyID),
                ]
            )
        ]
        for (i, v) in people.enumerated() {
            out.append(
                (
                    RecordKey("list_items", "\(id)-\(contactID(v))"),
                    [
                        "list_id": .string(id), "contact_id": .string(contactID(v)),
                        "household_id": .string(v.householdId),
                        "position": .int(Int64(i)),
                    ]
                ))
        }
        return out
    }

    /// Gives a list to a user.
    public static func assignment(list: String, user: String) -> Write {
        CampaignRecords.assignment(list: list, user: user)
    }

    /// Voters grouped into turfs of about `households` households each, in walk order.
    public static func turfs(_ voters: [Voter], households: Int) -> [[Voter]] {
        var turfs: [[Voter]] = []
        var current: [Voter] = []
        var count = 0
        var last = ""
        for v in voters {
            if v.householdId != last {
                if count == households {
                    turfs.append(current)
                    current = []
                    count = 0
                }
                count += 1
                last = v.householdId
            }
            current.append(v)
        }
        if !current.isEmpty { turfs.append(current) }
        return turfs
    }
}
