import CSV
import CanvassCampaign
import CanvassCore
import CanvassStore
import Foundation

/// CSV as every command writes it: one writer (yaslab/CSV.swift's `CSVWriter`, which quotes a
/// field holding a comma, quote or line break as RFC 4180 says), so nobody hand-rolls quoting.
public enum CSVText {
    /// The CSV text of a header and rows, each line ended by "\n".
    /// - Throws: `ClientError.storage` if the writer fails (it writes to memory).
    public static func data(header: [String], rows: [[String]]) throws -> Data {
        let stream = OutputStream(toMemory: ())
        do {
            let writer = try CSVWriter(stream: stream)
            try writer.write(row: header)
            for row in rows { try writer.write(row: row) }
            stream.close()
        } catch {
            throw ClientError(.storage, "cannot write CSV: \(error)")
        }
        var data = (stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data) ?? Data()
        data.append(UInt8(ascii: "\n"))
        return data
    }

    /// Writes a CSV file readable by its owner only (voter data), atomically: a temporary file,
    /// then a rename, so a crash leaves the old file or the whole new one, never half of it.
    public static func write(header: [String], rows: [[String]], to path: String) throws {
        try FieldClient.writePrivate(data(header: header, rows: rows), to: path)
    }
}

/// What `canvass export` wrote.
public struct CampaignExport: Sendable, Hashable, Codable {
    public enum What: String, Sendable, Hashable, Codable, CaseIterable {
        case contacts, interactions, donations
    }
    public let campaign: String
    public let what: What
    public let path: String
    /// Data rows written (the header not counted).
    public let rows: Int
}

extension FieldClient {
    /// Writes a campaign's contacts, interactions or donations as CSV (`CSVText`): voter data,
    /// so the file is private (mode 0600) and replaced atomically. Interactions are all the
    /// campaign's (`CampaignReport.belongs`), rolled-back ones included with `rolled_back` true
    /// and corrected ones with the id of their correction in `corrected_by`, so nothing recorded
    /// is lost from an export.
    public func export(campaign: String, what: CampaignExport.What, to path: String) throws -> CampaignExport {
        try translating {
            let (store, _) = try coordinatorSession("export campaign data")
            let (id, _) = try Self.findCampaign(campaign, in: store)
            let table: (header: [String], rows: [[String]])
            switch what {
            case .contacts: table = try Self.contactsTable(store, campaign: id)
            case .interactions: table = try Self.interactionsTable(store, campaign: id)
            case .donations: table = try Self.donationsTable(store, campaign: id)
            }
            try CSVText.write(header: table.header, rows: table.rows, to: path)
            return CampaignExport(campaign: id, what: what, path: path, rows: table.rows.count)
        }
    }

    /// A cell: text as is, numbers as digits, booleans as true/false, objects and arrays as JSON.
    static func cell(_ v: Value?) -> String {
        switch v {
        case nil, .null?: return ""
        case .string(let s)?: return s
        case .int(let n)?: return String(n)
        case .bool(let b)?: return b ? "true" : "false"
        case let other?: return other.description
        }
    }

    static func kinds(_ collection: String) -> [String: FieldKind] {
        Dictionary(
            uniqueKeysWithValues: (CampaignSchema.standard.collections[collection]?.fields ?? []).map {
                ($0.name, $0.kind)
            })
    }

    static let contactColumns = [
        "voter_id", "first_name", "middle_name", "last_name", "suffix", "phone", "email", "party", "precinct", "ward",
        "birth_year", "gender", "language", "engagement_level", "voted", "ballot_status", "do_not_contact",
        "do_not_call", "do_not_knock", "phone_bad", "moved", "deceased", "household_id",
    ]
    static let householdColumns = ["street_number", "number_suffix", "street_name", "unit", "city", "state", "zip"]

    /// The campaign's people as `CampaignMembership` counts them, with their household's address.
    static func contactsTable(_ store: ReplicaStore, campaign: String) throws -> (header: [String], rows: [[String]]) {
        let membership = try CampaignPeople.membership(store, campaign: campaign)
        var households: [String: [String: Value]] = [:]
        for h in try store.projected("households", fields: householdColumns, kinds: kinds("households")) {
            households[h.key.id] = h.values
        }
        var rows: [[String]] = []
        for c in try store.projected("contacts", fields: contactColumns + ["campaign_id"], kinds: kinds("contacts"))
        where membership.contains(c.key, values: c.values) {
            let h = c["household_id"]?.stringValue.flatMap { households[$0] } ?? [:]
            rows.append([c.key.id] + contactColumns.map { cell(c[$0]) } + householdColumns.map { cell(h[$0]) })
        }
        return (["id"] + contactColumns + householdColumns, rows)
    }

    static let interactionColumns = [
        "person_id", "household_id", "list_id", "survey_id", "channel", "result", "user_id", "corrects",
    ]

    /// Every interaction of the campaign, in the order recorded, with its local day, the
    /// canvasser's name, its answers as JSON, and whether it was rolled back or corrected.
    static func interactionsTable(_ store: ReplicaStore, campaign: String) throws -> (
        header: [String], rows: [[String]]
    ) {
        let lists = Set(
            try store.projected("lists", fields: ["campaign_id"]).filter { $0["campaign_id"]?.stringValue == campaign }
                .map(\.key.id))
        let surveys = Set(
            try store.projected("surveys", fields: ["campaign_id"]).filter {
                $0["campaign_id"]?.stringValue == campaign
            }.map(\.key.id))
        let all = try store.projected(
            "interactions", fields: interactionColumns + ["recorded_at", "answers", "note"],
            kinds: kinds("interactions")
        ).filter {
            CampaignReport.belongs(
                list: $0["list_id"]?.stringValue, survey: $0["survey_id"]?.stringValue, lists: lists, surveys: surveys)
        }.sorted { ($0["recorded_at"]?.intValue ?? .min, $0.key.id) < ($1["recorded_at"]?.intValue ?? .min, $1.key.id) }
        let rolledBack = Rollbacks.rolledBack(try store.projected("rollbacks", fields: Rollbacks.fields))
        // As the report reads them: a rolled-back correction corrects nothing.
        let corrected = Canvassing.corrections(
            all.filter { !rolledBack.contains($0.key.id) }.map {
                ($0.key.id, $0["corrects"]?.stringValue, $0["user_id"]?.stringValue)
            })
        var names: [String: String] = [:]
        for u in try store.projected(Directory.users, fields: ["name"]) { names[u.key.id] = u["name"]?.stringValue }
        let days = reportDays(store, campaign: campaign, moments: all.map { $0["recorded_at"]?.intValue ?? 0 })
        let iso = ISO8601DateFormatter()
        var rows: [[String]] = []
        for (k, i) in all.enumerated() {
            let at = i["recorded_at"]?.intValue
            var answers = ""
            if let a = i["answers"], a != .null, let data = try? JSONEncoder().encode(a) {
                answers = String(decoding: data, as: UTF8.self)
            }
            rows.append(
                [i.key.id] + interactionColumns.map { cell(i[$0]) } + [
                    at.map { iso.string(from: Date(timeIntervalSince1970: Double($0) / 1000)) } ?? "",
                    at == nil ? "" : days[k], names[i["user_id"]?.stringValue ?? ""] ?? "", answers, cell(i["note"]),
                    rolledBack.contains(i.key.id) ? "true" : "false", corrected[i.key.id] ?? "",
                ])
        }
        return (
            ["id"] + interactionColumns + [
                "recorded_at", "day", "user_name", "answers", "note", "rolled_back", "corrected_by",
            ], rows
        )
    }

    static let donationColumns = ["contact_id", "pledge", "received_on", "method", "user_id", "fulfils", "note"]

    /// The campaign's donations and pledges, amounts in integer cents and as dollars (`Money`).
    static func donationsTable(_ store: ReplicaStore, campaign: String) throws -> (header: [String], rows: [[String]]) {
        let rows = try store.projected(
            "donations", fields: donationColumns + ["campaign_id", "amount_cents", "recorded_at"],
            kinds: kinds("donations")
        ).filter { $0["campaign_id"]?.stringValue == campaign }.map { d -> [String] in
            let cents = d["amount_cents"]?.intValue
            return [d.key.id, cents.map(String.init) ?? "", cents.map { Money.format(cents: $0) } ?? ""]
                + donationColumns.map { cell(d[$0]) }
        }
        return (["id", "amount_cents", "amount"] + donationColumns, rows)
    }
}
