import CanvassCampaign
import CanvassCore
import CanvassStore

/// What one pass did.
public struct AutomationPassSummary: Sendable, Hashable, Codable {
    /// Campaigns with active rules or a mailing to queue.
    public var campaigns = 0
    public var rules = 0
    /// People of those campaigns, each evaluated for every rule of their campaign.
    public var peopleEvaluated = 0
    /// Firings this pass stored (fired or skipped); one computed again (an overlap) is not counted.
    public var firingsNew = 0
    /// Outbox rows this pass queued (webhooks, emails, mailings).
    public var deliveriesQueued = 0
    /// The earliest time some person must be evaluated again without new data.
    public var nextCheck: Int64?

    public init() {}
}

/// A pass computed and not yet stored.
public struct AutomationPlan: Sendable {
    public var batches: [AutomationCommit] = []
    /// Counts of the evaluation; the commit adds what was new.
    public var summary = AutomationPassSummary()

    public init() {}
}

/// The server's automation engine (issue 12): a full pass over the campaigns that have active
/// rules. For each: load the campaign's inputs, observe every person with what its rules watch,
/// run `AutomationPass.run` per rule and person (the one evaluation `simulate` also runs), turn
/// each firing's actions into writes and deliveries with `AutomationEffects.apply`, and commit
/// it all through `ServerStorage.commitAutomation`, where each firing's unique key decides
/// whether it is new. A pass computed twice (two passes overlapping, a change set pushed twice)
/// therefore stores each firing once. Mailings whose `send_requested_at` is newer than the
/// engine last handled are queued in the same commit.
public final class AutomationEngine: Sendable {
    public let storage: any ServerStorage

    public init(storage: any ServerStorage) {
        self.storage = storage
    }

    /// One pass: `plan`, then `commit`.
    public func runPass(now: Int64) async throws -> AutomationPassSummary {
        try await commit(try await plan(now: now))
    }

    /// What a pass at `now` would store, one batch per campaign, computed from what is stored
    /// now. Nothing is written: two plans made before either commits are two overlapping passes.
    public func plan(now: Int64) async throws -> AutomationPlan {
        var plan = AutomationPlan()
        let rules = AutomationRuleRecord.active(try await storage.records(in: "automation_rules"))
        let byCampaign = Dictionary(grouping: rules.compactMap(\.rule), by: \.campaign)
        let meta = try await storage.automationMeta()
        let mailings = try await storage.records(in: "mailings").filter { m in
            guard !m.isDeleted, let at = m["send_requested_at"]?.intValue else { return false }
            return at > Int64(meta[Self.mailingKey(m.key.id)] ?? "") ?? Int64.min
        }
        let mailingsByCampaign = Dictionary(grouping: mailings) { $0["campaign_id"]?.stringValue ?? "" }
        let campaigns = Set(byCampaign.keys).union(mailingsByCampaign.keys).sorted()
        for campaign in campaigns {
            let campaignRules = (byCampaign[campaign] ?? []).sorted { $0.id < $1.id }
            var batch = AutomationCommit(now: now)
            if !campaignRules.isEmpty {
                let evaluated = try await evaluate(campaign: campaign, rules: campaignRules, now: now, into: &batch)
                plan.summary.peopleEvaluated += evaluated.people
                if let n = evaluated.nextCheck { plan.summary.nextCheck = min(plan.summary.nextCheck ?? n, n) }
            }
            // A mailing sent (or sent again): one delivery per person, queued once by id.
            for mailing in mailingsByCampaign[campaign] ?? [] {
                for d in try await storage.mailingDeliveries(mailing: mailing) {
                    batch.deliveries.append(Self.queued(d, now: now))
                }
                batch.meta[Self.mailingKey(mailing.key.id)] = String(mailing["send_requested_at"]?.intValue ?? 0)
            }
            plan.summary.campaigns += 1
            plan.summary.rules += campaignRules.count
            if !batch.isEmpty { plan.batches.append(batch) }
        }
        return plan
    }

    /// Stores a plan, one durable transaction per campaign; each firing is stored (and its
    /// actions carried out) only when its key is new.
    public func commit(_ plan: AutomationPlan) async throws -> AutomationPassSummary {
        var summary = plan.summary
        for batch in plan.batches {
            let result = try await storage.commitAutomation(batch)
            summary.firingsNew += result.newFirings.count
            summary.deliveriesQueued += result.newDeliveries
        }
        return summary
    }

    /// Evaluates every rule of a campaign for every person of it, adding what to store to `batch`.
    private func evaluate(campaign: String, rules: [AutomationRule], now: Int64, into batch: inout AutomationCommit)
        async throws -> (people: Int, nextCheck: Int64?)
    {
        let inputs = try await storage.automationInputs(campaign: campaign, rules: rules)
        let clock = CampaignClock(campaign: try await storage.record(RecordKey("campaigns", campaign)))
        let states = try await storage.automationStates(rules: rules.map(\.id))
        let observations = try await storage.automationObservations(campaign: campaign)
        let nextCheck = Self.evaluate(
            campaign: campaign, rules: rules, inputs: inputs, states: states, observations: observations, now: now,
            local: { clock.automation($0) }, into: &batch)
        return (inputs.people.count, nextCheck)
    }

    /// The pure part of a pass over one campaign, between reading and committing: observe every
    /// person with what the rules watch, `AutomationPass.run` per rule and person, each firing's
    /// effects, and the states and observations that changed, added to `batch`. Returns the
    /// earliest next check. (The bench times this apart from the reads and the commit.)
    public static func evaluate(
        campaign: String, rules: [AutomationRule], inputs: AutomationCampaignInputs,
        states: [String: [String: AutomationCommit.State]], observations: [String: [String: AutomationObserved]],
        now: Int64, local: (Int64) -> AutomationLocalTime, into batch: inout AutomationCommit
    ) -> Int64? {
        var watch = AutomationWatch()
        for r in rules { watch.formUnion(r.observation) }
        var nextCheck: Int64?
        for var person in inputs.people {
            let previous = observations[person.id] ?? [:]
            let observed = AutomationObserver.observe(person.facts, watch: watch, previous: previous, now: now)
            if observed != previous {
                batch.observations.append(.init(campaign: campaign, person: person.id, observed: observed))
            }
            let events = AutomationPass.events(person, observed: observed, rsvpQuestions: inputs.rsvpQuestions)
            for rule in rules {
                let stored = states[rule.id]?[person.id]
                let result = AutomationPass.run(
                    rule, person: person, events: events, observed: observed, state: stored?.state, now: now,
                    local: local)
                if result.state != stored?.state ?? AutomationPersonState() || result.nextCheck != stored?.nextCheck {
                    batch.states.append(
                        .init(rule: rule.id, person: person.id, state: result.state, nextCheck: result.nextCheck))
                }
                if let n = result.nextCheck { nextCheck = min(nextCheck ?? n, n) }
                for firing in result.firings {
                    let f = Self.firing(firing, rule: rule, person: person.facts, campaign: campaign, now: now)
                    batch.firings.append(f.commit)
                    // A later rule of this pass sees what this firing set on the contact (points add up).
                    for w in f.contactWrites { person.facts.contact.merge(w) { _, new in new } }
                }
            }
        }
        return nextCheck
    }

    /// A firing as stored: its actions' writes, its log record and its deliveries.
    static func firing(
        _ firing: AutomationFiring, rule: AutomationRule, person: PersonFacts, campaign: String, now: Int64
    ) -> (commit: AutomationCommit.Firing, contactWrites: [[String: Value]]) {
        var actions: [AutomationAction] = []
        var path: String?
        var outcome = "skipped"
        if case .fire(let a, let p) = firing.outcome {
            actions = a
            path = p
            outcome = "fired"
        }
        let effects = AutomationEffects.apply(
            actions, person: person, campaign: campaign, rule: rule, firing: firing.key, path: path, now: now)
        var reason = firing.reason
        if !effects.notes.isEmpty { reason += "; not done: " + effects.notes.joined(separator: "; ") }
        var log: [String: Value] = [
            "rule_id": .string(rule.id), "campaign_id": .string(campaign), "contact_id": .string(person.id),
            "rotation": .int(Int64(firing.key.rotation)), "step": .string(firing.key.step), "outcome": .string(outcome),
            "due_at": .int(firing.dueAt), "fired_at": .int(now), "reason": .string(reason),
            "actions": .array(actions.map { .string(describe($0)) }), Record.deletedField: .bool(false),
        ]
        if let path { log["path"] = .string(path) }
        let key = firing.key
        let commit = AutomationCommit.Firing(
            key: key.description, rule: key.rule, person: key.person, rotation: key.rotation, step: key.step,
            writes: effects.writes.map { LocalWrite($0.key, $0.values) },
            log: LocalWrite(RecordKey("automation_log", key.description), log),
            deliveries: effects.deliveries.map { queued($0, now: now) })
        let contact = RecordKey("contacts", person.id)
        return (commit, effects.writes.filter { $0.key == contact }.map(\.values))
    }

    /// A delivery to queue with its `automation_deliveries` record (pending, no attempt yet).
    static func queued(_ d: AutomationDelivery, now: Int64) -> QueuedDelivery {
        var values: [String: Value] = [
            "kind": .string(d.kind.rawValue), "campaign_id": .string(d.campaign), "target": .string(d.target),
            "status": .string("pending"), "attempts": .int(0), "next_attempt_at": .int(now), "created_at": .int(now),
            Record.deletedField: .bool(false),
        ]
        if let f = d.firing { values["firing"] = .string(f) }
        if let m = d.mailing { values["mailing_id"] = .string(m) }
        if let c = d.contact { values["contact_id"] = .string(c) }
        return QueuedDelivery(d, record: LocalWrite(RecordKey("automation_deliveries", d.id), values))
    }

    static func mailingKey(_ mailing: String) -> String { "mailing.\(mailing)" }

    /// An action as the log shows it, in the rule file's words.
    static func describe(_ a: AutomationAction) -> String {
        switch a {
        case .addToGroup(let g): return "add_to_group \(g)"
        case .removeFromGroup(let g): return "remove_from_group \(g)"
        case .engagementPoints(let n): return "engagement_points \(n)"
        case .engagementLevel(let n): return "engagement_level \(n)"
        case .addToList(let l): return "add_to_list \(l)"
        case .setField(let f, let v): return "set_field \(f)=\(v)"
        case .doNotContact(let c): return "do_not_contact \(c)"
        case .webhook(let url): return "webhook \(url)"
        case .sendEmail(let m): return "send_email \(m)"
        }
    }
}
