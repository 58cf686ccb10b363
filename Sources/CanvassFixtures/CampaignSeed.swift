import CanvassCore
import CanvassProtocol

/// Turns the synthetic voter file and surveys into campaign records: households, contacts,
/// surveys, lists and their items, assignments. Callers write them with their own replica.
public enum CampaignSeed {
    public typealias Write = (key: RecordKey, values: [String: Value])

    public static let campaignID = "camp-2026"

    /// The campaign record itself.
    public static func campaign() -> Write {
        (RecordKey("campaigns", campaignID), [
            "name": "Dana Rivera for State House 2026", "status": "active", "start_date": "2026-09-01", "end_date": "2026-11-03",
            "goal_doors": 20_000, "goal_contacts": 6_000, "goal_revenue": 50_000,
        ])
    }

    /// One household per address and one contact per voter.
    public static func people(_ voters: [Voter]) -> [Write] {
        var out: [Write] = []
        var seen: Set<String> = []
        for v in voters where seen.insert(v.householdId).inserted {
            var h: [String: Value] = [
                "street_number": .int(Int64(v.streetNumber)), "street_name": .string(v.streetName), "city": .string(v.city),
                "state": .string(v.state), "zip": .string(v.zip), "latitude": .double(v.latitude), "longitude": .double(v.longitude),
                "precinct": .string(v.precinct), "ward": .int(Int64(v.ward)),
            ]
            if !v.unit.isEmpty { h["unit"] = .string(v.unit) }
            out.append((RecordKey("households", v.householdId), h))
        }
        for v in voters {
            var c: [String: Value] = [
                "voter_id": .string(v.voterId), "household_id": .string(v.householdId), "first_name": .string(v.firstName),
                "last_name": .string(v.lastName), "party": .string(v.party), "precinct": .string(v.precinct),
                "ward": .int(Int64(v.ward)), "birth_year": .int(Int64(v.birthYear)), "registration_date": .string(v.registrationDate),
                "vote_history": .string(v.voteHistory),
            ]
            for (k, s) in [("middle_name", v.middleName), ("suffix", v.suffix), ("phone", v.phone), ("email", v.email), ("gender", v.gender)] where !s.isEmpty {
                c[k] = .string(s)
            }
            out.append((RecordKey("contacts", contactID(v)), c))
        }
        return out
    }

    public static func contactID(_ v: Voter) -> String { "c-\(v.voterId)" }

    /// A survey record holding the definition.
    public static func survey(_ s: Survey) throws -> Write {
        (RecordKey("surveys", s.id), [
            "title": .string(s.title), "kind": .string(s.kind.rawValue), "campaign_id": .string(campaignID),
            "definition": try Value.encoding(s),
        ])
    }

    /// A list and one item per person on it.
    public static func list(id: String, name: String, kind: String, surveyID: String, people: [Voter]) -> [Write] {
        var out: [Write] = [
            (RecordKey("lists", id), [
                "name": .string(name), "kind": .string(kind), "campaign_id": .string(campaignID), "survey_id": .string(surveyID),
            ])
        ]
        for (i, v) in people.enumerated() {
            out.append((RecordKey("list_items", "\(id)-\(contactID(v))"), [
                "list_id": .string(id), "contact_id": .string(contactID(v)), "household_id": .string(v.householdId),
                "position": .int(Int64(i)),
            ]))
        }
        return out
    }

    /// Gives a list to a user.
    public static func assignment(list: String, user: String) -> Write {
        (RecordKey("assignments", "\(list)@\(user)"), ["list_id": .string(list), "user_id": .string(user)])
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
