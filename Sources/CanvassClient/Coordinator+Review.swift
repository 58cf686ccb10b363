import CanvassCampaign
import CanvassCore
import CanvassProtocol
import CanvassStore
import Foundation

// Quality review on the coordinator's replica (`ShiftReview`): flagged shifts, a shift's
// interactions, approving a shift, rolling interactions back and restoring them. Decisions
// (`shift_reviews`) and roll-backs (`rollbacks`) are replicated writes of this device, offline.

/// A channel's contact rate in `canvass review --json`.
public struct ReviewRate: Sendable, Codable, Hashable {
    public let attempts: Int
    public let contacts: Int
    /// contacts / attempts, nil with no attempts.
    public let rate: Double?

    init(_ r: ShiftReview.Rate) {
        attempts = r.attempts
        contacts = r.contacts
        rate = r.rate
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(attempts, forKey: .attempts)
        try c.encode(contacts, forKey: .contacts)
        try c.encode(rate, forKey: .rate)
    }
}

/// A coordinator's decision on a shift (`shift_reviews`).
public struct ShiftDecision: Sendable, Codable, Hashable {
    /// `USER@CAMPAIGN@DAY`.
    public let id: String
    /// `approved` or `rolled_back`.
    public let decision: String
    public let note: String?
    public let reviewedBy: String?
    public let reviewedAt: Int64?

    enum CodingKeys: String, CodingKey {
        case id, decision, note
        case reviewedBy = "reviewed_by"
        case reviewedAt = "reviewed_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(decision, forKey: .decision)
        try c.encode(note, forKey: .note)
        try c.encode(reviewedBy, forKey: .reviewedBy)
        try c.encode(reviewedAt, forKey: .reviewedAt)
    }
}

/// One shift as `canvass review` lists it: the numbers its flags come from, the reasons, and
/// the decision taken on it (null while undecided).
public struct ShiftSummary: Sendable, Codable, Hashable {
    public struct Reason: Sendable, Codable, Hashable {
        public let code: String
        public let message: String
    }

    /// `USER@CAMPAIGN@DAY`, the id of its `shift_reviews` record.
    public let id: String
    public let userID: String
    /// The canvasser's name from the directory (the id when the directory does not hold it).
    public let user: String
    public let campaign: String
    public let day: String
    public let lists: [String]
    public let interactions: Int
    public let doors: ReviewRate
    public let calls: ReviewRate
    /// The shift's contact rate and the campaign's norm on its main channel (doors unless it made more calls).
    public let channel: String
    public let contactRate: Double?
    public let norm: Double?
    public let distinctDoors: Int
    public let medianGapSeconds: Int64?
    public let quickGaps: Int
    public let outsideWindow: Int
    /// Milliseconds since 1970 of its first and last interaction.
    public let firstAt: Int64
    public let lastAt: Int64
    public let rolledBack: Int
    public let reasons: [Reason]
    public let decision: ShiftDecision?

    enum CodingKeys: String, CodingKey {
        case id, user, campaign, day, lists, interactions, doors, calls, channel, norm, reasons, decision
        case userID = "user_id"
        case contactRate = "contact_rate"
        case distinctDoors = "distinct_doors"
        case medianGapSeconds = "median_gap_seconds"
        case quickGaps = "quick_gaps"
        case outsideWindow = "outside_window"
        case firstAt = "first_at"
        case lastAt = "last_at"
        case rolledBack = "rolled_back"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(userID, forKey: .userID)
        try c.encode(user, forKey: .user)
        try c.encode(campaign, forKey: .campaign)
        try c.encode(day, forKey: .day)
        try c.encode(lists, forKey: .lists)
        try c.encode(interactions, forKey: .interactions)
        try c.encode(doors, forKey: .doors)
        try c.encode(calls, forKey: .calls)
        try c.encode(channel, forKey: .channel)
        try c.encode(contactRate, forKey: .contactRate)
        try c.encode(norm, forKey: .norm)
        try c.encode(distinctDoors, forKey: .distinctDoors)
        try c.encode(medianGapSeconds, forKey: .medianGapSeconds)
        try c.encode(quickGaps, forKey: .quickGaps)
        try c.encode(outsideWindow, forKey: .outsideWindow)
        try c.encode(firstAt, forKey: .firstAt)
        try c.encode(lastAt, forKey: .lastAt)
        try c.encode(rolledBack, forKey: .rolledBack)
        try c.encode(reasons, forKey: .reasons)
        try c.encode(decision, forKey: .decision)
    }
}

/// `canvass review --json`: each campaign's norms, and the shifts listed.
public struct ReviewReport: Sendable, Codable, Hashable {
    public struct CampaignNorms: Sendable, Codable, Hashable {
        public let id: String
        public let timeZone: String
        public let doors: ReviewRate
        public let calls: ReviewRate

        enum CodingKeys: String, CodingKey {
            case id, doors, calls
            case timeZone = "time_zone"
        }
    }

    public let campaigns: [CampaignNorms]
    /// Flagged shifts not yet decided (with `--all`, also decided ones), by day then name.
    public let shifts: [ShiftSummary]
    /// How many flagged shifts are undecided (whatever `--all`).
    public let undecided: Int
    public let thresholds: ShiftReview.Thresholds
}

/// One interaction of a shift in `canvass review show`.
public struct ShiftInteraction: Sendable, Codable, Hashable {
    public let id: String
    public let recordedAt: Int64
    /// "HH:MM" in the campaign's time zone.
    public let time: String
    public let personID: String?
    public let person: String?
    public let householdID: String?
    public let list: String?
    public let channel: String
    public let result: String?
    public let contacted: Bool
    /// The interaction this one corrects, and the one correcting this (then it counts for nothing).
    public let corrects: String?
    public let correctedBy: String?
    public let outsideWindow: Bool
    public let rolledBack: Bool
    public let rollbackReason: String?

    enum CodingKeys: String, CodingKey {
        case id, time, person, list, channel, result, contacted, corrects
        case recordedAt = "recorded_at"
        case personID = "person_id"
        case householdID = "household_id"
        case correctedBy = "corrected_by"
        case outsideWindow = "outside_window"
        case rolledBack = "rolled_back"
        case rollbackReason = "rollback_reason"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(recordedAt, forKey: .recordedAt)
        try c.encode(time, forKey: .time)
        try c.encode(personID, forKey: .personID)
        try c.encode(person, forKey: .person)
        try c.encode(householdID, forKey: .householdID)
        try c.encode(list, forKey: .list)
        try c.encode(channel, forKey: .channel)
        try c.encode(result, forKey: .result)
        try c.encode(contacted, forKey: .contacted)
        try c.encode(corrects, forKey: .corrects)
        try c.encode(correctedBy, forKey: .correctedBy)
        try c.encode(outsideWindow, forKey: .outsideWindow)
        try c.encode(rolledBack, forKey: .rolledBack)
        try c.encode(rollbackReason, forKey: .rollbackReason)
    }
}

/// `canvass review show`: the shift and its interactions in time order (corrected ones too).
public struct ShiftDetail: Sendable, Codable, Hashable {
    public let shift: ShiftSummary
    public let interactions: [ShiftInteraction]
}

/// What `review rollback` and `review restore` changed.
public struct RollbackReport: Sendable, Codable, Hashable {
    /// Interactions rolled back (or restored) now.
    public let changed: [String]
    /// Interactions that already were rolled back (or were not).
    public let unchanged: [String]
    /// The decision written with `--shift`, else null.
    public let decision: ShiftDecision?

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(changed, forKey: .changed)
        try c.encode(unchanged, forKey: .unchanged)
        try c.encode(decision, forKey: .decision)
    }
}

/// `canvass sync --json` on any replica: the sync's counts, and `flagged_shifts` (flagged shifts
/// no coordinator has decided yet; null for a canvasser, whose replica holds no review).
public struct SyncOutcome: Sendable, Encodable {
    public let sync: SyncReport
    public let flaggedShifts: Int?

    public init(sync: SyncReport, flaggedShifts: Int?) {
        self.sync = sync
        self.flaggedShifts = flaggedShifts
    }

    enum CodingKeys: String, CodingKey { case flaggedShifts = "flagged_shifts" }

    public func encode(to encoder: any Encoder) throws {
        try sync.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(flaggedShifts, forKey: .flaggedShifts)
    }
}

/// A list's hours as `canvass review hours` set them (null: no window).
public struct ListHours: Sendable, Codable, Hashable {
    public let list: String
    public let windowStart: String?
    public let windowEnd: String?

    enum CodingKeys: String, CodingKey {
        case list
        case windowStart = "window_start"
        case windowEnd = "window_end"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(list, forKey: .list)
        try c.encode(windowStart, forKey: .windowStart)
        try c.encode(windowEnd, forKey: .windowEnd)
    }
}

/// Everything quality review reads from the replica, for one or every campaign.
struct ReviewData {
    struct Item {
        let values: [String: Value]
        let local: CampaignClock.Local
        let review: ShiftReview.Interaction
    }

    struct Campaign {
        let id: String
        let clock: CampaignClock
        let windows: [String: ShiftReview.Window]
        let items: [Item]
        let review: ShiftReview.Review
    }

    let campaigns: [Campaign]
    let rollbacks: [String: [String: Value]]
    let decisions: [String: [String: Value]]
    let names: [String: String]

    static let interactionFields = [
        "person_id", "household_id", "list_id", "survey_id", "channel", "result", "recorded_at", "user_id", "corrects",
    ]

    /// Reads the replica: every campaign, or just `only`.
    static func load(_ store: ReplicaStore, only: String? = nil, thresholds: ShiftReview.Thresholds = .init()) throws
        -> ReviewData
    {
        let campaignRecords = try store.projected("campaigns", fields: ["time_zone"])
            .filter { only == nil || $0.key.id == only }
        let lists = try store.projected("lists", fields: ["campaign_id", "window_start", "window_end"])
        let surveyRecords = try store.projected("surveys", fields: ["campaign_id"])
        var surveys: [String: Survey] = [:]
        for r in try store.records(in: "surveys") {
            if let d = r["definition"], let s = try? d.decode(as: Survey.self) { surveys[r.key.id] = s }
        }
        let rollbacks = try store.projected(
            "rollbacks", fields: ["interaction_id", "reason", "user_id", "rolled_back_at"])
        let rolledBack = Rollbacks.rolledBack(rollbacks)
        let interactions = try store.projected("interactions", fields: interactionFields)
        var campaigns: [Campaign] = []
        for c in campaignRecords {
            let clock = CampaignClock(timeZone: c["time_zone"]?.stringValue)
            let membership = CampaignMembership(
                campaign: c.key.id, lists: lists.map { ($0.key.id, $0.values) },
                surveys: surveyRecords.map { ($0.key.id, $0.values) }, items: [])
            var windows: [String: ShiftReview.Window] = [:]
            for l in lists where membership.lists.contains(l.key.id) {
                windows[l.key.id] = ShiftReview.Window(
                    start: l["window_start"]?.stringValue, end: l["window_end"]?.stringValue)
            }
            let mine = interactions.filter {
                membership.contains($0.key, values: $0.values) && $0["user_id"]?.stringValue != nil
                    && $0["recorded_at"]?.intValue != nil
            }
            let locals = clock.local(mine.map { $0["recorded_at"]?.intValue ?? 0 })
            let items = zip(mine, locals).map { i, local in
                Item(
                    values: i.values.merging(["id": .string(i.key.id)]) { a, _ in a }, local: local,
                    review: ShiftReview.Interaction(
                        id: i.key.id, userID: i["user_id"]?.stringValue ?? "", listID: i["list_id"]?.stringValue,
                        householdID: i["household_id"]?.stringValue ?? i["person_id"]?.stringValue,
                        channel: Channel(rawValue: i["channel"]?.stringValue ?? "") ?? .door,
                        recordedAt: i["recorded_at"]?.intValue ?? 0, day: local.day, minute: local.minute,
                        contacted: ResultCode.reached(
                            i["result"]?.stringValue, survey: i["survey_id"]?.stringValue.flatMap { surveys[$0] }),
                        corrects: i["corrects"]?.stringValue, rolledBack: rolledBack.contains(i.key.id)))
            }
            campaigns.append(
                Campaign(
                    id: c.key.id, clock: clock, windows: windows, items: items,
                    review: ShiftReview.review(items.map(\.review), windows: windows, thresholds: thresholds)))
        }
        var names: [String: String] = [:]
        for u in try store.projected(Directory.users, fields: ["name"]) { names[u.key.id] = u["name"]?.stringValue }
        var decisions: [String: [String: Value]] = [:]
        for d in try store.projected(
            "shift_reviews",
            fields: ["decision", "note", "reviewed_by", "reviewed_at", "user_id", "campaign_id", "day"])
        {
            decisions[d.key.id] = d.values
        }
        var byID: [String: [String: Value]] = [:]
        for r in rollbacks { byID[r["interaction_id"]?.stringValue ?? r.key.id] = r.values }
        return ReviewData(campaigns: campaigns, rollbacks: byID, decisions: decisions, names: names)
    }

    func decision(_ id: String) -> ShiftDecision? {
        guard let d = decisions[id], let decision = d["decision"]?.stringValue else { return nil }
        return ShiftDecision(
            id: id, decision: decision, note: d["note"]?.stringValue, reviewedBy: d["reviewed_by"]?.stringValue,
            reviewedAt: d["reviewed_at"]?.intValue)
    }

    func summary(_ s: ShiftReview.Shift, in c: Campaign) -> ShiftSummary {
        let id = ShiftReview.reviewID(user: s.userID, campaign: c.id, day: s.day)
        let calling = s.calls.attempts > s.doors.attempts
        let (own, norm) = calling ? (s.calls, c.review.callNorm) : (s.doors, c.review.doorNorm)
        return ShiftSummary(
            id: id, userID: s.userID, user: names[s.userID] ?? s.userID, campaign: c.id, day: s.day, lists: s.lists,
            interactions: s.interactions.count, doors: ReviewRate(s.doors), calls: ReviewRate(s.calls),
            channel: calling ? "call" : "door", contactRate: own.rate, norm: norm.rate, distinctDoors: s.distinctDoors,
            medianGapSeconds: s.medianGapSeconds, quickGaps: s.quickGaps, outsideWindow: s.outsideWindow,
            firstAt: s.firstAt, lastAt: s.lastAt, rolledBack: s.rolledBack,
            reasons: s.reasons.map { ShiftSummary.Reason(code: $0.code, message: $0.message) }, decision: decision(id))
    }

    /// Flagged shifts no one decided yet.
    var undecided: Int {
        campaigns.reduce(0) { n, c in
            n
                + c.review.flagged.filter {
                    decisions[ShiftReview.reviewID(user: $0.userID, campaign: c.id, day: $0.day)] == nil
                }
                .count
        }
    }
}

extension FieldClient {
    /// Flagged shifts, of one campaign (id or name) or every one, by day then canvasser's name;
    /// those a coordinator decided on are left out unless `all`.
    public func reviewShifts(campaign: String?, all: Bool) throws -> ReviewReport {
        try translating {
            let (store, _) = try coordinatorSession("review shifts")
            let only = try campaign.map { try Self.findCampaign($0, in: store).id }
            let data = try ReviewData.load(store, only: only)
            var shifts: [ShiftSummary] = []
            for c in data.campaigns {
                for s in c.review.shifts {
                    let summary = data.summary(s, in: c)
                    if all ? (s.flagged || summary.decision != nil) : (s.flagged && summary.decision == nil) {
                        shifts.append(summary)
                    }
                }
            }
            shifts.sort { ($0.day, $0.user, $0.campaign) < ($1.day, $1.user, $1.campaign) }
            return ReviewReport(
                campaigns: data.campaigns.map {
                    .init(
                        id: $0.id, timeZone: $0.clock.timeZone.identifier, doors: ReviewRate($0.review.doorNorm),
                        calls: ReviewRate($0.review.callNorm))
                }, shifts: shifts, undecided: data.undecided, thresholds: ShiftReview.Thresholds())
        }
    }

    /// How many flagged shifts no coordinator has decided on: what `canvass sync` prints on a
    /// coordinator's replica. Nil for a canvasser.
    public func flaggedShifts() throws -> Int? {
        try translating {
            let (store, s) = try session()
            guard s.user.role >= .coordinator else { return nil }
            return try ReviewData.load(store).undecided
        }
    }

    /// One shift and its interactions in time order, corrected ones included.
    /// - Parameters:
    ///   - user: the canvasser's name or id.
    ///   - day: the local day, "2026-10-03" (or as `campaign create` reads dates).
    ///   - campaign: needed only when the canvasser worked several campaigns that day.
    public func reviewShift(user: String, day: String, campaign: String?) throws -> ShiftDetail {
        try translating {
            let (store, _) = try coordinatorSession("review shifts")
            let found = try Self.findShift(store, user: user, day: day, campaign: campaign)
            let c = found.campaign
            let shiftItems = c.items.filter {
                $0.review.userID == found.shift.userID && $0.local.day == found.shift.day
            }
            .sorted { ($0.review.recordedAt, $0.review.id) < ($1.review.recordedAt, $1.review.id) }
            let corrected = Canvassing.corrections(c.items.map { ($0.review.id, $0.review.corrects, $0.review.userID) })
            let people = Set(shiftItems.compactMap { $0.values["person_id"]?.stringValue })
            var names: [String: String] = [:]
            for p in try store.projected("contacts", fields: ["first_name", "last_name"])
            where people.contains(p.key.id) {
                names[p.key.id] = [p["first_name"], p["last_name"]].compactMap { $0?.stringValue }.joined(
                    separator: " ")
            }
            let interactions = shiftItems.map { item in
                let v = item.values
                let r = item.review
                let personID = v["person_id"]?.stringValue
                return ShiftInteraction(
                    id: r.id, recordedAt: r.recordedAt, time: ShiftReview.Window.text(item.local.minute),
                    personID: personID, person: personID.flatMap { names[$0] },
                    householdID: v["household_id"]?.stringValue,
                    list: r.listID, channel: r.channel.rawValue, result: v["result"]?.stringValue,
                    contacted: r.contacted,
                    corrects: r.corrects, correctedBy: corrected[r.id],
                    outsideWindow: r.listID.flatMap { c.windows[$0] }.map { !$0.contains(item.local.minute) } ?? false,
                    rolledBack: r.rolledBack, rollbackReason: found.data.rollbacks[r.id]?["reason"]?.stringValue)
            }
            return ShiftDetail(shift: found.data.summary(found.shift, in: c), interactions: interactions)
        }
    }

    /// Approves a shift: a `shift_reviews` record `USER@CAMPAIGN@DAY` with decision `approved`.
    public func approveShift(user: String, day: String, campaign: String?, note: String?, now: Int64) throws
        -> ShiftDecision
    {
        try translating {
            let (store, s) = try coordinatorSession("approve shifts")
            let found = try Self.findShift(store, user: user, day: day, campaign: campaign)
            return try Self.decide(
                store, s, shift: found.shift, campaign: found.campaign.id, decision: "approved", note: note, now: now)
        }
    }

    /// Rolls interactions back with a reason: one `rollbacks` record each (id = the interaction's),
    /// a replicated write that deletes nothing. Every id is checked first; nothing is written when
    /// one is not an interaction here or the reason is empty.
    public func rollBack(interactions ids: [String], reason: String, now: Int64) throws -> RollbackReport {
        try translating {
            let (store, s) = try coordinatorSession("roll back interactions")
            var problems = Self.reasonProblems(reason)
            if ids.isEmpty {
                problems.append(
                    Diagnostic(
                        at: "INTERACTION", code: "missing",
                        "name the interactions to roll back (see `canvass review show USER DAY`), or give --shift USER DAY"
                    ))
            }
            problems += try Self.unknownInteractions(store, ids)
            if !problems.isEmpty { throw ClientError(.invalid, "nothing rolled back", problems: problems) }
            return try Self.writeRollbacks(store, s, ids: ids, reason: reason, decision: nil, now: now)
        }
    }

    /// Rolls back every interaction of a shift (corrected ones too) and records the decision
    /// `rolled_back` on it, in one transaction.
    public func rollBackShift(user: String, day: String, campaign: String?, reason: String, now: Int64) throws
        -> RollbackReport
    {
        try translating {
            let (store, s) = try coordinatorSession("roll back shifts")
            let problems = Self.reasonProblems(reason)
            if !problems.isEmpty { throw ClientError(.invalid, "nothing rolled back", problems: problems) }
            let found = try Self.findShift(store, user: user, day: day, campaign: campaign)
            let ids = found.campaign.items.filter {
                $0.review.userID == found.shift.userID && $0.local.day == found.shift.day
            }.map(\.review.id).sorted()
            return try Self.writeRollbacks(
                store, s, ids: ids, reason: reason, decision: (found.shift, found.campaign.id), now: now)
        }
    }

    /// Brings rolled-back interactions back: their `rollbacks` records are deleted (a replicated
    /// tombstone). Ids that are not interactions here are refused, and nothing is written.
    public func restore(interactions ids: [String], now: Int64) throws -> RollbackReport {
        try translating {
            let (store, _) = try coordinatorSession("restore interactions")
            var problems = try Self.unknownInteractions(store, ids)
            if ids.isEmpty {
                problems.append(Diagnostic(at: "INTERACTION", code: "missing", "name the interactions to restore"))
            }
            if !problems.isEmpty { throw ClientError(.invalid, "nothing restored", problems: problems) }
            var changed: [String] = []
            var unchanged: [String] = []
            for id in Self.unique(ids) {
                if Record.exists(try store.record(RecordKey("rollbacks", id))) {
                    changed.append(id)
                } else {
                    unchanged.append(id)
                }
            }
            if !changed.isEmpty {
                try store.write(changed.map { LocalWrite.delete(RecordKey("rollbacks", $0)) }, wallclock: now)
            }
            return RollbackReport(changed: changed, unchanged: unchanged, decision: nil)
        }
    }

    /// Sets the hours results may be recorded in on a list (`lists.window_start`/`window_end`,
    /// "HH:MM" in the campaign's time zone; an end before the start runs past midnight), or
    /// clears them when both are nil. A replicated write; bad times are each reported.
    public func setListHours(list: String, start: String?, end: String?, now: Int64) throws -> ListHours {
        try translating {
            let (store, _) = try coordinatorSession("set a list's hours")
            guard Record.exists(try store.record(RecordKey("lists", list))) else {
                throw ClientError(.notFound, "no list '\(list)' here; see `canvass lists`")
            }
            var problems: [Diagnostic] = []
            if (start == nil) != (end == nil) {
                problems.append(Diagnostic(at: "END", code: "missing", "give both START and END, or neither to clear"))
            }
            if let start, ShiftReview.Window.minutes(start) == nil {
                problems.append(
                    Diagnostic(at: "START", code: "bad_value", "'\(start)' is not a time; write it like 09:00"))
            }
            if let end, ShiftReview.Window.minutes(end, end: true) == nil {
                problems.append(Diagnostic(at: "END", code: "bad_value", "'\(end)' is not a time; write it like 20:30"))
            }
            if problems.isEmpty, let start, let end, ShiftReview.Window(start: start, end: end) == nil {
                problems.append(Diagnostic(at: "END", code: "bad_value", "the window \(start)–\(end) is empty"))
            }
            if !problems.isEmpty { throw ClientError(.invalid, "the list's hours are unchanged", problems: problems) }
            try store.write(
                [
                    LocalWrite(
                        RecordKey("lists", list),
                        [
                            "window_start": start.map(Value.string) ?? .null,
                            "window_end": end.map(Value.string) ?? .null,
                        ])
                ], wallclock: now)
            return ListHours(list: list, windowStart: start, windowEnd: end)
        }
    }

    // MARK: helpers

    static func unique(_ ids: [String]) -> [String] {
        var seen: Set<String> = []
        return ids.filter { seen.insert($0).inserted }
    }

    static func reasonProblems(_ reason: String) -> [Diagnostic] {
        reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
            ? [
                Diagnostic(
                    at: "--reason", code: "missing",
                    "give the reason a coordinator will read, e.g. --reason \"40 doors in 2 minutes\"")
            ]
            : []
    }

    static func unknownInteractions(_ store: ReplicaStore, _ ids: [String]) throws -> [Diagnostic] {
        var problems: [Diagnostic] = []
        for (n, id) in ids.enumerated() where !Record.exists(try store.record(RecordKey("interactions", id))) {
            problems.append(
                Diagnostic(
                    at: "INTERACTION[\(n + 1)]", code: "not_found",
                    "no interaction '\(id)' here; see `canvass review show USER DAY` for a shift's ids, or sync first"))
        }
        return problems
    }

    static func writeRollbacks(
        _ store: ReplicaStore, _ s: Session, ids: [String], reason: String,
        decision: (shift: ShiftReview.Shift, campaign: String)?, now: Int64
    ) throws -> RollbackReport {
        var changed: [String] = []
        var unchanged: [String] = []
        var writes: [LocalWrite] = []
        for id in unique(ids) {
            if Record.exists(try store.record(RecordKey("rollbacks", id))) {
                unchanged.append(id)
                continue
            }
            changed.append(id)
            writes.append(
                LocalWrite(
                    RecordKey("rollbacks", id),
                    [
                        "interaction_id": .string(id), "reason": .string(reason), "user_id": .string(s.user.id),
                        "rolled_back_at": .int(now), Record.deletedField: false,
                    ]))
        }
        var written: ShiftDecision?
        if let decision {
            let (write, d) = decisionWrite(
                s, shift: decision.shift, campaign: decision.campaign, decision: "rolled_back", note: reason, now: now)
            writes.append(write)
            written = d
        }
        if !writes.isEmpty { try store.write(writes, wallclock: now) }
        return RollbackReport(changed: changed, unchanged: unchanged, decision: written)
    }

    static func decide(
        _ store: ReplicaStore, _ s: Session, shift: ShiftReview.Shift, campaign: String, decision: String,
        note: String?, now: Int64
    ) throws -> ShiftDecision {
        let (write, d) = decisionWrite(s, shift: shift, campaign: campaign, decision: decision, note: note, now: now)
        try store.write([write], wallclock: now)
        return d
    }

    static func decisionWrite(
        _ s: Session, shift: ShiftReview.Shift, campaign: String, decision: String, note: String?, now: Int64
    ) -> (LocalWrite, ShiftDecision) {
        let id = ShiftReview.reviewID(user: shift.userID, campaign: campaign, day: shift.day)
        let values: [String: Value] = [
            "user_id": .string(shift.userID), "campaign_id": .string(campaign), "day": .string(shift.day),
            "decision": .string(decision), "note": note.map(Value.string) ?? .null, "reviewed_by": .string(s.user.id),
            "reviewed_at": .int(now), Record.deletedField: false,
        ]
        return (
            LocalWrite(RecordKey("shift_reviews", id), values),
            ShiftDecision(id: id, decision: decision, note: note, reviewedBy: s.user.id, reviewedAt: now)
        )
    }

    /// The shift of a canvasser (name or id) on a day, in `campaign` or the one campaign they worked that day.
    static func findShift(_ store: ReplicaStore, user: String, day: String, campaign: String?) throws -> (
        data: ReviewData, campaign: ReviewData.Campaign, shift: ShiftReview.Shift
    ) {
        guard let iso = VoterFileDates.shared.read(day) else {
            throw ClientError(
                .invalid, "'\(day)' is not a day; write it like 2026-10-03",
                problems: [Diagnostic(at: "DAY", code: "bad_value", "'\(day)' is not a day")])
        }
        let only = try campaign.map { try findCampaign($0, in: store).id }
        let data = try ReviewData.load(store, only: only)
        let entries = Directory.entries(try store.records(in: Directory.users).map(RecordValues.init))
        let userID = Directory.find(user, in: entries)?.id ?? user
        let matches = data.campaigns.compactMap { c in
            c.review.shifts.first { $0.userID == userID && $0.day == iso }.map { (c, $0) }
        }
        guard let first = matches.first else {
            throw ClientError(
                .notFound,
                "no shift of '\(user)' on \(iso)\(only.map { " in \($0)" } ?? ""); see `canvass review --all` for shifts"
            )
        }
        if matches.count > 1 {
            throw ClientError(
                .invalid,
                "\(user) worked \(matches.count) campaigns on \(iso) (\(matches.map(\.0.id).joined(separator: ", "))); give --campaign"
            )
        }
        return (data, first.0, first.1)
    }
}
