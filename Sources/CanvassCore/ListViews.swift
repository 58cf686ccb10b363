// What a list shows: the walk and call lists as the store computes them with the rules of
// `Canvassing`, and as every front end prints and encodes them (the documented `--json` shapes,
// every documented key present, null or false when there is nothing to say).

/// A person as lists show them.
public struct ListPerson: Sendable, Hashable, Codable {
    public let id: String
    public let name: String
    public let phone: String?
    public let party: String?
    /// The latest interaction's result code, if any.
    public let lastResult: String?
    public let lastAt: Int64?
    public let attempts: Int
    /// Why this person should not be knocked or called on this list, if anything.
    public let suppressed: String?
    /// Needs no further knock or call (`Canvassing.isDone`).
    public let done: Bool
    /// When the latest result asks to try again (its recontact interval), if it does.
    public let dueAt: Int64?

    public init(
        id: String, name: String, phone: String?, party: String?, lastResult: String?, lastAt: Int64?, attempts: Int,
        suppressed: String?, done: Bool, dueAt: Int64?
    ) {
        (self.id, self.name, self.phone, self.party) = (id, name, phone, party)
        (self.lastResult, self.lastAt, self.attempts) = (lastResult, lastAt, attempts)
        (self.suppressed, self.done, self.dueAt) = (suppressed, done, dueAt)
    }

    enum CodingKeys: String, CodingKey {
        case id, name, phone, party, attempts, suppressed, done
        case lastResult = "last_result"
        case lastAt = "last_at"
        case dueAt = "due_at"
    }

    /// Every documented key, with null where there is no value.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(name, forKey: .name)
        try c.encode(phone, forKey: .phone)
        try c.encode(party, forKey: .party)
        try c.encode(lastResult, forKey: .lastResult)
        try c.encode(lastAt, forKey: .lastAt)
        try c.encode(attempts, forKey: .attempts)
        try c.encode(suppressed, forKey: .suppressed)
        try c.encode(done, forKey: .done)
        try c.encode(dueAt, forKey: .dueAt)
    }
}

/// One stop on a walk list: a household and the list's people living there.
public struct WalkStop: Sendable, Hashable, Codable {
    public let householdID: String
    public let streetNumber: Int64
    public let streetName: String
    public let unit: String
    public let side: String
    public let address: String
    public let badAddress: Bool
    public let people: [ListPerson]
    /// Whose door this is on a shared walk list (`ListCheckout.hold`): this device's batch, or
    /// another device's; nil when free or the list is not shared.
    public private(set) var checkout: DoorHold?

    /// The same stop, marked with whose door it is.
    public func checkedOut(_ hold: DoorHold?) -> WalkStop {
        var copy = self
        copy.checkout = hold
        return copy
    }

    /// Done when the address is bad or everyone here is done (`Canvassing.isDoorDone`).
    public var done: Bool { Canvassing.isDoorDone(badAddress: badAddress, people: people.map(\.done)) }

    enum CodingKeys: String, CodingKey {
        case householdID = "household_id"
        case streetNumber = "street_number"
        case streetName = "street_name"
        case unit, side, address, people, done, checkout
        case badAddress = "bad_address"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(householdID, forKey: .householdID)
        try c.encode(streetNumber, forKey: .streetNumber)
        try c.encode(streetName, forKey: .streetName)
        try c.encode(unit, forKey: .unit)
        try c.encode(side, forKey: .side)
        try c.encode(address, forKey: .address)
        try c.encode(badAddress, forKey: .badAddress)
        try c.encode(people, forKey: .people)
        try c.encode(done, forKey: .done)
        try c.encode(checkout, forKey: .checkout)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        householdID = try c.decode(String.self, forKey: .householdID)
        streetNumber = try c.decode(Int64.self, forKey: .streetNumber)
        streetName = try c.decode(String.self, forKey: .streetName)
        unit = try c.decode(String.self, forKey: .unit)
        side = try c.decode(String.self, forKey: .side)
        address = try c.decode(String.self, forKey: .address)
        badAddress = try c.decode(Bool.self, forKey: .badAddress)
        people = try c.decode([ListPerson].self, forKey: .people)
        checkout = try c.decodeIfPresent(DoorHold.self, forKey: .checkout)
    }

    /// - Parameter numberSuffix: "B" of 12B, "1/2" of 12 1/2 (`number_suffix`), shown in `address`.
    public init(
        householdID: String, streetNumber: Int64, numberSuffix: String = "", streetName: String, unit: String,
        badAddress: Bool, people: [ListPerson]
    ) {
        self.householdID = householdID
        self.streetNumber = streetNumber
        self.streetName = streetName
        self.unit = unit
        self.side =
            Canvassing.WalkAddress(
                streetName: streetName, streetNumber: streetNumber, unit: unit, householdID: householdID
            ).side
        self.address =
            "\(Address.house(streetNumber, suffix: numberSuffix)) \(streetName)" + (unit.isEmpty ? "" : ", \(unit)")
        self.badAddress = badAddress
        self.people = people
    }

    /// The people to knock now (`Canvassing.isToDo`); none at a bad address.
    public func toDo(now: Int64) -> [ListPerson] {
        badAddress ? [] : people.filter { Canvassing.isToDo(done: $0.done, dueAt: $0.dueAt, now: now) }
    }

    /// Where this stop falls on the walk.
    public var walkAddress: Canvassing.WalkAddress {
        Canvassing.WalkAddress(streetName: streetName, streetNumber: streetNumber, unit: unit, householdID: householdID)
    }
}
