/// One list the cutter made: its id, name, where it is, and its items in walk or call order.
public struct TurfList: Sendable, Hashable {
    /// One person on the list, at a position (0, 1, 2, … in walk or call order).
    public struct Item: Sendable, Hashable {
        public let contactID: String
        public let householdID: String?
        public let position: Int
    }

    public let id: String
    public let name: String
    public let precinct: String
    public let zip: String
    /// Street names in walk order (walk lists).
    public let streets: [String]
    /// Households in walk order (walk lists; empty for call lists).
    public let stops: [TurfStop]
    public let items: [Item]

    /// Doors (households) on a walk list; people on a call list.
    public var doors: Int { stops.isEmpty ? items.count : stops.count }
    public var people: Int { items.count }
}

/// The outcome of a cut: the lists, and how many people were considered, matched the criteria,
/// and were left out, by reason.
public struct TurfCut: Sendable, Hashable {
    public let lists: [TurfList]
    /// People considered (the campaign's contacts).
    public let considered: Int
    /// People the criteria chose.
    public let matched: Int
    /// People the criteria chose but the cut left out, by reason (`TurfCutter.exclusion`).
    public let excluded: [String: Int]
}

/// Cuts people into walk or call lists (turf). Pure and deterministic: the same people, criteria
/// and options always give the same lists, ids, names and positions.
///
/// - Suppressed people are left out (`exclusion`): what `Canvassing.suppression` says for the
///   channel (deceased, moved, do not contact, do not knock / do not call, no working phone), a
///   bad address on walks, and a recontact interval that has not elapsed (`Canvassing.dueAt`).
/// - Walk lists hold about `size` doors. Households stay whole. A street block (one street's
///   hundred-block, both sides) stays together: it goes to the precinct and zip most of its doors
///   are in, and blocks are packed, by precinct, zip, street and block number, into lists that
///   never cross a precinct or zip. A list is closed before a block when adding it would overshoot
///   the size by more than stopping undershoots; a short last list in a precinct joins the one
///   before when that stays within 1.5 × size; a block larger than `size` on its own (a big
///   apartment building) is split along the walk.
/// - Walk order within a list is `TurfRoute.order`; the items' positions record it.
/// - Call lists hold about `size` people with a usable phone, by precinct, in `Canvassing.personBefore`
///   order (the call view's order).
public struct TurfCutter: Sendable {
    public struct Options: Sendable, Hashable {
        public var channel: Channel
        /// Doors per walk list, people per call list.
        public var size: Int
        /// The lists' names start with this ("Turf" gives "Turf 1: …"); ids with its slug ("turf-01").
        public var name: String
        /// Milliseconds since 1970, for recontact intervals.
        public var now: Int64

        public init(channel: Channel, size: Int, name: String, now: Int64) {
            self.channel = channel
            self.size = max(1, size)
            self.name = name
            self.now = now
        }

        /// The list ids' prefix: the name in lower case, runs of anything but letters and digits
        /// as one hyphen.
        public var idPrefix: String { TurfCutter.slug(name) }
    }

    public let options: Options
    /// The survey the lists will use: its result codes read the people's latest results.
    public let survey: Survey
    /// Other surveys by id, for results recorded on them.
    public let surveys: [String: Survey]

    public init(options: Options, survey: Survey, surveys: [String: Survey] = [:]) {
        self.options = options
        self.survey = survey
        self.surveys = surveys
    }

    /// Why a person is left out of a list on this channel, or nil.
    public func exclusion(_ p: PersonFacts) -> String? {
        if let why = Canvassing.suppression(of: p.contact, channel: options.channel) { return why }
        if options.channel == .door {
            if p.householdID == nil { return "no address" }
            if p.household["bad_address"] == .bool(true) { return "bad address" }
        }
        let code = Canvassing.resultCode(p.lastResult, in: p.lastSurvey.flatMap { surveys[$0] } ?? survey)
        let due = Canvassing.dueAt(lastResult: code, at: p.lastAt)
        if !Canvassing.isToDo(done: false, dueAt: due, now: options.now) { return "recontact interval" }
        return nil
    }

    /// Cuts the people the criteria choose into lists.
    public func cut(_ people: [PersonFacts], where criteria: Criteria = .everyone) -> TurfCut {
        var excluded: [String: Int] = [:]
        var chosen: [PersonFacts] = []
        var matched = 0
        for p in people where criteria.matches(p) {
            matched += 1
            if let why = exclusion(p) {
                excluded[why, default: 0] += 1
            } else {
                chosen.append(p)
            }
        }
        let lists = options.channel == .door ? walkLists(chosen) : callLists(chosen)
        return TurfCut(lists: lists, considered: people.count, matched: matched, excluded: excluded)
    }

    // MARK: walk lists

    struct House {
        let id: String
        let stop: TurfStop
        let precinct: String
        let zip: String
        let people: [PersonFacts]
    }

    struct Block {
        var houses: [House]
        var precinct: String
        var zip: String
        var street: String
        var number: Int64
    }

    func walkLists(_ people: [PersonFacts]) -> [TurfList] {
        var byHousehold: [String: [PersonFacts]] = [:]
        for p in people { byHousehold[p.householdID!, default: []].append(p) }
        var blocks: [String: Block] = [:]
        for (hid, members) in byHousehold {
            let h = members[0].household
            let number = h["street_number"]?.intValue ?? 0
            let street = h["street_name"]?.stringValue ?? ""
            let zip = h["zip"]?.stringValue ?? members[0].contact["zip"]?.stringValue ?? ""
            let precinct = h["precinct"]?.stringValue ?? members[0].contact["precinct"]?.stringValue ?? ""
            let house = House(
                id: hid,
                stop: TurfStop(
                    address: Canvassing.WalkAddress(
                        streetName: street, streetNumber: number, unit: h["unit"]?.stringValue ?? "", householdID: hid),
                    latitude: h["latitude"]?.doubleValue, longitude: h["longitude"]?.doubleValue),
                precinct: precinct, zip: zip,
                people: members.sorted { PersonFacts.before($0, $1) })
            let key = "\(zip)|\(street)|\(number / 100)"
            blocks[key, default: Block(houses: [], precinct: "", zip: zip, street: street, number: number / 100)]
                .houses.append(house)
        }
        // A block goes to the precinct most of its doors are in (ties: the first in natural order).
        var groups: [String: [Block]] = [:]
        for key in blocks.keys.sorted() {
            var b = blocks[key]!
            b.houses.sort { Canvassing.walksBefore($0.stop.address, $1.stop.address) }
            var counts: [String: Int] = [:]
            for h in b.houses { counts[h.precinct, default: 0] += 1 }
            b.precinct = counts.keys.sorted(by: Canvassing.naturalOrder).max { counts[$0]! < counts[$1]! }!
            groups["\(b.precinct)\u{1}\(b.zip)", default: []].append(b)
        }
        let groupKeys = groups.keys.sorted { a, b in
            let x = a.split(separator: "\u{1}", omittingEmptySubsequences: false).map(String.init)
            let y = b.split(separator: "\u{1}", omittingEmptySubsequences: false).map(String.init)
            if x[0] != y[0] { return Canvassing.naturalOrder(x[0], y[0]) }
            return x[1] < y[1]
        }
        var packed: [(precinct: String, zip: String, houses: [House])] = []
        for key in groupKeys {
            let blocks = Self.streetOrder(groups[key]!)
            packed += pack(blocks.flatMap(split)).map { (blocks[0].precinct, blocks[0].zip, $0) }
        }
        return packed.enumerated().map { n, list in
            let houses = list.houses
            let stops = TurfRoute.order(houses.map(\.stop))
            let byID = Dictionary(uniqueKeysWithValues: houses.map { ($0.id, $0) })
            var items: [TurfList.Item] = []
            for s in stops {
                for p in byID[s.address.householdID]!.people {
                    items.append(
                        TurfList.Item(contactID: p.id, householdID: s.address.householdID, position: items.count))
                }
            }
            var streets: [String] = []
            for s in stops where streets.last != s.address.streetName && !streets.contains(s.address.streetName) {
                streets.append(s.address.streetName)
            }
            let place = [list.precinct.isEmpty ? nil : "precinct \(list.precinct)", Self.streetSummary(streets)]
                .compactMap { $0 }.joined(separator: ", ")
            return TurfList(
                id: listID(n, of: packed.count), name: "\(options.name) \(n + 1)" + (place.isEmpty ? "" : ": \(place)"),
                precinct: list.precinct, zip: list.zip, streets: streets, stops: stops, items: items)
        }
    }

    /// The order blocks are packed in: street by street, each street's blocks by number. Without
    /// coordinates the streets go by name. With them they form a chain: the first street by name
    /// from its lowest block, then always the street with a block end nearest to where the last
    /// street ended, entered from that end, so consecutive lists are neighbours on the map.
    static func streetOrder(_ blocks: [Block]) -> [Block] {
        var streets: [String: [Block]] = [:]
        for b in blocks { streets[b.street, default: []].append(b) }
        for k in streets.keys { streets[k]!.sort { $0.number < $1.number } }
        let names = streets.keys.sorted()
        // A block's centre: the mean of its houses, when every house has coordinates.
        func centre(_ b: Block) -> TurfGeometry.Point? {
            let points = b.houses.compactMap(\.stop.point)
            guard points.count == b.houses.count, !points.isEmpty else { return nil }
            return TurfGeometry.Point(
                latitude: points.map(\.latitude).reduce(0, +) / Double(points.count),
                longitude: points.map(\.longitude).reduce(0, +) / Double(points.count))
        }
        var centres: [String: TurfGeometry.Point] = [:]
        for b in blocks {
            guard let c = centre(b) else { return names.flatMap { streets[$0]! } }
            centres["\(b.street)|\(b.number)"] = c
        }
        func at(_ b: Block) -> TurfGeometry.Point { centres["\(b.street)|\(b.number)"]! }
        guard let origin = blocks.first.map(at) else { return [] }
        let distance = TurfGeometry.Distance(origin: origin)
        var out = streets[names[0]]!
        var left = Array(names.dropFirst())
        while !left.isEmpty {
            let here = at(out.last!)
            var best: (index: Int, reversed: Bool, cost: Double)?
            for (i, name) in left.enumerated() {
                let street = streets[name]!
                for reversed in [false, true] {
                    let cost = distance(here, at(reversed ? street.last! : street.first!))
                    if best == nil || cost < best!.cost - 1e-9 { best = (i, reversed, cost) }
                }
            }
            let street = streets[left.remove(at: best!.index)]!
            out += best!.reversed ? street.reversed() : street
        }
        return out
    }

    /// A block bigger than a list, split along its walk into parts of about `size` doors.
    func split(_ block: Block) -> [[House]] {
        let n = block.houses.count
        guard n > options.size else { return [block.houses] }
        let parts = (n + options.size - 1) / options.size
        let per = (n + parts - 1) / parts
        return stride(from: 0, to: n, by: per).map { Array(block.houses[$0..<min(n, $0 + per)]) }
    }

    /// Packs blocks (already in order) into lists of about `size` doors.
    func pack(_ blocks: [[House]]) -> [[House]] {
        let size = options.size
        var lists: [[House]] = []
        var current: [House] = []
        for b in blocks {
            let with = current.count + b.count
            if !current.isEmpty && with > size && with - size > size - current.count {
                lists.append(current)
                current = []
            }
            current += b
        }
        if !current.isEmpty {
            if let last = lists.last, current.count * 2 < size, (last.count + current.count) * 2 <= size * 3 {
                lists[lists.count - 1] += current
            } else {
                lists.append(current)
            }
        }
        return lists
    }

    // MARK: call lists

    func callLists(_ people: [PersonFacts]) -> [TurfList] {
        var byPrecinct: [String: [PersonFacts]] = [:]
        for p in people {
            byPrecinct[p.contact["precinct"]?.stringValue ?? p.household["precinct"]?.stringValue ?? "", default: []]
                .append(p)
        }
        var chunks: [(precinct: String, people: [PersonFacts])] = []
        for precinct in byPrecinct.keys.sorted(by: Canvassing.naturalOrder) {
            let sorted = byPrecinct[precinct]!.sorted { PersonFacts.before($0, $1) }
            // Packing people one by one is packing blocks of one.
            let houses = sorted.map {
                [House(id: $0.id, stop: TurfStop.none, precinct: precinct, zip: "", people: [$0])]
            }
            for part in pack(houses) { chunks.append((precinct, part.flatMap(\.people))) }
        }
        return chunks.enumerated().map { n, chunk in
            let items = chunk.people.enumerated().map {
                TurfList.Item(contactID: $0.element.id, householdID: $0.element.householdID, position: $0.offset)
            }
            let zip = chunk.people.first?.household["zip"]?.stringValue ?? ""
            return TurfList(
                id: listID(n, of: chunks.count),
                name: "\(options.name) \(n + 1)" + (chunk.precinct.isEmpty ? "" : ": precinct \(chunk.precinct)"),
                precinct: chunk.precinct, zip: zip, streets: [], stops: [], items: items)
        }
    }

    // MARK: names

    /// "turf-07": the prefix and the number, zero-padded to the width of the largest.
    func listID(_ index: Int, of count: Int) -> String {
        let width = max(2, String(count).count)
        let number = String(index + 1)
        return "\(options.idPrefix)-" + String(repeating: "0", count: width - number.count) + number
    }

    static func streetSummary(_ streets: [String]) -> String? {
        guard !streets.isEmpty else { return nil }
        return streets.count <= 3
            ? streets.joined(separator: ", ")
            : streets.prefix(2).joined(separator: ", ") + " and \(streets.count - 2) more"
    }

    /// An id-safe form of a name: lower case ASCII letters and digits, other runs as one hyphen.
    public static func slug(_ name: String) -> String {
        let slug = Slug.of(name)
        return slug.isEmpty ? "list" : slug
    }
}

extension TurfStop {
    /// A placeholder for packing people who have no stop (call lists).
    static let none = TurfStop(
        address: Canvassing.WalkAddress(streetName: "", streetNumber: 0, unit: "", householdID: ""), latitude: nil,
        longitude: nil)
}
