/// One evaluation of one rule for one person (issue 12): entry, rotation, observed and recorded
/// events, the evaluator, and the state to store. The server's engine and `automation simulate`
/// both call it, so a preview and the real run cannot disagree. Pure: the caller loads the
/// person and the stored state, and commits the firings under their unique keys.

/// What the engine keeps per rule and person.
public struct AutomationPersonState: Sendable, Hashable, Codable {
    /// The latest rotation (nil before the person ever entered).
    public var rotation: Int?
    public var enteredAt: Int64?
    /// Step id → when it fired (or was skipped) in the latest rotation.
    public var fired: [String: Int64]
    public var ended: Bool
    /// Since when the person has been in a group entry or matched a segment entry, as this rule
    /// saw it (nil while they are not).
    public var qualifiedSince: Int64?

    public init(
        rotation: Int? = nil, enteredAt: Int64? = nil, fired: [String: Int64] = [:], ended: Bool = false,
        qualifiedSince: Int64? = nil
    ) {
        self.rotation = rotation
        self.enteredAt = enteredAt
        self.fired = fired
        self.ended = ended
        self.qualifiedSince = qualifiedSince
    }

    public var progress: AutomationProgress? {
        guard let rotation, let enteredAt else { return nil }
        return AutomationProgress(rotation: rotation, enteredAt: enteredAt, fired: fired, ended: ended)
    }

    mutating func set(_ p: AutomationProgress) {
        rotation = p.rotation
        enteredAt = p.enteredAt
        fired = p.fired
        ended = p.ended
    }
}

public enum AutomationPass {
    public struct Result: Sendable, Hashable {
        /// Firings to store, in step order: each `.fire` or `.skipped` (never `.deferred`).
        public var firings: [AutomationFiring]
        /// Steps due but waiting for their window, for the log of a preview.
        public var deferred: [AutomationFiring]
        /// The state to store when the firings are stored.
        public var state: AutomationPersonState
        /// When to evaluate this person for this rule again without new data; nil when only new
        /// data can move them on.
        public var nextCheck: Int64?
    }

    /// The person's events: recorded ones and observed ones.
    public static func events(
        _ person: AutomationPersonRecords, observed: [String: AutomationObserved], rsvpQuestions: [String: String]
    ) -> [AutomationEvent] {
        person.recordedEvents(rsvpQuestions: rsvpQuestions) + AutomationObserver.events(observed)
    }

    /// Evaluates `rule` for `person` at `now`.
    /// - Parameters:
    ///   - events: `events(_:observed:rsvpQuestions:)` of the person.
    ///   - observed: the person's observation map after this pass (`AutomationObserver.observe`),
    ///     which dates group entry.
    ///   - local: the campaign's wall time of an instant.
    public static func run(
        _ rule: AutomationRule, person: AutomationPersonRecords, events: [AutomationEvent],
        observed: [String: AutomationObserved], state: AutomationPersonState?, now: Int64,
        local: (Int64) -> AutomationLocalTime
    ) -> Result {
        var state = state ?? AutomationPersonState()
        let since = qualifiesSince(rule, person: person, observed: observed, state: &state, now: now)
        guard let progress = rule.rotation(previous: state.progress, qualifiesSince: since) else {
            return Result(firings: [], deferred: [], state: state, nextCheck: nil)
        }
        let evaluation = rule.evaluate(
            person: AutomationPerson(facts: person.facts, events: events), progress: progress, now: now, local: local)
        var next = progress
        var firings: [AutomationFiring] = []
        var deferred: [AutomationFiring] = []
        for f in evaluation.firings {
            switch f.outcome {
            case .fire:
                next.fired[f.key.step] = now
                firings.append(f)
            case .skipped:
                next.fired[f.key.step] = now
                next.ended = true
                firings.append(f)
            case .deferred:
                deferred.append(f)
            }
        }
        state.set(next)
        return Result(firings: firings, deferred: deferred, state: state, nextCheck: evaluation.nextCheck)
    }

    /// When the person came to qualify for the rule's entry, nil when they do not now. A group's
    /// membership and a segment's match are dated by the first pass of this rule that found the
    /// person in it (kept in `state`, cleared when they leave or stop matching, so coming back is a
    /// new entry): not by when the engine first observed the membership, which may be long before
    /// the rule existed (another rule watched the group). "Any interaction" is dated by the latest
    /// interaction in the campaign, so with re-entry each later interaction starts a new rotation;
    /// never before the rule started (`activeSince`): people contacted before it enter when it starts.
    static func qualifiesSince(
        _ rule: AutomationRule, person: AutomationPersonRecords, observed: [String: AutomationObserved],
        state: inout AutomationPersonState, now: Int64
    ) -> Int64? {
        switch rule.entry {
        case .group(let g):
            guard person.facts.groups.contains(g) else {
                state.qualifiedSince = nil
                return nil
            }
            // The first pass of this rule that found them in it: a membership the engine observed
            // long ago for another rule enters a new rule now, as `simulate`'s first look has it.
            let since = state.qualifiedSince ?? now
            state.qualifiedSince = since
            return since
        case .segment(let c):
            guard c.matches(person.facts) else {
                state.qualifiedSince = nil
                return nil
            }
            let since = state.qualifiedSince ?? now
            state.qualifiedSince = since
            return since
        case .anyInteraction:
            return person.interactions.compactMap(\.recordedAt).max().map { max($0, rule.activeSince) }
        }
    }
}

extension AutomationRule {
    /// What the engine must observe for this rule: its triggers' watch, and its entry group.
    public var observation: AutomationWatch {
        var w = watch
        if case .group(let g) = entry { w.groups.insert(g) }
        return w
    }
}
