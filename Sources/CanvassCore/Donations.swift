/// One donation record as the revenue rules read it: money received, or a pledge (money
/// promised). A payment toward a pledge is a received donation that names the pledge
/// (`fulfils`); the pledge itself stays as it was promised.
public struct Donation: Sendable, Hashable, Codable {
    public let id: String
    public let contactID: String?
    public let campaignID: String?
    public let amountCents: Int64
    public let pledge: Bool
    /// `YYYY-MM-DD`: the day given, or for a pledge the day promised.
    public let receivedOn: String?
    public let method: String?
    public let note: String?
    /// The pledge this payment is toward, for a received donation.
    public let fulfils: String?
    public let recordedAt: Int64?
    public let userID: String?
    /// The campaign email this gift answers, when recorded with it (`donation add --mailing`);
    /// otherwise `MailingAttribution` finds one.
    public let mailingID: String?

    public init(
        id: String, contactID: String?, campaignID: String?, amountCents: Int64, pledge: Bool,
        receivedOn: String? = nil, method: String? = nil, note: String? = nil, fulfils: String? = nil,
        recordedAt: Int64? = nil, userID: String? = nil, mailingID: String? = nil
    ) {
        self.id = id
        self.contactID = contactID
        self.campaignID = campaignID
        self.amountCents = amountCents
        self.pledge = pledge
        self.receivedOn = receivedOn
        self.method = method
        self.note = note
        self.fulfils = fulfils
        self.recordedAt = recordedAt
        self.userID = userID
        self.mailingID = mailingID
    }

    /// A donation from a record's display values; nil without a positive amount.
    public init?(id: String, _ v: [String: Value]) {
        guard let cents = v["amount_cents"]?.intValue, cents > 0 else { return nil }
        self.init(
            id: id, contactID: v["contact_id"]?.stringValue, campaignID: v["campaign_id"]?.stringValue,
            amountCents: cents, pledge: v["pledge"]?.boolValue ?? false, receivedOn: v["received_on"]?.stringValue,
            method: v["method"]?.stringValue, note: v["note"]?.stringValue, fulfils: v["fulfils"]?.stringValue,
            recordedAt: v["recorded_at"]?.intValue, userID: v["user_id"]?.stringValue,
            mailingID: v["mailing_id"]?.stringValue)
    }

    /// The fields a backend reads for the rules (`ReplicaStore.projected`).
    public static let fields = [
        "contact_id", "campaign_id", "amount_cents", "pledge", "received_on", "method", "note", "fulfils",
        "recorded_at", "user_id", "mailing_id",
    ]

    enum CodingKeys: String, CodingKey {
        case id, pledge, method, note, fulfils
        case contactID = "contact_id"
        case campaignID = "campaign_id"
        case amountCents = "amount_cents"
        case receivedOn = "received_on"
        case recordedAt = "recorded_at"
        case userID = "user_id"
        case mailingID = "mailing_id"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(contactID, forKey: .contactID)
        try c.encode(campaignID, forKey: .campaignID)
        try c.encode(amountCents, forKey: .amountCents)
        try c.encode(pledge, forKey: .pledge)
        try c.encode(receivedOn, forKey: .receivedOn)
        try c.encode(method, forKey: .method)
        try c.encode(note, forKey: .note)
        try c.encode(fulfils, forKey: .fulfils)
        try c.encode(recordedAt, forKey: .recordedAt)
        try c.encode(userID, forKey: .userID)
        try c.encodeIfPresent(mailingID, forKey: .mailingID)
    }
}

/// A campaign's money against its revenue goal (`campaign show`, `canvass report`). Received
/// money and pledges are kept apart: only money received counts toward the goal.
public struct RevenueSummary: Sendable, Codable, Hashable {
    /// Money received (donations that are not pledges, payments toward pledges included), in cents.
    public var receivedCents: Int64 = 0
    /// What pledges still promise: each pledge's amount less the payments toward it, never below
    /// zero, summed.
    public var pledgedOutstandingCents: Int64 = 0
    /// Every pledge's amount, paid or not.
    public var pledgedCents: Int64 = 0
    /// The campaign's `goal_revenue_cents`; nil when it has none.
    public var goalCents: Int64?
    /// People who gave money (received), and how many gifts they gave.
    public var donors = 0
    public var gifts = 0
    /// Pledges, and those still (partly) outstanding.
    public var pledges = 0
    public var openPledges = 0
    /// Money received as a whole percentage of the goal, rounded down (integer arithmetic); nil
    /// without a goal above zero.
    public var percentOfGoal: Int64?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case donors, gifts, pledges
        case receivedCents = "received_cents"
        case pledgedOutstandingCents = "pledged_outstanding_cents"
        case pledgedCents = "pledged_cents"
        case goalCents = "goal_cents"
        case openPledges = "open_pledges"
        case percentOfGoal = "percent_of_goal"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(receivedCents, forKey: .receivedCents)
        try c.encode(pledgedOutstandingCents, forKey: .pledgedOutstandingCents)
        try c.encode(pledgedCents, forKey: .pledgedCents)
        try c.encode(goalCents, forKey: .goalCents)
        try c.encode(donors, forKey: .donors)
        try c.encode(gifts, forKey: .gifts)
        try c.encode(pledges, forKey: .pledges)
        try c.encode(openPledges, forKey: .openPledges)
        try c.encode(percentOfGoal, forKey: .percentOfGoal)
    }
}

/// The revenue rules: what counts as received, what a pledge still promises, and the progress
/// toward a goal. Pure, so the CLI, the report and every test read money the same way.
public enum Donations {
    /// The payment methods a donation may name.
    public static let methods = ["cash", "check", "card", "online", "in_kind", "other"]

    /// What each pledge still promises: its amount less the received donations that name it
    /// (`fulfils`), never below zero. Keyed by pledge id.
    public static func outstanding(_ donations: [Donation]) -> [String: Int64] {
        var paid: [String: Int64] = [:]
        for d in donations where !d.pledge {
            if let p = d.fulfils { paid[p, default: 0] = paid[p, default: 0].addingClamped(d.amountCents) }
        }
        var out: [String: Int64] = [:]
        for d in donations where d.pledge {
            out[d.id] = max(0, d.amountCents - (paid[d.id] ?? 0))
        }
        return out
    }

    /// A campaign's revenue: the donations recorded for it, against its goal.
    /// - Parameters:
    ///   - campaign: the campaign's id; donations of other campaigns are skipped.
    ///   - goalCents: its `goal_revenue_cents`.
    public static func summary(campaign: String, goalCents: Int64?, donations: [Donation]) -> RevenueSummary {
        let mine = donations.filter { $0.campaignID == campaign }
        var s = RevenueSummary()
        s.goalCents = goalCents
        var donors: Set<String> = []
        for d in mine where !d.pledge {
            s.receivedCents = s.receivedCents.addingClamped(d.amountCents)
            s.gifts += 1
            donors.insert(d.contactID ?? "donation:\(d.id)")
        }
        s.donors = donors.count
        let open = outstanding(mine)
        for d in mine where d.pledge {
            s.pledges += 1
            s.pledgedCents = s.pledgedCents.addingClamped(d.amountCents)
            let left = open[d.id] ?? 0
            s.pledgedOutstandingCents = s.pledgedOutstandingCents.addingClamped(left)
            if left > 0 { s.openPledges += 1 }
        }
        s.percentOfGoal = percent(s.receivedCents, of: goalCents)
        return s
    }

    /// `part` as a whole percentage of `whole`, rounded down; nil when `whole` is nil or not
    /// above zero. Integer arithmetic only (a goal of $0.03 and $0.01 received is 33).
    public static func percent(_ part: Int64, of whole: Int64?) -> Int64? {
        guard let whole, whole > 0 else { return nil }
        if part / whole >= Int64.max / 100 { return .max }
        // Exactly, past $92 quadrillion too: the product in 128 bits.
        return whole.dividingFullWidth(part.multipliedFullWidth(by: 100)).quotient
    }

    /// Checks a donation about to be written and returns its field values, or every problem.
    /// - Parameters:
    ///   - amount: as typed ("25", "1,250.50", "$40").
    ///   - pledge: a promise rather than money received.
    ///   - fulfils: the pledge a payment is toward (its record, to check it is a pledge of the
    ///     same person), or nil.
    public static func draft(
        contact: String, campaign: String, amount: String, pledge: Bool, on day: String, method: String?,
        note: String?, fulfils: Donation?, recordedAt: Int64, userID: String
    ) -> (values: [String: Value], problems: [Diagnostic]) {
        var problems: [Diagnostic] = []
        var values: [String: Value] = [
            "contact_id": .string(contact), "campaign_id": .string(campaign), "pledge": .bool(pledge),
            "received_on": .string(day), "recorded_at": .int(recordedAt), "user_id": .string(userID),
        ]
        if let cents = Money.cents(amount), cents > 0 {
            values["amount_cents"] = .int(cents)
        } else {
            problems.append(
                Diagnostic(
                    at: "AMOUNT", code: "bad_value",
                    "'\(amount)' is not an amount above zero; write dollars like 25, 1,250.50 or $40"))
        }
        if let method {
            if methods.contains(method) {
                values["method"] = .string(method)
            } else {
                problems.append(
                    Diagnostic(
                        at: "--method", code: "unknown_option",
                        "'\(method)' is not a method; give one of \(methods.joined(separator: ", "))"))
            }
        }
        if let note, !note.isEmpty { values["note"] = .string(note) }
        if let p = fulfils {
            if pledge {
                problems.append(
                    Diagnostic(at: "--pledge", code: "bad_value", "a payment toward a pledge is money received"))
            }
            if !p.pledge {
                problems.append(
                    Diagnostic(at: "PLEDGE", code: "bad_value", "donation \(p.id) is money received, not a pledge"))
            }
            if p.contactID != contact {
                problems.append(
                    Diagnostic(
                        at: "PLEDGE", code: "bad_value",
                        "pledge \(p.id) is \(p.contactID ?? "nobody")'s, not \(contact)'s"))
            }
            values["fulfils"] = .string(p.id)
        }
        return (values, problems)
    }

    /// The id of a payment toward a pledge: the pledge, the day and the amount, so the same
    /// payment recorded on two laptops offline is one record (`PLEDGE~paid~2026-10-01~2500`).
    public static func paymentID(pledge: String, on day: String, cents: Int64) -> String {
        "\(pledge)~paid~\(day)~\(cents)"
    }
}

extension Int64 {
    /// The sum, held at `Int64.max` rather than trapping.
    func addingClamped(_ other: Int64) -> Int64 {
        let (s, o) = addingReportingOverflow(other)
        return o ? (other > 0 ? .max : .min) : s
    }
}
