/// How a list reaches people.
public enum Channel: String, Sendable, Codable, CaseIterable {
    case door, call
}

/// The rules of working a list, in one place for the client, the store's queries and the server:
/// who is suppressed, what a result code writes, when a person and a door are done, and the
/// order of a walk.
public enum Canvassing {
    // MARK: suppression

    /// Why a person must not be knocked or called on this channel, or nil. In order: deceased,
    /// moved, do not contact, do not knock (doors), do not call or no working phone (calls).
    public static func suppression(of contact: [String: Value], channel: Channel) -> String? {
        if contact["deceased"] == .bool(true) { return "deceased" }
        if contact["moved"] == .bool(true) { return "moved" }
        if contact["do_not_contact"] == .bool(true) { return "do not contact" }
        switch channel {
        case .door:
            if contact["do_not_knock"] == .bool(true) { return "do not knock" }
        case .call:
            if contact["do_not_call"] == .bool(true) { return "do not call" }
            if contact["phone_bad"] == .bool(true) || (contact["phone"]?.stringValue ?? "").isEmpty {
                return "no working phone"
            }
        }
        return nil
    }

    // MARK: result effects

    /// The writes a result's effect makes besides the interaction itself, in the same operation:
    /// moved marks the person moved and the address bad, deceased suppresses the person, do not
    /// contact suppresses the channel it was said on, a bad number drops the phone.
    public static func effectWrites(
        _ effect: ResultEffect, channel: Channel, person: String, household: String?
    ) -> [(key: RecordKey, values: [String: Value])] {
        let contact = RecordKey("contacts", person)
        switch effect {
        case .none: return []
        case .moved:
            var out: [(key: RecordKey, values: [String: Value])] = [(contact, ["moved": true])]
            if let household { out.append((RecordKey("households", household), ["bad_address": true])) }
            return out
        case .deceased: return [(contact, ["deceased": true])]
        case .doNotContact: return [(contact, [channel == .call ? "do_not_call" : "do_not_knock": true])]
        case .badNumber: return [(contact, ["phone_bad": true])]
        case .voted: return [(contact, ["voted": true])]
        }
    }

    /// The writes answers make besides the interaction: an answer a question `marks_voted` with
    /// marks the person voted (GOTV).
    public static func answerWrites(_ answers: [String: Value], survey: Survey, person: String) -> [(
        key: RecordKey, values: [String: Value]
    )] {
        let votes = answers.contains { q, v in survey.question(q)?.marksVoted(v) ?? false }
        return votes ? [(RecordKey("contacts", person), ["voted": true])] : []
    }

    // MARK: done

    /// Milliseconds in a day, for recontact intervals.
    public static let dayMillis: Int64 = 86_400_000

    /// Whether a person needs no further knock or call on a list.
    ///
    /// - A suppressed person is done: nobody knocks again.
    /// - A person with no result yet is not.
    /// - A latest result whose code has a recontact interval (not home, come back later, left a
    ///   message, refused for 30 days, …) is not done: the person is due again once the interval
    ///   has passed (`dueAt`).
    /// - A latest result without one is done when the code reached the person (`contacted`) or
    ///   has an effect (moved, deceased, …); otherwise (a code that reached nobody and sets no
    ///   interval, or one the survey does not know) the person is still to do.
    public static func isDone(suppressed: Bool, lastResult: ResultCode?, hasResult: Bool) -> Bool {
        if suppressed { return true }
        guard hasResult, let code = lastResult else { return false }
        if code.recontactDays != nil { return false }
        return code.contacted || code.effect != .none
    }

    /// When a person with this latest result is due again, or nil when the code sets no interval.
    public static func dueAt(lastResult: ResultCode?, at recordedAt: Int64?) -> Int64? {
        guard let days = lastResult?.recontactDays, let recordedAt else { return nil }
        return recordedAt + Int64(days) * dayMillis
    }

    /// Whether to knock or call a person now: not done, and not waiting out a recontact interval.
    /// A door knocked "not home" this morning is not done, but not to do again until it is due.
    public static func isToDo(done: Bool, dueAt: Int64?, now: Int64) -> Bool {
        !done && (dueAt ?? .min) <= now
    }

    /// A door is done when its address is bad or everyone on the list there is done.
    public static func isDoorDone(badAddress: Bool, people: [Bool]) -> Bool {
        badAddress || people.allSatisfy { $0 }
    }

    /// The result code a result string names: the list's survey's first, else the standard codes.
    public static func resultCode(_ result: String?, in survey: Survey?) -> ResultCode? {
        guard let result else { return nil }
        return survey?.resultCode(result) ?? ResultCode.standard.first { $0.code == result }
    }

    // MARK: walk order

    /// A household's place on a walk.
    public struct WalkAddress: Sendable, Hashable {
        public let streetName: String
        public let streetNumber: Int64
        public let unit: String
        public let householdID: String

        public init(streetName: String, streetNumber: Int64, unit: String, householdID: String) {
            self.streetName = streetName
            self.streetNumber = streetNumber
            self.unit = unit
            self.householdID = householdID
        }

        /// "odd" or "even": which side of the street.
        public var side: String { streetNumber % 2 != 0 ? "odd" : "even" }
    }

    /// Walk order: by street name, then up the odd side and back down the even side (a loop,
    /// not a zigzag across the street), then by unit in natural order (2 before 10), then by id.
    public static func walksBefore(_ a: WalkAddress, _ b: WalkAddress) -> Bool {
        if a.streetName != b.streetName { return a.streetName < b.streetName }
        if a.side != b.side { return a.side == "odd" }
        if a.streetNumber != b.streetNumber {
            return a.side == "odd" ? a.streetNumber < b.streetNumber : a.streetNumber > b.streetNumber
        }
        if a.unit != b.unit { return naturalOrder(a.unit, b.unit) }
        return a.householdID < b.householdID
    }

    /// The order of the stops of a list: by the position its list items carry (the route the turf
    /// cutter chose, `TurfRoute.order`, which is `walksBefore` when households have no
    /// coordinates), and by `walksBefore` where positions are missing or equal. Stops with a
    /// position come before stops without one (items added by hand to a cut list).
    public static func walksBefore(
        _ a: (position: Int64?, address: WalkAddress), _ b: (position: Int64?, address: WalkAddress)
    ) -> Bool {
        positionBefore(a.position, b.position) ?? walksBefore(a.address, b.address)
    }

    /// The order of the people of a call list: by the position their list items carry (the turf
    /// cutter's order), and by `personBefore` where positions are missing or equal, the same
    /// way `walksBefore` orders a walk list's stops.
    public static func callsBefore(
        _ a: (position: Int64?, person: (last: String, first: String, id: String)),
        _ b: (position: Int64?, person: (last: String, first: String, id: String))
    ) -> Bool {
        positionBefore(a.position, b.position) ?? personBefore(a.person, b.person)
    }

    /// Whether a list item at position `p` comes before one at `q`: a lower position first, an
    /// item with a position before one without; nil when positions do not decide.
    static func positionBefore(_ p: Int64?, _ q: Int64?) -> Bool? {
        switch (p, q) {
        case (let p?, let q?) where p != q: return p < q
        case (.some, .none): return true
        case (.none, .some): return false
        default: return nil
        }
    }

    /// People within a household or on a call list: by last name, first name, then id.
    public static func personBefore(
        _ a: (last: String, first: String, id: String), _ b: (last: String, first: String, id: String)
    ) -> Bool {
        (a.last, a.first, a.id) < (b.last, b.first, b.id)
    }

    /// Natural order of unit labels: runs of digits compare as numbers, other text without case.
    static func naturalOrder(_ a: String, _ b: String) -> Bool {
        func runs(_ s: String) -> [(number: Int?, text: String)] {
            var out: [(number: Int?, text: String)] = []
            var current = ""
            var digits = false
            for ch in s.lowercased() {
                let isDigit = ch.isASCII && ch.isNumber
                if !current.isEmpty && isDigit != digits {
                    out.append((digits ? Int(current) : nil, current))
                    current = ""
                }
                digits = isDigit
                current.append(ch)
            }
            if !current.isEmpty { out.append((digits ? Int(current) : nil, current)) }
            return out
        }
        let x = runs(a)
        let y = runs(b)
        for (p, q) in zip(x, y) {
            switch (p.number, q.number) {
            case (let m?, let n?) where m != n: return m < n
            case (nil, nil) where p.text != q.text: return p.text < q.text
            case (_?, nil): return true
            case (nil, _?): return false
            default: continue
            }
        }
        return x.count != y.count ? x.count < y.count : a < b
    }
}
