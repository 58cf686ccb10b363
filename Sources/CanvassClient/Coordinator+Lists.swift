import CanvassCampaign
import CanvassCore
import CanvassProtocol
import CanvassStore
import Foundation

// A coordinator cuts turf: walk and call lists written as replicated `lists` and `list_items`
// records by this device (offline; `canvass sync` sends them), and draws a walk list as a map.

/// One list a cut made.
public struct CutList: Sendable, Codable, Hashable {
    public let id: String
    public let name: String
    public let precinct: String
    public let zip: String
    /// Doors (households) on a walk list, people on a call list.
    public let doors: Int
    public let people: Int
    /// Street names in walk order (walk lists).
    public let streets: [String]
    /// The length of the walk through the doors in metres, when every household has coordinates.
    public let routeMetres: Int?

    enum CodingKeys: String, CodingKey {
        case id, name, precinct, zip, doors, people, streets
        case routeMetres = "route_m"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(name, forKey: .name)
        try c.encode(precinct, forKey: .precinct)
        try c.encode(zip, forKey: .zip)
        try c.encode(doors, forKey: .doors)
        try c.encode(people, forKey: .people)
        try c.encode(streets, forKey: .streets)
        try c.encode(routeMetres, forKey: .routeMetres)
    }
}

/// What `list cut` did (or, with `--dry-run`, would do).
public struct CutReport: Sendable, Codable, Hashable {
    public let campaign: String
    public let survey: String
    /// `walk` or `call`.
    public let kind: String
    public let criteria: String?
    /// Whether only the GOTV chase list was cut (`--chase`: supporters who have not voted).
    public let chase: Bool
    public let size: Int
    /// People of the campaign considered, chosen by the criteria, and left out by reason.
    public let considered: Int
    public let matched: Int
    public let excluded: [String: Int]
    public let lists: [CutList]
    /// Whether the lists were written (false with `--dry-run`).
    public let written: Bool
}

/// What `list map` wrote.
public struct MapReport: Sendable, Codable, Hashable {
    public let list: String
    public let file: String
    public let doors: Int
    /// Households drawn; the rest (`missing`, by household id) have no coordinates.
    public let drawn: Int
    public let missing: [String]
    public let routeMetres: Int

    enum CodingKeys: String, CodingKey {
        case list, file, doors, drawn, missing
        case routeMetres = "route_m"
    }
}

extension FieldClient {
    /// Cuts a campaign's people into walk or call lists for a survey (`TurfCutter`): the people
    /// `criteria` (or the segment `segment`) choose, less the suppressed, in lists of about `size`
    /// doors (walk) or people (call), named `name` 1, 2, … with ids from its slug (`turf-01`).
    /// Every list and item is written in one transaction, or nothing is: ids that exist already
    /// are refused (choose another `name`). With `chase`, only the GOTV chase list is cut
    /// (`Gotv.standing` is to chase: supporters who have not voted), named Chase by default.
    /// - Throws: `ClientError` `.invalid` (criteria with every problem located, ids taken),
    ///   `.notFound` (campaign, survey or segment).
    public func cutLists(
        campaign: String, survey surveyID: String, channel: Channel, criteria text: String?, segment: String?,
        size: Int?, name: String?, dryRun: Bool, chase: Bool = false, now: Int64
    ) throws -> CutReport {
        try translating {
            let (store, _) = try coordinatorSession("cut lists")
            try Self.requireCampaign(store, campaign)
            let people = try CampaignPeople.load(store, campaign: campaign)
            guard let survey = people.surveys[surveyID] else {
                let known = people.surveys.keys.sorted()
                throw ClientError(
                    .notFound,
                    "no survey '\(surveyID)' here; surveys: \(known.isEmpty ? "none yet (canvass survey create CAMPAIGN FILE.yaml)" : known.joined(separator: ", "))"
                )
            }
            if text != nil && segment != nil {
                throw ClientError(.badUsage, "give --where or --segment, not both")
            }
            var criteriaText = text
            if let segment { criteriaText = try Self.segment(store, segment).criteria }
            let criteria = try criteriaText.map { try Self.criteria($0, people, what: "--where") } ?? .everyone
            let size = size ?? (channel == .door ? 50 : 100)
            guard size >= 1 else { throw ClientError(.badUsage, "--doors must be at least 1") }
            let cutter = TurfCutter(
                options: TurfCutter.Options(
                    channel: channel, size: size,
                    name: name ?? (chase ? "Chase" : channel == .door ? "Turf" : "Calls"), now: now),
                survey: survey, surveys: people.surveys)
            let pool = chase ? people.people.filter { Gotv.standing($0) == .toChase } : people.people
            let cut = cutter.cut(pool, where: criteria)
            let taken = try cut.lists.filter { try store.record(RecordKey("lists", $0.id)) != nil }.map(\.id)
            if !taken.isEmpty {
                throw ClientError(
                    .invalid,
                    "list ids \(taken.prefix(5).joined(separator: ", "))\(taken.count > 5 ? " and \(taken.count - 5) more" : "") exist already; nothing was written. Choose another --name (ids come from it: \(cutter.options.idPrefix)-01, …)"
                )
            }
            if !dryRun && !cut.lists.isEmpty {
                var writes: [LocalWrite] = []
                for list in cut.lists {
                    var values: [String: Value] = [
                        "name": .string(list.name), "kind": .string(channel == .door ? "walk" : "call"),
                        "campaign_id": .string(campaign), "survey_id": .string(survey.id),
                        "description": .string(
                            "\(list.doors) \(channel == .door ? "doors" : "calls"), \(list.people) people"
                                + (chase ? "; GOTV chase" : "") + (criteriaText.map { "; cut with: \($0)" } ?? "")),
                    ]
                    values[Record.deletedField] = false
                    writes.append(LocalWrite(RecordKey("lists", list.id), values))
                    for item in list.items {
                        var fields: [String: Value] = [
                            "list_id": .string(list.id), "contact_id": .string(item.contactID),
                            "position": .int(Int64(item.position)),
                        ]
                        if let h = item.householdID { fields["household_id"] = .string(h) }
                        writes.append(LocalWrite(RecordKey("list_items", "\(list.id)-\(item.contactID)"), fields))
                    }
                }
                try store.write(writes, wallclock: now)
            }
            return CutReport(
                campaign: campaign, survey: survey.id, kind: channel == .door ? "walk" : "call", criteria: criteriaText,
                chase: chase, size: size, considered: cut.considered, matched: cut.matched, excluded: cut.excluded,
                lists: cut.lists.map {
                    CutList(
                        id: $0.id, name: $0.name, precinct: $0.precinct, zip: $0.zip, doors: $0.doors,
                        people: $0.people,
                        streets: $0.streets,
                        routeMetres: $0.stops.isEmpty ? nil : TurfRoute.length($0.stops).map { Int($0.rounded()) })
                },
                written: !dryRun && !cut.lists.isEmpty)
        }
    }

    /// Draws a walk list as SVG (`TurfMap`): its doors numbered in walk order, the route, the
    /// streets. The file holds addresses, so it is written private (mode 0600), replacing `file`.
    public func mapList(_ list: String, svg file: String) throws -> MapReport {
        try translating {
            let (store, _) = try session()
            guard let record = try store.record(RecordKey("lists", list)), !record.isDeleted else {
                let known = try store.projected("lists", fields: []).map(\.key.id)
                throw ClientError(
                    .notFound,
                    "no list '\(list)' here; lists: \(known.isEmpty ? "none (sync first?)" : known.joined(separator: ", "))"
                )
            }
            guard record["kind"]?.stringValue != "call" else {
                throw ClientError(.invalid, "list \(list) is a call list; only walk lists have a map")
            }
            let stops = try store.walkList(list)
            var doors: [TurfMap.Door] = []
            var missing: [String] = []
            for (i, stop) in stops.enumerated() {
                let h = try store.record(RecordKey("households", stop.householdID))
                guard let lat = h?["latitude"]?.doubleValue, let lng = h?["longitude"]?.doubleValue else {
                    missing.append(stop.householdID)
                    continue
                }
                let names = stop.people.map(\.name).joined(separator: ", ")
                doors.append(
                    TurfMap.Door(
                        number: i + 1, label: "\(stop.address) — \(names)", street: stop.streetName, latitude: lat,
                        longitude: lng))
            }
            guard !doors.isEmpty else {
                throw ClientError(
                    .invalid,
                    "list \(list) has no household with latitude and longitude, so there is nothing to draw; import the voter file with coordinates"
                )
            }
            let svg = TurfMap.svg(title: record["name"]?.stringValue ?? list, doors: doors)
            try Self.writePrivate(Data(svg.utf8), to: file)
            let route = TurfRoute.length(coordinates: doors.map { ($0.latitude, $0.longitude) })
            return MapReport(
                list: list, file: file, doors: stops.count, drawn: doors.count, missing: missing,
                routeMetres: Int(route.rounded()))
        }
    }

    /// Writes a file readable by its owner only, replacing it atomically (a temporary file, then a rename).
    static func writePrivate(_ data: Data, to path: String) throws {
        let temporary = path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
        guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600])
        else {
            throw ClientError(.invalid, "cannot write \(path): check the folder exists and is writable")
        }
        guard rename(temporary, path) == 0 else {
            let why = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporary)
            throw ClientError(.invalid, "cannot write \(path): \(why)")
        }
    }
}
