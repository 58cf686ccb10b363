import CanvassCampaign
import CanvassCore
import CanvassProtocol
import CanvassStore
import Foundation

// A coordinator's donations and pledges: replicated `donations` records written by this device,
// offline, synced by `canvass sync`. The rules (what counts as received, what a pledge still
// promises, the percentage of the goal) are `Donations` in CanvassCore.

/// A donation as `donation add`, `donation fulfil` and `donation list` show it.
public struct DonationRow: Sendable, Codable, Hashable {
    public let donation: Donation
    /// The person's name, when this laptop holds them.
    public let name: String?
    /// For a pledge: what it still promises, in cents; nil for money received.
    public let outstandingCents: Int64?

    enum CodingKeys: String, CodingKey {
        case donation, name
        case outstandingCents = "outstanding_cents"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(donation, forKey: .donation)
        try c.encode(name, forKey: .name)
        try c.encode(outstandingCents, forKey: .outstandingCents)
    }
}

/// `donation list`: the donations, and the campaign's revenue when one campaign is asked for.
public struct DonationList: Sendable, Codable, Hashable {
    public let campaign: String?
    public let revenue: RevenueSummary?
    public let donations: [DonationRow]

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(campaign, forKey: .campaign)
        try c.encode(revenue, forKey: .revenue)
        try c.encode(donations, forKey: .donations)
    }

    enum CodingKeys: String, CodingKey { case campaign, revenue, donations }
}

extension FieldClient {
    /// Records money received, or with `pledge` money promised, from a person to a campaign.
    /// - Parameters:
    ///   - amount: dollars as typed ("25", "1,250.50", "$40"); kept as integer cents.
    ///   - campaign: id or name; nil takes the person's `campaign_id`.
    ///   - on: the day given or promised (2026-10-01, 10/1/2026); nil is today in the campaign's time zone.
    ///   - mailing: the campaign email this gift answers (`mailing_id`), for revenue per mailing.
    /// - Throws: `.invalid` with every problem, and nothing written; `.notFound` for an unknown
    ///   person or campaign.
    public func addDonation(
        person: String, amount: String, pledge: Bool, campaign: String?, on: String?, method: String?,
        note: String?, mailing: String? = nil, now: Int64
    ) throws -> DonationRow {
        try translating {
            let (store, s) = try coordinatorSession("record donations")
            let contact = try Self.person(store, person)
            let campaignID = try Self.donationCampaign(store, given: campaign, contact: contact)
            var problems: [Diagnostic] = []
            let day = try Self.day(on, campaign: campaignID, store: store, now: now, problems: &problems)
            let draft = Donations.draft(
                contact: person, campaign: campaignID, amount: amount, pledge: pledge, on: day ?? "", method: method,
                note: note, fulfils: nil, recordedAt: now, userID: s.user.id)
            problems += draft.problems
            var values = draft.values
            if let mailing {
                let m = try store.record(RecordKey("mailings", mailing))
                if !Record.exists(m) || m?["campaign_id"]?.stringValue != campaignID {
                    let known = try store.projected("mailings", fields: ["campaign_id"]).filter {
                        $0["campaign_id"]?.stringValue == campaignID
                    }.map(\.key.id).sorted()
                    problems.append(
                        Diagnostic(
                            at: "--mailing", code: "unknown_mailing",
                            "no mailing '\(mailing)' in \(campaignID); mailings: \(known.isEmpty ? "none" : known.joined(separator: ", "))"
                        ))
                } else {
                    values["mailing_id"] = .string(mailing)
                }
            }
            if !problems.isEmpty { throw ClientError(.invalid, "no donation recorded", problems: problems) }
            let id = "don-\(s.replicaID.rawValue)-\(UUID().uuidString.prefix(8).lowercased())-\(now)"
            try store.write([LocalWrite(RecordKey("donations", id), values)], wallclock: now)
            let d = Donation(id: id, values)!
            return DonationRow(donation: d, name: Self.name(contact), outstandingCents: pledge ? d.amountCents : nil)
        }
    }

    /// Records a payment toward a pledge: money received from the pledge's person to its
    /// campaign, naming the pledge (`fulfils`). The pledge stays as it was promised; what it still
    /// promises is its amount less its payments. The payment's id comes from the pledge, the day
    /// and the amount, so the same payment recorded on two laptops offline is one record.
    /// - Parameter amount: nil pays what the pledge still promises.
    public func fulfilPledge(
        _ pledgeID: String, amount: String?, on: String?, method: String?, note: String?, now: Int64
    )
        throws -> DonationRow
    {
        try translating {
            let (store, s) = try coordinatorSession("record donations")
            let all = try Self.allDonations(store)
            guard let pledge = all.first(where: { $0.id == pledgeID }) else {
                throw ClientError(
                    .notFound, "no donation '\(pledgeID)' here; see `canvass donation list CAMPAIGN` for pledge ids")
            }
            let left = Donations.outstanding(all)[pledgeID] ?? 0
            if pledge.pledge && left == 0 {
                throw ClientError(
                    .invalid,
                    "pledge \(pledgeID) is paid in full (\(Money.format(cents: pledge.amountCents))); nothing recorded")
            }
            let campaignID = pledge.campaignID ?? ""
            var problems: [Diagnostic] = []
            let day = try Self.day(on, campaign: campaignID, store: store, now: now, problems: &problems)
            let draft = Donations.draft(
                contact: pledge.contactID ?? "", campaign: campaignID,
                amount: amount ?? Money.format(cents: left), pledge: false, on: day ?? "", method: method, note: note,
                fulfils: pledge, recordedAt: now, userID: s.user.id)
            problems += draft.problems
            if !problems.isEmpty { throw ClientError(.invalid, "no payment recorded", problems: problems) }
            let cents = draft.values["amount_cents"]?.intValue ?? 0
            let key = RecordKey("donations", Donations.paymentID(pledge: pledgeID, on: day ?? "", cents: cents))
            if Record.exists(try store.record(key)) {
                throw ClientError(
                    .invalid,
                    "a payment of \(Money.format(cents: cents)) on \(day ?? "") toward \(pledgeID) is recorded already (\(key.id)); nothing recorded"
                )
            }
            try store.write([LocalWrite(key, draft.values)], wallclock: now)
            let contact = try store.record(RecordKey("contacts", pledge.contactID ?? ""))
            return DonationRow(
                donation: Donation(id: key.id, draft.values)!, name: contact.flatMap { Self.name($0.values) },
                outstandingCents: nil)
        }
    }

    /// The donations here, of one campaign or all, of one person or all, newest first; with the
    /// campaign's revenue when a campaign is given.
    public func donations(campaign: String?, person: String?) throws -> DonationList {
        try translating {
            let (store, _) = try coordinatorSession("read donations")
            let campaignID = try campaign.map { try Self.findCampaign($0, in: store).id }
            let all = try Self.allDonations(store)
            let open = Donations.outstanding(all)
            let shown = all.filter {
                (campaignID == nil || $0.campaignID == campaignID) && (person == nil || $0.contactID == person)
            }.sorted {
                ($0.receivedOn ?? "", $0.recordedAt ?? 0, $0.id) > ($1.receivedOn ?? "", $1.recordedAt ?? 0, $1.id)
            }
            var names: [String: String] = [:]
            let wanted = Set(shown.compactMap(\.contactID))
            for c in try store.projected("contacts", fields: ["first_name", "last_name"])
            where wanted.contains(c.key.id) {
                names[c.key.id] = Self.name(c.values)
            }
            return DonationList(
                campaign: campaignID, revenue: try campaignID.map { try Self.revenue(store, campaign: $0, all) },
                donations: shown.map {
                    DonationRow(
                        donation: $0, name: $0.contactID.flatMap { names[$0] },
                        outstandingCents: $0.pledge ? open[$0.id] ?? 0 : nil)
                })
        }
    }

    /// A campaign's money against its revenue goal (`Donations.summary`): received, pledged and
    /// still outstanding, donors and gifts.
    public func revenue(campaign: String) throws -> RevenueSummary {
        try translating {
            let (store, _) = try coordinatorSession("read donations")
            let id = try Self.findCampaign(campaign, in: store).id
            return try Self.revenue(store, campaign: id, try Self.allDonations(store))
        }
    }

    static func revenue(_ store: ReplicaStore, campaign: String, _ donations: [Donation]) throws -> RevenueSummary {
        let goal = try store.record(RecordKey("campaigns", campaign))?["goal_revenue_cents"]?.intValue
        return Donations.summary(campaign: campaign, goalCents: goal, donations: donations)
    }

    static func allDonations(_ store: ReplicaStore) throws -> [Donation] {
        let kinds = Dictionary(
            uniqueKeysWithValues: (CampaignSchema.standard.collections["donations"]?.fields ?? []).map {
                ($0.name, $0.kind)
            })
        return try store.projected("donations", fields: Donation.fields, kinds: kinds).compactMap {
            Donation(id: $0.key.id, $0.values)
        }
    }

    /// A person's display values, or an error that says where ids are shown.
    static func person(_ store: ReplicaStore, _ id: String) throws -> [String: Value] {
        guard let c = try store.record(RecordKey("contacts", id)), !c.isDeleted else {
            throw ClientError(
                .notFound, "no person '\(id)' here; find ids with `canvass segment show` or `canvass group show`")
        }
        return c.values
    }

    static func name(_ contact: [String: Value]) -> String? {
        let n = [contact["first_name"], contact["last_name"]].compactMap { $0?.stringValue }.joined(separator: " ")
        return n.isEmpty ? nil : n
    }

    /// The campaign a donation goes to: the one given, else the person's.
    static func donationCampaign(_ store: ReplicaStore, given: String?, contact: [String: Value]) throws -> String {
        if let given { return try findCampaign(given, in: store).id }
        if let own = contact["campaign_id"]?.stringValue, Record.exists(try store.record(RecordKey("campaigns", own))) {
            return own
        }
        throw ClientError(
            .invalid,
            "this person belongs to no campaign here, so say which: --campaign C (see `canvass campaign list`)")
    }

    /// A day as typed, as `YYYY-MM-DD`; nil `text` is today in the campaign's time zone.
    static func day(_ text: String?, campaign: String, store: ReplicaStore, now: Int64, problems: inout [Diagnostic])
        throws -> String?
    {
        guard let text else {
            let zone = try store.record(RecordKey("campaigns", campaign))?["time_zone"]?.stringValue
            return CampaignClock(timeZone: zone).day(now)
        }
        if let iso = VoterFileDates.shared.read(text) { return iso }
        problems.append(Diagnostic(at: "--on", code: "bad_value", "'\(text)' is not a date; write it like 2026-10-01"))
        return nil
    }
}
