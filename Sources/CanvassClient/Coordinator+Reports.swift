import CanvassCampaign
import CanvassCore
import CanvassProtocol
import CanvassStore
import Foundation

/// What `canvass report --svg DIR` wrote.
public struct ChartFiles: Sendable, Hashable, Codable {
    public let directory: String
    public let files: [String]
}

extension FieldClient {
    /// A campaign's report (`CampaignReport`), read from this replica (offline too) with its GOTV,
    /// event turnout, revenue and engagement sections.
    /// Every table (per canvasser, list and day) is filled: `CampaignReport.keeping` keeps one.
    /// `sections: false` leaves out GOTV, events, revenue and engagement (the bench times both).
    /// - Parameters:
    ///   - from, to: local days as typed (2026-10-01 or 10/1/2026), inclusive, in the campaign's time zone.
    /// - Throws: `.invalid` for a date that is not one, or a range that ends before it starts;
    ///   `.notFound` for an unknown campaign.
    public func report(campaign: String, from: String? = nil, to: String? = nil, sections: Bool = true) throws
        -> CampaignReport
    {
        try translating {
            let (store, _) = try coordinatorSession("see campaign reports")
            let (id, values) = try Self.findCampaign(campaign, in: store)
            var problems: [Diagnostic] = []
            func day(_ text: String?, _ option: String) -> String? {
                guard let text else { return nil }
                if let iso = VoterFileDates.shared.read(text) { return iso }
                problems.append(
                    Diagnostic(at: option, code: "bad_value", "'\(text)' is not a date; write it like 2026-10-01"))
                return nil
            }
            let fromDay = day(from, "--from")
            let toDay = day(to, "--to")
            if let fromDay, let toDay, toDay < fromDay {
                problems.append(
                    Diagnostic(
                        at: "--to", code: "out_of_range", "the range ends (\(toDay)) before it starts (\(fromDay))"))
            }
            if !problems.isEmpty { throw ClientError(.invalid, "no report", problems: problems) }
            // The canvassing sections and the others read the replica side by side (two cores).
            var (report, others) = try Self.concurrently(
                {
                    CampaignReport.build(
                        try Self.reportFacts(store, campaign: id, values: values, from: fromDay, to: toDay))
                },
                {
                    sections
                        ? (
                            try gotvSummary(campaign: id), try eventTurnout(campaign: id), try revenue(campaign: id),
                            try engagement(campaign: id, fromDay: fromDay, toDay: toDay),
                            try CampaignMailings.revenue(store, campaign: id)
                        ) : nil
                })
            if let others {
                (report.gotv, report.events, report.revenue, report.engagement, report.mailings) = others
            }
            return report
        }
    }

    /// The facts of a campaign's report, read with projected reads (`ReplicaStore.forEachProjected`,
    /// answers merged in by id): only the fields counted, so 300,000 interactions are read
    /// without decoding whole records and without a query per person.
    static func reportFacts(
        _ store: ReplicaStore, campaign: String, values: [String: Value], from: String?, to: String?
    ) throws -> CampaignReport.Facts {
        var surveys: [String: Survey] = [:]
        var campaignSurveys: Set<String> = []
        for r in try store.records(in: "surveys") where !r.isDeleted {
            guard let s = try? r["definition"]?.decode(as: Survey.self) else { continue }
            surveys[r.key.id] = s
            if r["campaign_id"]?.stringValue == campaign { campaignSurveys.insert(r.key.id) }
        }
        var facts = CampaignReport.Facts(
            campaign: campaign, name: values["name"]?.stringValue ?? campaign,
            goalDoors: values["goal_doors"]?.intValue, goalContacts: values["goal_contacts"]?.intValue,
            startDate: values["start_date"]?.stringValue, endDate: values["end_date"]?.stringValue,
            surveys: surveys, campaignSurveys: campaignSurveys, from: from, to: to)

        let lists = try store.projected("lists", fields: ["campaign_id", "name", "kind", "survey_id"]).filter {
            $0["campaign_id"]?.stringValue == campaign
        }
        let listIDs = Set(lists.map(\.key.id))
        let questions = Set(facts.questions.map(\.id))
        // Who is on the lists and the interactions are read side by side (two cores).
        let (onLists, read) = try concurrently(
            { try listFacts(store, lists: lists) },
            { [campaignSurveys] in
                try interactions(store, campaign: campaign, lists: listIDs, surveys: campaignSurveys, asked: questions)
            })
        facts.lists = onLists
        facts.interactions = read
        facts.rolledBack = Rollbacks.rolledBack(try store.projected("rollbacks", fields: Rollbacks.fields))
        for u in try store.projected(Directory.users, fields: ["name"]) {
            if let n = u["name"]?.stringValue { facts.userNames[u.key.id] = n }
        }
        return facts
    }

    /// The campaign's lists (`lists`, projected), who is on them, and who is suppressed on their channel.
    static func listFacts(_ store: ReplicaStore, lists: [RecordValues]) throws -> [CampaignReport.ListFacts] {
        let listIDs = Set(lists.map(\.key.id))
        var people: [String: [String]] = [:]
        try store.forEachProjected("list_items", fields: ["list_id", "contact_id"]) { item in
            guard let l = item.string(0), listIDs.contains(l), let c = item.string(1) else { return }
            people[l, default: []].append(c)
        }
        let onLists = Set(people.values.joined())
        let contactKinds = Dictionary(
            uniqueKeysWithValues: (CampaignSchema.standard.collections["contacts"]?.fields ?? []).map {
                ($0.name, $0.kind)
            })
        var suppressedDoor: Set<String> = []
        var suppressedCall: Set<String> = []
        let fields = Self.suppressionFields
        try store.forEachProjected("contacts", fields: fields, kinds: contactKinds) { c in
            guard onLists.contains(c.id) else { return }
            var values: [String: Value] = [:]
            for (i, f) in fields.enumerated() { if let v = c.value(i) { values[f] = v } }
            if Canvassing.suppression(of: values, channel: .door) != nil { suppressedDoor.insert(c.id) }
            if Canvassing.suppression(of: values, channel: .call) != nil { suppressedCall.insert(c.id) }
        }
        return lists.map { l in
            let kind = l["kind"]?.stringValue ?? "walk"
            let members = people[l.key.id] ?? []
            let suppressed = kind == "call" ? suppressedCall : suppressedDoor
            return CampaignReport.ListFacts(
                id: l.key.id, name: l["name"]?.stringValue ?? l.key.id, kind: kind, survey: l["survey_id"]?.stringValue,
                people: members, suppressed: suppressed.intersection(members))
        }

    }

    /// The interactions of a campaign (`CampaignReport.belongs`): the counted fields, and the
    /// answers to the campaign's questions (`asked`; read member by member next to each
    /// interaction, not a path per question per interaction).
    static func interactions(
        _ store: ReplicaStore, campaign: String, lists listIDs: Set<String>, surveys campaignSurveys: Set<String>,
        asked: Set<String>
    ) throws -> [CampaignReport.Interaction] {
        // In this order: the loop below reads them by position.
        let fields = [
            "person_id", "household_id", "list_id", "survey_id", "channel", "result", "user_id", "corrects",
            "recorded_at",
        ]
        var days = ReportDays(store, campaign: campaign)
        var interactions: [CampaignReport.Interaction] = []
        try store.forEachProjected("interactions", fields: fields, members: "answers", keys: asked) { r in
            let list = r.string(2)
            let survey = r.string(3)
            guard CampaignReport.belongs(list: list, survey: survey, lists: listIDs, surveys: campaignSurveys) else {
                return
            }
            let at = r.value(8)?.intValue
            interactions.append(
                CampaignReport.Interaction(
                    id: r.id, person: r.string(0), household: r.string(1), list: list, survey: survey,
                    channel: r.string(4), result: r.string(5), answers: r.members, user: r.string(6),
                    corrects: r.string(7), recordedAt: at, day: at.map { days.day($0) }))
        }
        return interactions
    }

    /// `a` and `b` run at the same time (`b` on another thread); their results, or the first error.
    static func concurrently<A: Sendable, B: Sendable>(
        _ a: () throws -> A, _ b: @escaping @Sendable () throws -> B
    ) throws -> (A, B) {
        let outcome = ReportOutcome<B>()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            outcome.result = Result { try b() }
            done.signal()
        }
        let first = Result { try a() }
        done.wait()
        return (try first.get(), try outcome.result!.get())
    }

    /// The contact fields `Canvassing.suppression` reads.
    static let suppressionFields = [
        "deceased", "moved", "do_not_contact", "do_not_knock", "do_not_call", "phone_bad", "phone",
    ]

    /// The local day ("YYYY-MM-DD", the campaign's time zone: `CampaignClock`) of each moment.
    static func reportDays(_ store: ReplicaStore, campaign: String, moments: [Int64]) -> [String] {
        var days = ReportDays(store, campaign: campaign)
        return moments.map { days.day($0) }
    }

    /// Writes a report's charts (`ReportChart`) into `directory` (created if missing), each file
    /// private (mode 0600: list and canvasser names are campaign data) and replaced atomically.
    public func writeCharts(_ report: CampaignReport, directory: String) throws -> ChartFiles {
        try translating {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw ClientError(.invalid, "cannot create \(directory): check the path and its permissions")
            }
            var files: [String] = []
            for (name, svg) in ReportChart.all(report) {
                let path = (directory as NSString).appendingPathComponent(name)
                try Self.writePrivate(Data(svg.utf8), to: path)
                files.append(path)
            }
            return ChartFiles(directory: directory, files: files)
        }
    }
}

/// The local days ("YYYY-MM-DD", the campaign's time zone: `CampaignClock`) of moments.
/// Time zones move midnight and their offsets by whole quarter hours, so each quarter hour
/// of the moments is read once: 300,000 moments of a month ask the clock about 3,000 times.
struct ReportDays {
    let clock: CampaignClock
    var days: [Int64: String] = [:]

    init(_ store: ReplicaStore, campaign: String) {
        clock = (try? CampaignClock.of(campaign: campaign, in: store)) ?? .utc
    }

    mutating func day(_ m: Int64) -> String {
        let quarter: Int64 = 900_000
        let slot = m >= 0 ? m / quarter : -((-m + quarter - 1) / quarter)
        if let d = days[slot] { return d }
        let d = clock.day(slot * quarter)
        days[slot] = d
        return d
    }
}

/// What the other thread of `FieldClient.concurrently` returned; read after it signalled.
private final class ReportOutcome<B>: @unchecked Sendable {
    var result: Result<B, any Error>?
}
