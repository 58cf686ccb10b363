import CanvassCore
import Foundation

/// A walk list built from the display values a backend fetched for it: the one walk order and
/// done rule (`Canvassing`) for a replica's walk view and for door checkout on every server
/// backend. The backend fetches the list's items, the contacts they name, those people's
/// interactions, their households and the list's survey; this builds the stops.
public enum WalkListRead {
    /// A list item's contact and the position the cutter gave it, if any; nil without a contact.
    public static func item(_ display: [String: Value]) -> (contact: String, position: Int64?)? {
        display["contact_id"]?.stringValue.map { ($0, display["position"]?.intValue) }
    }

    /// An interaction's summary from its display values.
    public static func interaction(id: String, _ d: [String: Value]) -> InteractionSummary {
        var answers: [String: Value] = [:]
        if case .object(let o)? = d["answers"] { answers = o }
        return InteractionSummary(
            id: id, channel: d["channel"]?.stringValue, result: d["result"]?.stringValue, answers: answers,
            note: d["note"]?.stringValue, recordedAt: d["recorded_at"]?.intValue, listID: d["list_id"]?.stringValue,
            userID: d["user_id"]?.stringValue, corrects: d["corrects"]?.stringValue)
    }

    /// A person's history, newest first.
    public static func newestFirst(_ history: [InteractionSummary]) -> [InteractionSummary] {
        history.sorted { ($0.recordedAt ?? 0, $0.id) > ($1.recordedAt ?? 0, $1.id) }
    }

    /// The survey a list names, from its definition's display value.
    public static func survey(_ definition: Value?) -> Survey? {
        guard let definition else { return nil }
        return try? JSONDecoder().decode(Survey.self, from: JSONEncoder().encode(definition))
    }

    /// A walk list in walk order (`Canvassing.walksBefore` with positions): by the items'
    /// positions (the route the cutter chose), else by street name, up the odd side and back
    /// down the even side, then unit; people within a household by last and first name.
    /// - Parameters:
    ///   - items: the list's existing items (`item(_:)`).
    ///   - contacts: the existing contacts they name, by id.
    ///   - history: each contact's existing interactions, newest first (`newestFirst`).
    ///   - households: the existing households of those contacts, by id.
    public static func stops(
        items: [(contact: String, position: Int64?)], contacts: [String: [String: Value]],
        history: [String: [InteractionSummary]], households: [String: [String: Value]], survey: Survey?
    ) -> [WalkStop] {
        var grouped: [String: [(String, [String: Value])]] = [:]
        for (id, c) in contacts { grouped[c["household_id"]?.stringValue ?? "", default: []].append((id, c)) }
        let stops = grouped.map { hid, members -> WalkStop in
            let h = households[hid] ?? [:]
            let people = members.sorted { Canvassing.personBefore(personKey($0.0, $0.1), personKey($1.0, $1.1)) }
                .map { person($0.0, $0.1, history: history[$0.0] ?? [], channel: .door, survey: survey) }
            return WalkStop(
                householdID: hid, streetNumber: h["street_number"]?.intValue ?? 0,
                numberSuffix: h["number_suffix"]?.stringValue ?? "", streetName: h["street_name"]?.stringValue ?? "",
                unit: h["unit"]?.stringValue ?? "", badAddress: h["bad_address"] == .bool(true), people: people)
        }
        // A household's place is its first item's position (the cutter's route).
        var position: [String: Int64] = [:]
        for item in items {
            guard let p = item.position, let hid = contacts[item.contact]?["household_id"]?.stringValue else {
                continue
            }
            position[hid] = min(position[hid] ?? .max, p)
        }
        return stops.sorted {
            Canvassing.walksBefore(
                (position[$0.householdID], $0.walkAddress), (position[$1.householdID], $1.walkAddress))
        }
    }

    /// A person of a list with their last result, attempts, suppression and whether they are done.
    static func person(
        _ id: String, _ c: [String: Value], history: [InteractionSummary], channel: Channel, survey: Survey?
    ) -> ListPerson {
        let name = [c["first_name"], c["middle_name"], c["last_name"], c["suffix"]].compactMap { $0?.stringValue }
            .filter { !$0.isEmpty }
        let suppressed = Canvassing.suppression(of: c, channel: channel)
        let last = history.first
        let code = Canvassing.resultCode(last?.result, in: survey)
        return ListPerson(
            id: id, name: name.joined(separator: " "), phone: c["phone"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 },
            party: c["party"]?.stringValue, lastResult: last?.result, lastAt: last?.recordedAt,
            attempts: Canvassing.attempts(history.map { ($0.id, $0.corrects, $0.userID) }), suppressed: suppressed,
            done: Canvassing.isDone(suppressed: suppressed != nil, lastResult: code, hasResult: last?.result != nil),
            dueAt: suppressed == nil ? Canvassing.dueAt(lastResult: code, at: last?.recordedAt) : nil)
    }

    /// How people sort on a list.
    static func personKey(_ id: String, _ c: [String: Value]) -> (last: String, first: String, id: String) {
        (c["last_name"]?.stringValue ?? "", c["first_name"]?.stringValue ?? "", id)
    }
}
