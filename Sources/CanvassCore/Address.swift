/// A residential address split into the parts a walk list needs, from one line such as
/// "12 1/2 N Main St Apt 4B" or from a voter file's separate columns.
///
/// The parts are normalised the way USPS Publication 28 writes them: directions abbreviated (`N`,
/// `NE`), street suffixes abbreviated (`St`, `Ave`), unit designators abbreviated (`Apt`, `Ste`,
/// `#`). Words typed in capitals ("MAIN STREET") are shown in title case ("Main St"), so one
/// street is one street whichever file it came from. Two addresses are the same place when
/// their `key`s are equal: people at the same key (and zip) form a household.
public struct Address: Sendable, Hashable {
    /// The house number: 12 of "12", "12B", "12 1/2" and "12-14".
    public var number: Int
    /// What follows the number: "B", "1/2", "-14", or empty.
    public var numberSuffix: String
    /// "N", "NE", … or empty.
    public var preDirection: String
    /// The street's name without direction or suffix: "Main", "5th", "Avenue of the Americas".
    public var name: String
    /// "St", "Ave", … or empty.
    public var suffix: String
    /// "NW", … or empty.
    public var postDirection: String
    /// "Apt 4B", "Unit 2", "#3", "Ste 100", "Rear", or empty.
    public var unit: String

    public init(
        number: Int, numberSuffix: String = "", preDirection: String = "", name: String, suffix: String = "",
        postDirection: String = "", unit: String = ""
    ) {
        self.number = number
        self.numberSuffix = numberSuffix
        self.preDirection = preDirection
        self.name = name
        self.suffix = suffix
        self.postDirection = postDirection
        self.unit = unit
    }

    /// "12", "12B", "12 1/2", "12-14".
    public var house: String { Self.house(Int64(number), suffix: numberSuffix) }

    /// A house number with its suffix as a household record holds them (`street_number`,
    /// `number_suffix`): "12B", "12 1/2"; what every list and view shows.
    public static func house(_ number: Int64, suffix: String) -> String {
        suffix.contains("/") ? "\(number) \(suffix)" : "\(number)\(suffix)"
    }

    /// "N Main St NW": the street as walk lists group and show it.
    public var street: String {
        [preDirection, name, suffix, postDirection].filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// "12 1/2 N Main St Apt 4B".
    public var line: String { [house, street, unit].filter { !$0.isEmpty }.joined(separator: " ") }

    /// What identifies the unit whatever its designator: "4B" for "Apt 4B", "#4B" and "Unit 4B";
    /// the designator itself ("REAR") when there is no number.
    public var unitKey: String {
        let parts = unit.split(separator: " ")
        if unit.hasPrefix("#") { return String(unit.dropFirst()).uppercased() }
        return (parts.count > 1 ? parts.dropFirst().joined(separator: " ") : unit).uppercased()
    }

    /// The same place, however it was written: number, its suffix, directions, name, street
    /// suffix and unit, in capitals.
    public var key: String {
        [
            "\(number)", numberSuffix.uppercased(), preDirection.uppercased(), name.uppercased(), suffix.uppercased(),
            postDirection.uppercased(), unitKey,
        ].joined(separator: "|")
    }
}

/// The outcome of reading an address: the parts, or why the text is not a door to knock.
public enum AddressParse: Sendable, Hashable {
    case address(Address)
    case problem(String)

    public var address: Address? {
        if case .address(let a) = self { return a }
        return nil
    }

    public var problem: String? {
        if case .problem(let p) = self { return p }
        return nil
    }
}

extension Address {
    /// Reads a one-line residential address: house number (`12`, `12B`, `12 1/2`, `12-14`),
    /// pre-direction (`N`, `North`), street name, suffix (`St`, `Street`), post-direction and unit
    /// (`APT 4B`, `UNIT 2`, `#3`, `STE 100`, or a trailing `4B` after the suffix). Commas and
    /// periods are ignored. PO boxes and rural routes are refused: nobody can knock on them.
    public static func parse(_ text: String) -> AddressParse {
        var tokens = AddressTokens.split(text)
        guard !tokens.isEmpty else { return .problem("the address is empty") }
        let upper = tokens.map { $0.uppercased() }
        if upper.first == "PO" || upper.first == "POB" || upper.prefix(2) == ["P", "O"]
            || upper.prefix(3) == ["POST", "OFFICE", "BOX"] || upper.first == "BOX"
        {
            return .problem("'\(text)' is a PO box, not a residential address; give the house's street address")
        }
        if ["RR", "RTE", "HC"].contains(upper.first) || upper.prefix(2) == ["RURAL", "ROUTE"] {
            return .problem("'\(text)' is a rural route, not a house; give the house's 911 street address")
        }
        guard let (number, numberSuffix) = AddressTokens.houseNumber(tokens[0]) else {
            return .problem("'\(text)' does not start with a house number")
        }
        tokens.removeFirst()
        var suffixOfNumber = numberSuffix
        if let first = tokens.first, AddressTokens.isFraction(first) {
            if suffixOfNumber.isEmpty {
                suffixOfNumber = first
                tokens.removeFirst()
            }
        }
        // The unit: from the first designator that follows at least one street word.
        var unit = ""
        if let at = tokens.indices.dropFirst().first(where: { AddressTokens.startsUnit(tokens, at: $0) }) {
            let rest = Array(tokens[at...])
            tokens.removeSubrange(at...)
            guard let u = AddressTokens.unit(rest) else {
                return .problem("'\(text)' has a unit designator without a unit")
            }
            unit = u
        }
        var street = tokens
        guard !street.isEmpty else { return .problem("'\(text)' has no street name after the house number") }
        // A trailing unit without designator: "12 Main St 4B".
        // "E Avenue B" is a street, not Avenue with unit B: a street word must come before.
        if unit.isEmpty, street.count >= 3, AddressTokens.looksLikeUnit(street[street.count - 1]) {
            let before = street[street.count - 2]
            let named = street[..<(street.count - 2)].contains { AddressTokens.direction($0) == nil }
            if named && (AddressTokens.streetSuffix(before) != nil || AddressTokens.direction(before) != nil) {
                unit = "#" + street.removeLast().uppercased()
            }
        }
        var pre = ""
        var post = ""
        var suffix = ""
        if street.count >= 2, let d = AddressTokens.direction(street[0]) {
            // "North St" is a street called North; "N Broadway" and "N Main St" have a direction.
            let rest = street.dropFirst()
            if rest.count >= 2 || AddressTokens.streetSuffix(rest.first!) == nil {
                pre = d
                street.removeFirst()
            }
        }
        if street.count >= 2, let d = AddressTokens.direction(street[street.count - 1]) {
            let before = street[street.count - 2]
            if street.count >= 3 || AddressTokens.streetSuffix(before) == nil {
                post = d
                street.removeLast()
            }
        }
        if street.count >= 2, let s = AddressTokens.streetSuffix(street[street.count - 1]) {
            suffix = s
            street.removeLast()
        }
        let name = street.map(AddressTokens.display).joined(separator: " ")
        return .address(
            Address(
                number: number, numberSuffix: suffixOfNumber, preDirection: pre, name: name, suffix: suffix,
                postDirection: post, unit: unit))
    }

    /// Reads an address given in a voter file's separate columns, by the same rules as one line:
    /// a unit without a designator ("4B") is a `#` unit.
    public static func parse(
        number: String, numberSuffix: String = "", preDirection: String = "", street: String,
        streetSuffix: String = "", postDirection: String = "", unitType: String = "", unit: String = ""
    ) -> AddressParse {
        var unitText = [unitType, unit].map(AddressTokens.trim).filter { !$0.isEmpty }.joined(separator: " ")
        if !unitText.isEmpty, AddressTokens.unitDesignator(AddressTokens.split(unitText).first ?? "") == nil {
            unitText = "# " + unitText
        }
        let line = [number, numberSuffix, preDirection, street, streetSuffix, postDirection, unitText].map(
            AddressTokens.trim
        )
        .filter { !$0.isEmpty }.joined(separator: " ")
        return parse(line)
    }
}
