import CanvassCore
import CanvassFixtures
import CanvassProtocol
import Foundation
import Testing

/// The turf cutter and the walk route, with no database: the synthetic town of the fixtures.
@Suite struct TurfTests {
    static let now: Int64 = 1_780_000_000_000
    static let day = Canvassing.dayMillis
    static let survey = Survey(id: "s", title: "S", kind: .canvass, questions: [])

    /// People as the cutter reads them, from voter-file rows (the records `CampaignRecords.people` writes).
    static func people(_ voters: [Voter]) -> [PersonFacts] {
        let writes = CampaignRecords.people(voters)
        var households: [String: [String: Value]] = [:]
        for w in writes where w.key.collection == "households" { households[w.key.id] = w.values }
        return writes.filter { $0.key.collection == "contacts" }.map { w in
            PersonFacts(
                id: w.key.id, contact: w.values, household: households[w.values["household_id"]!.stringValue!]!,
                interactions: [])
        }
    }

    static let town = VoterFileGenerator().generate()

    static func cutter(_ channel: Channel = .door, size: Int = 40) -> TurfCutter {
        TurfCutter(options: .init(channel: channel, size: size, name: "Turf", now: now), survey: survey)
    }

    static func block(_ p: PersonFacts) -> String {
        "\(p.household["zip"]!)|\(p.household["street_name"]!)|\(p.household["street_number"]!.intValue! / 100)"
    }

    @Test func householdsStayWholeAndBlocksStayTogether() {
        let people = Self.people(Self.town)
        let cut = Self.cutter().cut(people)
        let byID = Dictionary(uniqueKeysWithValues: people.map { ($0.id, $0) })
        var listOfHousehold: [String: String] = [:]
        var listOfBlock: [String: String] = [:]
        var listed = 0
        for list in cut.lists {
            for item in list.items {
                listed += 1
                let p = byID[item.contactID]!
                #expect(item.householdID == p.householdID)
                #expect(
                    listOfHousehold.updateValue(list.id, forKey: p.householdID!) ?? list.id == list.id,
                    "\(p.householdID!)")
                #expect(
                    listOfBlock.updateValue(list.id, forKey: Self.block(p)) ?? list.id == list.id, "\(Self.block(p))")
            }
            // A list never crosses a precinct or a zip.
            #expect(Set(list.items.map { byID[$0.contactID]!.household["zip"]! }).count == 1)
            #expect(list.doors == Set(list.items.compactMap(\.householdID)).count)
            #expect(list.doors <= 60, "about 40 doors, at most 1.5 × when a block or a precinct's end needs it")
        }
        #expect(listed == people.count, "nobody is suppressed in the fixtures, so everyone is on a list")
        // Positions run 0, 1, 2, … and follow the stops.
        for list in cut.lists {
            #expect(list.items.map(\.position) == Array(0..<list.items.count))
            var seen: [String] = []
            for item in list.items where seen.last != item.householdID { seen.append(item.householdID!) }
            #expect(seen == list.stops.map(\.address.householdID))
        }
        // Sizes are about 40: most lists are within 25–55.
        let typical = cut.lists.filter { (25...55).contains($0.doors) }.count
        #expect(typical * 10 >= cut.lists.count * 8, "\(cut.lists.map(\.doors))")
    }

    @Test func theSameInputGivesTheSameLists() {
        let people = Self.people(Self.town)
        let a = Self.cutter().cut(people)
        let b = Self.cutter().cut(people.reversed())
        var shuffled = people
        var rng = SplitMix64(seed: 7)
        shuffled.shuffle(using: &rng)
        let c = Self.cutter().cut(shuffled)
        #expect(a == b)
        #expect(a == c)
        #expect(a.lists.first?.id == "turf-01")
        #expect(a.lists.first?.name.hasPrefix("Turf 1: precinct") == true)
        #expect(Set(a.lists.map(\.id)).count == a.lists.count)
    }

    /// Every reason to leave someone out, on each channel.
    @Test func suppressedPeopleAreLeftOut() {
        let home: [String: Value] = [
            "street_number": 101, "street_name": "Elm St", "zip": "43205", "precinct": "1-A",
        ]
        func person(
            _ id: String, _ contact: [String: Value] = [:], household: [String: Value] = [:], last: String? = nil,
            daysAgo: Int64 = 0, survey: String? = nil
        ) -> PersonFacts {
            var c: [String: Value] = [
                "last_name": .string(id), "phone": "614-555-0100", "household_id": .string("h-\(id)"),
            ]
            c.merge(contact) { _, new in new }
            return PersonFacts(
                id: id, contact: c, household: home.merging(household) { _, new in new }, lastResult: last,
                lastSurvey: survey, lastAt: last == nil ? nil : Self.now - daysAgo * Self.day,
                attempts: last == nil ? 0 : 1)
        }
        let people = [
            person("ok"),
            person("deceased", ["deceased": true]),
            person("moved", ["moved": true]),
            person("dnc", ["do_not_contact": true]),
            person("no-knock", ["do_not_knock": true]),
            person("no-call", ["do_not_call": true]),
            person("no-phone", ["phone": ""]),
            person("bad-phone", ["phone_bad": true]),
            person("bad-address", household: ["bad_address": true]),
            person("not-home-yesterday", last: "not_home", daysAgo: 1),
            person("not-home-last-week", last: "not_home", daysAgo: 7),
            person("refused-10-days", last: "refused", daysAgo: 10),
            person("refused-40-days", last: "refused", daysAgo: 40),
            person("contacted", last: "contacted", daysAgo: 1),
            // lit_drop exists only in the survey it was recorded on: 3 days there.
            person("lit-drop-2-days", last: "lit_drop", daysAgo: 2, survey: "door"),
            person("lit-drop-4-days", last: "lit_drop", daysAgo: 4, survey: "door"),
        ]
        let door = Survey(
            id: "door", title: "D", kind: .canvass,
            resultCodes: ResultCode.standard + [ResultCode("lit_drop", "Lit", recontactDays: 3)], questions: [])
        func kept(_ channel: Channel) -> Set<String> {
            let cutter = TurfCutter(
                options: .init(channel: channel, size: 50, name: "T", now: Self.now), survey: Self.survey,
                surveys: ["door": door])
            return Set(cutter.cut(people).lists.flatMap(\.items).map(\.contactID))
        }
        #expect(
            kept(.door) == [
                "ok", "no-call", "no-phone", "bad-phone", "not-home-last-week", "refused-40-days", "contacted",
                "lit-drop-4-days",
            ])
        #expect(
            kept(.call) == [
                "ok", "no-knock", "bad-address", "not-home-last-week", "refused-40-days", "contacted",
                "lit-drop-4-days",
            ])
        let cut = TurfCutter(
            options: .init(channel: .door, size: 50, name: "T", now: Self.now), survey: Self.survey,
            surveys: ["door": door]
        ).cut(people)
        #expect(cut.considered == people.count && cut.matched == people.count)
        #expect(
            cut.excluded == [
                "deceased": 1, "moved": 1, "do not contact": 1, "do not knock": 1, "bad address": 1,
                "recontact interval": 3,
            ])
    }

    @Test func callListsNeedAUsablePhoneAndFollowTheCallOrder() {
        let people = Self.people(Self.town)
        let cut = Self.cutter(.call, size: 100).cut(people)
        let byID = Dictionary(uniqueKeysWithValues: people.map { ($0.id, $0) })
        let callable = people.filter { !($0.contact["phone"]?.stringValue ?? "").isEmpty }
        #expect(cut.lists.flatMap(\.items).count == callable.count)
        #expect(callable.count < people.count, "the fixtures have people without a phone")
        for list in cut.lists {
            let listed = list.items.map { byID[$0.contactID]! }
            #expect(listed == listed.sorted(by: PersonFacts.before), "the call view's order")
            #expect(Set(listed.map { $0.contact["precinct"]! }).count == 1)
            #expect(list.stops.isEmpty && list.doors == list.people)
        }
    }

    @Test func criteriaChooseWhoIsCut() throws {
        let people = Self.people(Self.town)
        guard case .valid(let dems) = Criteria.parse("party=DEM") else { Issue.record("must parse"); return }
        let cut = Self.cutter().cut(people, where: dems)
        let byID = Dictionary(uniqueKeysWithValues: people.map { ($0.id, $0) })
        let listed = cut.lists.flatMap(\.items).map { byID[$0.contactID]! }
        #expect(!listed.isEmpty && listed.allSatisfy { $0.contact["party"] == "DEM" })
        #expect(cut.matched == listed.count && cut.matched < cut.considered)
    }

    /// With coordinates the route is shorter than the voter file's order and never longer than
    /// the plain walk order, and each side of each street block is walked in one go.
    @Test func theRouteIsShortAndWalksOneSideAtATime() {
        let people = Self.people(Self.town)
        let cut = Self.cutter().cut(people)
        var routeTotal = 0.0
        var plainTotal = 0.0
        var fileTotal = 0.0
        for list in cut.lists {
            let route = TurfRoute.length(list.stops)!
            let plain = TurfRoute.length(list.stops.sorted { Canvassing.walksBefore($0.address, $1.address) })!
            let file = TurfRoute.length(list.stops.sorted { $0.address.householdID < $1.address.householdID })!
            #expect(route <= plain + 0.001, "\(list.id): \(route) m vs \(plain) m walking street by street")
            routeTotal += route
            plainTotal += plain
            fileTotal += file
            // One side of a block, once: its houses are consecutive on the route.
            var runs: [String] = []
            for s in list.stops {
                let side = "\(s.address.streetName)|\(s.address.streetNumber / 100)|\(s.address.side)"
                if runs.last != side { runs.append(side) }
            }
            #expect(Set(runs).count == runs.count, "\(list.id) comes back to a block side: \(runs)")
        }
        #expect(routeTotal < fileTotal * 0.9, "route \(routeTotal) m, file order \(fileTotal) m")
        #expect(routeTotal < plainTotal * 0.97, "route \(routeTotal) m, street by street \(plainTotal) m")
    }

    @Test func withoutCoordinatesTheRouteIsTheWalkOrder() {
        func stop(_ street: String, _ n: Int64, _ id: String, _ lat: Double? = nil) -> TurfStop {
            TurfStop(
                address: .init(streetName: street, streetNumber: n, unit: "", householdID: id), latitude: lat,
                longitude: lat.map { _ in -83.0 })
        }
        let stops = [
            stop("Elm St", 4, "a"), stop("Elm St", 1, "b"), stop("Elm St", 2, "c"), stop("Elm St", 3, "d", 39.9),
        ]
        #expect(TurfRoute.order(stops).map(\.address.householdID) == ["b", "d", "a", "c"])
        #expect(TurfRoute.length(stops) == nil)
    }

    /// The walk view's order: positions first (the route), then the address rule.
    @Test func positionsOrderAWalk() {
        func a(_ street: String, _ n: Int64) -> Canvassing.WalkAddress {
            .init(streetName: street, streetNumber: n, unit: "", householdID: "\(street)\(n)")
        }
        let cases: [((Int64?, Canvassing.WalkAddress), (Int64?, Canvassing.WalkAddress), Bool)] = [
            ((1, a("Oak", 9)), (2, a("Ash", 1)), true),
            ((2, a("Ash", 1)), (1, a("Oak", 9)), false),
            ((5, a("Oak", 9)), (nil, a("Ash", 1)), true),
            ((nil, a("Ash", 1)), (5, a("Oak", 9)), false),
            ((nil, a("Ash", 1)), (nil, a("Oak", 9)), true),
            ((3, a("Oak", 2)), (3, a("Oak", 4)), false),
        ]
        for (x, y, before) in cases {
            #expect(Canvassing.walksBefore((x.0, x.1), (y.0, y.1)) == before, "\(x) \(y)")
        }
    }

    /// Call lists follow the same rule: positions first, names where positions do not decide.
    @Test func callListsFollowTheirPositionsThenNames() {
        let ann = (last: "Adams", first: "Ann", id: "c-1")
        let zed = (last: "Zeller", first: "Zed", id: "c-2")
        let cases:
            [(
                (Int64?, (last: String, first: String, id: String)),
                (Int64?, (last: String, first: String, id: String)), Bool
            )] = [
                ((2, ann), (1, zed), false),
                ((1, zed), (2, ann), true),
                ((nil, ann), (0, zed), false),
                ((0, zed), (nil, ann), true),
                ((nil, ann), (nil, zed), true),
                ((3, zed), (3, ann), false),
            ]
        for (x, y, before) in cases {
            #expect(Canvassing.callsBefore((x.0, x.1), (y.0, y.1)) == before, "\(x) \(y)")
        }
    }

    @Test func aBigBlockIsSplitAlongTheWalk() {
        let voters = Self.town.filter { $0.streetName == Self.town[0].streetName }
        let people = Self.people(voters)
        let cut = Self.cutter(size: 5).cut(people)
        #expect(cut.lists.allSatisfy { $0.doors <= 8 }, "\(cut.lists.map(\.doors))")
        #expect(cut.lists.flatMap(\.items).count == people.count)
    }

    @Test func namesAndIds() {
        #expect(TurfCutter.slug("North Side 2026!") == "north-side-2026")
        #expect(TurfCutter.slug("  ") == "list")
        #expect(TurfCutter.slug("Ñandú") == "and")
        let opts = TurfCutter.Options(channel: .door, size: 0, name: "Precinct 3 Walk", now: 0)
        #expect(opts.size == 1 && opts.idPrefix == "precinct-3-walk")
    }

    @Test func theMapIsEscapedSVGWithNumberedDoors() {
        let doors = [
            TurfMap.Door(number: 1, label: "1 <Main> & \"Co\"", street: "O'Hara St", latitude: 39.95, longitude: -83.0),
            TurfMap.Door(number: 2, label: "3 Main", street: "O'Hara St", latitude: 39.951, longitude: -83.0),
            TurfMap.Door(number: 3, label: "5 Main", street: "Elm Ave", latitude: 39.951, longitude: -83.001),
        ]
        let svg = TurfMap.svg(title: "Turf <1>", doors: doors)
        #expect(svg.hasPrefix("<?xml"))
        #expect(svg.contains("<title>Turf &lt;1&gt;</title>"))
        #expect(svg.contains("1 &lt;Main&gt; &amp; &quot;Co&quot;"))
        #expect(svg.contains("O&apos;Hara St"))
        #expect(!svg.contains("<Main>") && !svg.contains("O'Hara"))
        #expect(svg.components(separatedBy: "<circle").count == 4)
        #expect(svg.components(separatedBy: "<polyline").count == 2)
        #expect(svg.contains(">1</text>") && svg.contains(">3</text>"))
        #expect(svg.contains("route about 196 m"), "\(svg.prefix(600))")
    }
}
