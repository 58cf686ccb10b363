import CanvassProtocol

/// Generates a synthetic voter file for a small grid of streets in a made-up corner of Columbus, Ohio.
///
/// Everything is derived from `seed` with ``SplitMix64`` and integer arithmetic, so the same seed and
/// household count give the same voters, byte for byte, on every machine. The people are invented:
/// names are drawn at random from lists of common names, phone numbers come from the fictional
/// 555-0100…0199 block and e-mail addresses use the reserved example.* domains.
///
/// Layout: 12 east–west avenues and 12 north–south streets make a grid of 11 × 11 blocks. House
/// numbers start at 100 per block and rise west to east and south to north; odd numbers are on the
/// north side of avenues and the west side of streets. Coordinates follow the numbers, so sorting by
/// street, side and number gives a sensible walk. About 4% of occupied lots are small apartment
/// buildings whose households have units ("Apt 1A" …).
public struct VoterFileGenerator: Sendable {
    public var seed: UInt64
    public var households: Int

    public init(seed: UInt64 = 20261103, households: Int = 2000) {
        precondition(households >= 0, "households must not be negative")
        self.seed = seed
        self.households = households
    }

    // Grid geometry, in millionths of a degree.
    static let originLat = 39_950_000
    static let originLon = -83_020_000
    static let blockLat = 2_500  // ≈ 278 m
    static let blockLon = 3_200  // ≈ 273 m at this latitude
    static let sideLat = 120  // ≈ 13 m from the centre line of an avenue
    static let sideLon = 150  // ≈ 13 m from the centre line of a street
    static let blocks = 11  // blocks along each street
    static let city = "Columbus"
    static let state = "OH"

    /// A lot: one street number on one block face.
    struct Lot {
        var street: String
        var number: Int
        var latMicro: Int
        var lonMicro: Int
    }

    /// Every lot in the grid, in a fixed order.
    func lots() -> [Lot] {
        let faces = (Streets.eastWest.count + Streets.northSouth.count) * Self.blocks * 2
        // Enough lots that the chosen ones stay sparse (real blocks have gaps); at most 48 per face.
        let perFace = min(48, max(12, (households * 3 + faces - 1) / faces))
        let step = max(2, (96 / perFace) & ~1)
        var out: [Lot] = []
        out.reserveCapacity(faces * perFace)
        for (i, name) in Streets.eastWest.enumerated() {
            let lat = Self.originLat + i * Self.blockLat
            for b in 0..<Self.blocks {
                for k in 0..<perFace {
                    let lon = Self.originLon + b * Self.blockLon + (2 * k + 1) * Self.blockLon / (2 * perFace)
                    let base = 100 * (b + 1) + 2 + step * k
                    out.append(Lot(street: name, number: base + 1, latMicro: lat + Self.sideLat, lonMicro: lon))
                    out.append(Lot(street: name, number: base, latMicro: lat - Self.sideLat, lonMicro: lon))
                }
            }
        }
        for (j, name) in Streets.northSouth.enumerated() {
            let lon = Self.originLon + j * Self.blockLon
            for b in 0..<Self.blocks {
                for k in 0..<perFace {
                    let lat = Self.originLat + b * Self.blockLat + (2 * k + 1) * Self.blockLat / (2 * perFace)
                    let base = 100 * (b + 1) + 2 + step * k
                    out.append(Lot(street: name, number: base + 1, latMicro: lat, lonMicro: lon - Self.sideLon))
                    out.append(Lot(street: name, number: base, latMicro: lat, lonMicro: lon + Self.sideLon))
                }
            }
        }
        return out
    }

    /// Ward 1…8 (a 4 × 2 split of the grid) and precinct "<ward>-<A|B|C>" (thirds of a ward, south to north).
    static func district(latMicro: Int, lonMicro: Int) -> (ward: Int, precinct: String, zip: String) {
        let span = blocks
        let x = min(span * 1_000 - 1, max(0, (lonMicro - originLon) * 1_000 / blockLon))
        let y = min(span * 1_000 - 1, max(0, (latMicro - originLat) * 1_000 / blockLat))
        let column = x * 4 / (span * 1_000)
        let row = y * 2 / (span * 1_000)
        let ward = 1 + column + 4 * row
        let withinRow = y - row * span * 1_000 / 2
        let third = min(2, withinRow * 3 / (span * 1_000 / 2))
        let letter = ["A", "B", "C"][third]
        return (ward, "\(ward)-\(letter)", row == 0 ? "43205" : "43203")
    }

    public func generate() -> [Voter] {
        var rng = SplitMix64(seed: seed)

        // 1. Choose occupied lots and how many households each holds.
        let allLots = lots()
        var order = Array(allLots.indices)
        rng.shuffle(&order)
        var counts = [Int](repeating: 0, count: allLots.count)
        var remaining = households
        var n = 0
        while remaining > 0 {
            let lot = order[n % order.count]
            let size = n < order.count && rng.chance(4) ? rng.int(in: 2...6) : 1
            let add = min(size, remaining)
            counts[lot] += add
            remaining -= add
            n += 1
        }
        // Walk order: street, odd side first, number.
        let occupied = allLots.indices.filter { counts[$0] > 0 }.sorted { a, b in
            let x = allLots[a], y = allLots[b]
            if x.street != y.street { return x.street < y.street }
            if x.number % 2 != y.number % 2 { return x.number % 2 == 1 }
            return x.number < y.number
        }

        // 2. Phone numbers: every area code × 555-0100…0199, shuffled; reused only if exhausted.
        var phones: [String] = []
        for ac in AreaCodes.all {
            for xx in 0..<100 { phones.append("\(ac)-555-01\(Self.pad(xx, 2))") }
        }
        rng.shuffle(&phones)

        var state = PeopleState(phones: phones)
        var out: [Voter] = []
        out.reserveCapacity(households * 5 / 2 + 16)
        var householdNumber = 0
        for lotIndex in occupied {
            let lot = allLots[lotIndex]
            let district = Self.district(latMicro: lot.latMicro, lonMicro: lot.lonMicro)
            let count = counts[lotIndex]
            for u in 0..<count {
                householdNumber += 1
                let unit = count > 1 ? "Apt \(u / 4 + 1)\(["A", "B", "C", "D"][u % 4])" : ""
                let address = Address(
                    householdId: "HH" + Self.pad(householdNumber, 6), number: lot.number, street: lot.street,
                    unit: unit, zip: district.zip, latMicro: lot.latMicro, lonMicro: lot.lonMicro,
                    ward: district.ward, precinct: district.precinct)
                out += household(at: address, rng: &rng, state: &state)
            }
        }
        return out
    }

    // MARK: People

    struct Address {
        var householdId: String
        var number: Int
        var street: String
        var unit: String
        var zip: String
        var latMicro: Int
        var lonMicro: Int
        var ward: Int
        var precinct: String
    }

    struct PeopleState {
        var phones: [String]
        var nextPhone = 0
        var voterIds: Set<String> = []
        var emails: Set<String> = []

        init(phones: [String]) { self.phones = phones }

        mutating func phone() -> String {
            defer { nextPhone += 1 }
            return phones[nextPhone % phones.count]
        }
    }

    /// How often someone votes: chance in percent for presidential generals, midterms and primaries.
    struct Propensity { var presidential: Int; var midterm: Int; var primary: Int }

    static let propensities: [(Propensity, Int)] = [
        (Propensity(presidential: 97, midterm: 92, primary: 70), 25),  // every election
        (Propensity(presidential: 88, midterm: 62, primary: 22), 35),  // generals
        (Propensity(presidential: 55, midterm: 25, primary: 4), 25),  // presidential years
        (Propensity(presidential: 12, midterm: 4, primary: 0), 15),  // rarely
    ]

    /// Election code and the last day to register for it (30 days before).
    static let elections: [(code: String, deadline: String)] = [
        ("G2024", "2024-10-07"), ("P2024", "2024-02-20"), ("G2022", "2022-10-11"), ("P2022", "2022-04-04"),
        ("G2020", "2020-10-05"), ("P2020", "2020-02-18"), ("G2018", "2018-10-09"),
    ]

    static let partyWeights: [(String, Int)] = [
        ("DEM", 38), ("REP", 34), ("IND", 12), ("NPA", 11), ("LIB", 3), ("GRN", 2),
    ]

    struct Person {
        var first: String
        var middle: String
        var last: String
        var suffix: String
        var gender: String
        var birthYear: Int
        var party: String
        var propensity: Propensity
        var phone: String
    }

    func household(at address: Address, rng: inout SplitMix64, state: inout PeopleState) -> [Voter] {
        let size = rng.pick([(1, 25), (2, 33), (3, 18), (4, 14), (5, 10)])
        let roommates = size > 1 && rng.chance(8)
        let family = rng.pick(Names.last)
        var people: [Person] = []

        let primaryGender = Self.gender(&rng)
        let primaryBirth = roommates ? rng.int(in: 1985...2004) : rng.int(in: 1932...2000)
        let primary = makePerson(
            gender: primaryGender, last: family, birth: primaryBirth, party: rng.pick(Self.partyWeights),
            propensity: rng.pick(Self.propensities), phone: rng.chance(70) ? state.phone() : "", rng: &rng)
        people.append(primary)

        for i in 1..<max(1, size) {
            if roommates {
                let g = Self.gender(&rng)
                people.append(
                    makePerson(
                        gender: g, last: rng.chance(85) ? rng.pick(Names.last) : family,
                        birth: min(2006, max(1930, primaryBirth + rng.int(in: -4...4))),
                        party: rng.pick(Self.partyWeights), propensity: rng.pick(Self.propensities),
                        phone: rng.chance(75) ? state.phone() : "", rng: &rng))
                continue
            }
            let partner = i == 1 && rng.chance(72)
            if partner {
                let g: String
                switch primaryGender {
                case "F": g = rng.chance(92) ? "M" : "F"
                case "M": g = rng.chance(92) ? "F" : "M"
                default: g = Self.gender(&rng)
                }
                let sharedLine = !primary.phone.isEmpty && rng.chance(20)
                people.append(
                    makePerson(
                        gender: g, last: rng.chance(85) ? family : rng.pick(Names.last),
                        birth: min(2006, max(1930, primaryBirth + rng.int(in: -6...6))),
                        party: rng.chance(70) ? primary.party : rng.pick(Self.partyWeights),
                        propensity: rng.chance(60) ? primary.propensity : rng.pick(Self.propensities),
                        phone: sharedLine ? primary.phone : (rng.chance(70) ? state.phone() : ""), rng: &rng))
            } else if primaryBirth <= 1986 {
                // A grown child (or, rarely, a parent) living at home.
                let child = rng.chance(85)
                let birth =
                    child
                    ? min(2006, primaryBirth + rng.int(in: 20...36))
                    : max(1930, primaryBirth - rng.int(in: 20...32))
                people.append(
                    makePerson(
                        gender: Self.gender(&rng), last: rng.chance(92) ? family : rng.pick(Names.last), birth: birth,
                        party: rng.chance(55) ? primary.party : rng.pick(Self.partyWeights),
                        propensity: rng.pick(Self.propensities),
                        phone: rng.chance(65) ? state.phone() : "", rng: &rng))
            } else {
                // A younger household: a sibling or relative of about the same age.
                people.append(
                    makePerson(
                        gender: Self.gender(&rng), last: rng.chance(80) ? family : rng.pick(Names.last),
                        birth: min(2006, primaryBirth + rng.int(in: -8...8)),
                        party: rng.chance(50) ? primary.party : rng.pick(Self.partyWeights),
                        propensity: rng.pick(Self.propensities),
                        phone: rng.chance(70) ? state.phone() : "", rng: &rng))
            }
        }

        return people.map { p in
            let registered = Self.registrationDate(birthYear: p.birthYear, rng: &rng)
            return Voter(
                voterId: Self.voterId(&rng, &state), householdId: address.householdId, firstName: p.first,
                middleName: p.middle, lastName: p.last, suffix: p.suffix, streetNumber: address.number,
                streetName: address.street, unit: address.unit, city: Self.city, state: Self.state, zip: address.zip,
                latitude: Double(address.latMicro) / 1_000_000, longitude: Double(address.lonMicro) / 1_000_000,
                phone: p.phone, email: Self.email(p, rng: &rng, state: &state), party: p.party,
                precinct: address.precinct, ward: address.ward, birthYear: p.birthYear, gender: p.gender,
                registrationDate: registered,
                voteHistory: Self.history(registered: registered, propensity: p.propensity, rng: &rng))
        }
    }

    func makePerson(
        gender: String, last: String, birth: Int, party: String, propensity: Propensity, phone: String,
        rng: inout SplitMix64
    ) -> Person {
        let pool: [String]
        switch gender {
        case "F": pool = Names.female
        case "M": pool = Names.male
        default: pool = rng.chance(50) ? Names.neutral : (rng.chance(50) ? Names.female : Names.male)
        }
        let first = rng.pick(pool)
        var middle = ""
        switch rng.below(100) {
        case ..<55:
            repeat { middle = rng.pick(gender == "M" ? Names.male : Names.female) } while middle == first
        case ..<70:
            middle = String(rng.pick(Array("ABCDEFGHJKLMNPRSTW")))
        default: break
        }
        let suffix = gender == "M" && rng.chance(3) ? rng.pick(Names.suffixes) : ""
        return Person(
            first: first, middle: middle, last: last, suffix: suffix, gender: gender,
            birthYear: min(2006, max(1930, birth)), party: party, propensity: propensity, phone: phone)
    }

    static func gender(_ rng: inout SplitMix64) -> String {
        rng.pick([("F", 51), ("M", 46), ("X", 1), ("", 2)])
    }

    static func voterId(_ rng: inout SplitMix64, _ state: inout PeopleState) -> String {
        while true {
            let id = "OH" + pad(rng.below(1_000_000_000), 9)
            if state.voterIds.insert(id).inserted { return id }
        }
    }

    static func registrationDate(birthYear: Int, rng: inout SplitMix64) -> String {
        let earliest = max(birthYear + 18, 1972)
        // Most people re-register when they move, so recent dates are more common.
        let year = rng.chance(40) ? rng.int(in: max(earliest, 2016)...2024) : rng.int(in: min(earliest, 2024)...2024)
        let month = year == 2024 ? rng.int(in: 1...9) : rng.int(in: 1...12)
        let day = rng.int(in: 1...28)
        return "\(year)-\(pad(month, 2))-\(pad(day, 2))"
    }

    static func history(registered: String, propensity: Propensity, rng: inout SplitMix64) -> String {
        var voted: [String] = []
        for (code, deadline) in elections {
            guard registered <= deadline else { continue }
            let chance: Int
            if code.hasPrefix("P") {
                chance = propensity.primary
            } else if code == "G2024" || code == "G2020" {
                chance = propensity.presidential
            } else {
                chance = propensity.midterm
            }
            if rng.chance(chance) { voted.append(code) }
        }
        return voted.joined(separator: " ")
    }

    static func email(_ p: Person, rng: inout SplitMix64, state: inout PeopleState) -> String {
        guard rng.chance(45) else { return "" }
        let first = ascii(p.first), last = ascii(p.last)
        guard !first.isEmpty, !last.isEmpty else { return "" }
        let domain = rng.pick([("example.org", 5), ("example.com", 4), ("example.net", 2)])
        let local: String
        switch rng.below(4) {
        case 0: local = "\(first).\(last)"
        case 1: local = "\(first)\(last)\(pad(p.birthYear % 100, 2))"
        case 2: local = "\(first.prefix(1))\(last)"
        default: local = "\(first)_\(last)\(rng.int(in: 1...99))"
        }
        var candidate = "\(local)@\(domain)"
        var n = 2
        while !state.emails.insert(candidate).inserted {
            candidate = "\(local)\(n)@\(domain)"
            n += 1
        }
        return candidate
    }

    /// Lowercase ASCII letters only ("Núñez" → "nunez", "O'Brien" → "obrien").
    static func ascii(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            let folded: Character?
            switch scalar {
            case "a"..."z": folded = Character(scalar)
            case "A"..."Z": folded = Character(Unicode.Scalar(scalar.value + 32)!)
            case "á", "à", "â", "ä", "Á": folded = "a"
            case "é", "è", "ê", "ë", "É": folded = "e"
            case "í", "ì", "î", "ï", "Í": folded = "i"
            case "ó", "ò", "ô", "ö", "Ó": folded = "o"
            case "ú", "ù", "û", "ü", "Ú": folded = "u"
            case "ñ", "Ñ": folded = "n"
            default: folded = nil
            }
            if let folded { out.append(folded) }
        }
        return out
    }

    /// Zero-padded decimal, without Foundation.
    static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

extension Voter {
    /// The elections the generator may put in `voteHistory`, newest first.
    public static let elections: [String] = ["G2024", "P2024", "G2022", "P2022", "G2020", "P2020", "G2018"]
}
