import CanvassCampaign
import CanvassCore
import CanvassProtocol
import CanvassStore
import Foundation

// Events of a campaign on a coordinator's replica: created, RSVPs taken directly, people checked
// in at the door and no-shows recorded, all as replicated writes (offline; `canvass sync` sends
// them). RSVPs taken on calls arrive as interactions; turnout reads both (`EventTurnout`).

/// One person of an event as `canvass event show` lists them.
public struct EventAttendee: Sendable, Codable, Hashable {
    public let person: String
    public let name: String
    /// yes, no, maybe, or nil.
    public let rsvp: String?
    /// `call` (an answer on a call) or `direct` (taken by a coordinator); nil without an RSVP.
    public let rsvpSource: String?
    public let rsvpAt: Int64?
    /// attended, no_show, or nil.
    public let attendance: String?
    public let walkIn: Bool

    enum CodingKeys: String, CodingKey {
        case person, name, rsvp, attendance
        case rsvpSource = "rsvp_source"
        case rsvpAt = "rsvp_at"
        case walkIn = "walk_in"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(person, forKey: .person)
        try c.encode(name, forKey: .name)
        try c.encode(rsvp, forKey: .rsvp)
        try c.encode(rsvpSource, forKey: .rsvpSource)
        try c.encode(rsvpAt, forKey: .rsvpAt)
        try c.encode(attendance, forKey: .attendance)
        try c.encode(walkIn, forKey: .walkIn)
    }
}

/// `canvass event show`: turnout against RSVPs, and everyone with an RSVP or a check-in.
public struct EventView: Sendable, Codable, Hashable {
    public let turnout: EventTurnout
    public let people: [EventAttendee]
}

/// What `event rsvp`, `event checkin` and `event close` wrote.
public struct EventChange: Sendable, Codable, Hashable {
    public let event: String
    /// The people written (one for rsvp and checkin; the no-shows for close).
    public let people: [String]
    /// For a check-in: whether the person came without saying yes or maybe.
    public let walkIn: Bool?
    /// Turnout after the change.
    public let turnout: EventTurnout

    enum CodingKeys: String, CodingKey {
        case event, people, turnout
        case walkIn = "walk_in"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(event, forKey: .event)
        try c.encode(people, forKey: .people)
        try c.encode(walkIn, forKey: .walkIn)
        try c.encode(turnout, forKey: .turnout)
    }
}

extension FieldClient {
    /// Creates an event of a campaign. Its id comes from the campaign and the name
    /// (`evt-CAMPAIGN-NAME`), so the same event created on two laptops is one record.
    /// - Parameters:
    ///   - at, ends: "2026-10-15 18:00", "2026-10-15T18:00", "10/15/2026 6:00 PM" in the
    ///     campaign's time zone (UTC when it has none), or ISO 8601 with an offset.
    /// - Throws: `.invalid` with every problem (a bad date or capacity, an end before the start,
    ///   the event exists already); `.notFound` for the campaign.
    public func createEvent(
        campaign: String, name: String, at: String, ends: String?, capacity: Int?, location: String?, now: Int64
    ) throws -> EventTurnout {
        try translating {
            let (store, _) = try coordinatorSession("create events")
            try Self.requireCampaign(store, campaign)
            let clock = try CampaignClock.of(campaign: campaign, in: store)
            var problems: [Diagnostic] = []
            let clean = name.trimmingCharacters(in: .whitespaces)
            if clean.isEmpty || clean.contains(where: \.isNewline) {
                problems.append(Diagnostic(at: "NAME", code: "missing", "an event needs a name on one line"))
            }
            func moment(_ text: String?, _ option: String) -> Int64? {
                guard let text else { return nil }
                if let m = Self.eventMoment(text, timeZone: clock.timeZone) { return m }
                problems.append(
                    Diagnostic(
                        at: option, code: "bad_value",
                        "'\(text)' is not a date and time; write it like 2026-10-15 18:00 (in \(clock.timeZone.identifier)) or 2026-10-15T18:00-04:00"
                    ))
                return nil
            }
            let starts = moment(at, "--at")
            let endsAt = moment(ends, "--ends")
            if let starts, let endsAt, endsAt < starts {
                problems.append(Diagnostic(at: "--ends", code: "bad_range", "the event ends before it starts"))
            }
            if let capacity, capacity < 0 {
                problems.append(Diagnostic(at: "--capacity", code: "bad_value", "--capacity must be 0 or more"))
            }
            let key = RecordKey("events", "evt-\(TurfCutter.slug(campaign))-\(TurfCutter.slug(clean))")
            if let existing = try store.record(key), !existing.isDeleted {
                problems.append(
                    Diagnostic(
                        at: "NAME", code: "exists",
                        "event '\(existing["name"]?.stringValue ?? clean)' exists already (\(key.id)); see `canvass event show \(key.id)`"
                    ))
            }
            var values: [String: Value] = [
                "name": .string(clean), "campaign_id": .string(campaign), Record.deletedField: false,
            ]
            if let starts { values["starts_at"] = .int(starts) }
            if let endsAt { values["ends_at"] = .int(endsAt) }
            if let capacity, capacity >= 0 { values["capacity"] = .int(Int64(capacity)) }
            if let location, !location.isEmpty { values["location"] = .string(location) }
            let spec = CampaignSchema.standard.collections["events"]!
            for (f, v) in values.sorted(by: { $0.key < $1.key }) {
                if let field = spec.field(f) { problems += field.check(v, at: f) }
            }
            if !problems.isEmpty { throw ClientError(.invalid, "no event created", problems: problems) }
            try store.write([LocalWrite(key, values)], wallclock: now)
            return try Self.turnout(store, events: [key.id])[0]
        }
    }

    /// Turnout against RSVPs of every event of a campaign, by start time (the report's section).
    public func eventTurnout(campaign: String) throws -> [EventTurnout] {
        try translating {
            let (store, _) = try coordinatorSession("see event turnout")
            try Self.requireCampaign(store, campaign)
            return try Self.turnout(store, events: nil, campaign: campaign)
        }
    }

    /// The events here, of one campaign or all, with turnout against RSVPs.
    public func events(campaign: String?) throws -> [EventTurnout] {
        try translating {
            let (store, _) = try coordinatorSession("see events")
            if let campaign { try Self.requireCampaign(store, campaign) }
            return try Self.turnout(store, events: nil, campaign: campaign)
        }
    }

    /// One event: turnout against RSVPs and capacity, and everyone with an RSVP or a check-in.
    public func event(_ event: String) throws -> EventView {
        try translating {
            let (store, _) = try coordinatorSession("see events")
            let id = try Self.requireEvent(store, event)
            let (turnout, people) = try Self.eventPeople(store, id)
            return EventView(
                turnout: turnout,
                people: try people.map { p in
                    EventAttendee(
                        person: p.person, name: try Self.personName(store, p.person), rsvp: p.rsvp?.answer,
                        rsvpSource: p.rsvp.map { $0.interaction == nil ? "direct" : "call" }, rsvpAt: p.rsvp?.at,
                        attendance: p.attendance, walkIn: p.walkIn)
                })
        }
    }

    /// Takes an RSVP directly (a coordinator on the phone or at a table): `event_attendance.rsvp`
    /// at `now`, which counts over earlier RSVPs, those given on calls included.
    public func rsvp(event: String, person: String, answer: String, now: Int64) throws -> EventChange {
        try translating {
            let (store, s) = try coordinatorSession("take RSVPs")
            let id = try Self.requireEvent(store, event)
            try Self.requirePerson(store, person)
            let a = answer.lowercased()
            guard CampaignSchema.rsvpAnswers.contains(a) else {
                throw ClientError(.invalid, "an RSVP is yes, no or maybe, not '\(answer)'")
            }
            try store.write(
                [
                    LocalWrite(
                        RecordKey("event_attendance", "\(id)@\(person)"),
                        [
                            "event_id": .string(id), "contact_id": .string(person), "rsvp": .string(a),
                            "rsvp_at": .int(now), "user_id": .string(s.user.id), Record.deletedField: false,
                        ])
                ], wallclock: now)
            return EventChange(
                event: id, people: [person], walkIn: nil, turnout: try Self.eventPeople(store, id).turnout)
        }
    }

    /// Checks a person in at the door (offline): attendance `attended`. A person who never said
    /// yes or maybe is a walk-in, and counts as attended.
    public func checkIn(event: String, person: String, now: Int64) throws -> EventChange {
        try translating {
            let (store, s) = try coordinatorSession("check people in")
            let id = try Self.requireEvent(store, event)
            try Self.requirePerson(store, person)
            try store.write(
                [
                    LocalWrite(
                        RecordKey("event_attendance", "\(id)@\(person)"),
                        [
                            "event_id": .string(id), "contact_id": .string(person), "attendance": .string("attended"),
                            "checked_in_at": .int(now), "user_id": .string(s.user.id), Record.deletedField: false,
                        ])
                ], wallclock: now)
            let (turnout, people) = try Self.eventPeople(store, id)
            return EventChange(
                event: id, people: [person], walkIn: people.first { $0.person == person }?.walkIn, turnout: turnout)
        }
    }

    /// Closes an event: records `no_show` for every yes or maybe RSVP who never checked in
    /// (`EventTurnout.noShows`), and the event's `closed_at` (kept from the first close). Closing
    /// again records only RSVPs that arrived since.
    public func closeEvent(_ event: String, now: Int64) throws -> EventChange {
        try translating {
            let (store, s) = try coordinatorSession("close events")
            let id = try Self.requireEvent(store, event)
            let missing = EventTurnout.noShows(try Self.eventPeople(store, id).people)
            var writes = missing.map { person in
                LocalWrite(
                    RecordKey("event_attendance", "\(id)@\(person)"),
                    [
                        "event_id": .string(id), "contact_id": .string(person), "attendance": .string("no_show"),
                        "user_id": .string(s.user.id), Record.deletedField: false,
                    ])
            }
            if try store.record(RecordKey("events", id))?["closed_at"]?.intValue == nil {
                writes.append(LocalWrite(RecordKey("events", id), ["closed_at": .int(now)]))
            }
            if !writes.isEmpty { try store.write(writes, wallclock: now) }
            return EventChange(
                event: id, people: missing, walkIn: nil, turnout: try Self.eventPeople(store, id).turnout)
        }
    }

    // MARK: reading

    /// A moment typed in a time zone: ISO 8601 with an offset, else local forms in `timeZone`.
    static func eventMoment(_ text: String, timeZone: TimeZone) -> Int64? {
        let t = text.trimmingCharacters(in: .whitespaces)
        let iso = ISO8601DateFormatter()
        for options: ISO8601DateFormatter.Options in [
            [.withInternetDateTime], [.withInternetDateTime, .withFractionalSeconds],
        ] {
            iso.formatOptions = options
            if let d = iso.date(from: t) { return Int64((d.timeIntervalSince1970 * 1000).rounded()) }
        }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.calendar = Calendar(identifier: .gregorian)
        f.timeZone = timeZone
        f.isLenient = false
        for format in [
            "yyyy-MM-dd'T'HH:mmXXXXX", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd HH:mm:ss",
            "yyyy-MM-dd HH:mm", "yyyy-MM-dd h:mm a", "yyyy-MM-dd h:mma", "MM/dd/yyyy HH:mm", "M/d/yyyy H:mm",
            "M/d/yyyy h:mm a", "M/d/yyyy h:mma",
        ] {
            f.dateFormat = format
            if let d = f.date(from: t) { return Int64((d.timeIntervalSince1970 * 1000).rounded()) }
        }
        return nil
    }

    /// The id of an event named by id, or by name without case; else an error listing the events.
    static func requireEvent(_ store: ReplicaStore, _ event: String) throws -> String {
        let all = try store.projected("events", fields: ["name"])
        if all.contains(where: { $0.key.id == event }) { return event }
        let named = all.filter { $0["name"]?.stringValue?.lowercased() == event.lowercased() }
        if named.count == 1 { return named[0].key.id }
        let known = all.map(\.key.id)
        throw ClientError(
            .notFound,
            "no event '\(event)' here\(named.count > 1 ? " (several have that name: use the id)" : ""); events: \(known.isEmpty ? "none yet (canvass event create CAMPAIGN NAME --at DATETIME, or sync)" : known.joined(separator: ", "))"
        )
    }

    static func requirePerson(_ store: ReplicaStore, _ person: String) throws {
        guard let c = try store.record(RecordKey("contacts", person)), !c.isDeleted else {
            throw ClientError(
                .notFound,
                "no person '\(person)' here; find ids with `canvass segment show`, `canvass calls LIST` or `canvass event show EVENT` (sync first?)"
            )
        }
    }

    static func personName(_ store: ReplicaStore, _ person: String) throws -> String {
        let c = try store.record(RecordKey("contacts", person))
        return [c?["first_name"], c?["last_name"]].compactMap { $0?.stringValue }.joined(separator: " ")
    }

    /// The turnout of one event and its people.
    static func eventPeople(_ store: ReplicaStore, _ event: String) throws -> (
        turnout: EventTurnout, people: [EventPerson]
    ) {
        let all = try tally(store, events: [event], campaign: nil)
        return all.first ?? (EventTurnout(event: event, name: event), [])
    }

    static func turnout(_ store: ReplicaStore, events: Set<String>?, campaign: String? = nil) throws -> [EventTurnout] {
        try tally(store, events: events, campaign: campaign).map(\.turnout)
    }

    /// Turnout of the events named (or of a campaign, or all), by start time then name: the
    /// events, their attendance records, the rsvp answers in interactions on the surveys asking
    /// for them, less rolled-back interactions.
    static func tally(_ store: ReplicaStore, events ids: Set<String>?, campaign: String?) throws -> [(
        turnout: EventTurnout, people: [EventPerson]
    )] {
        let fields = ["name", "campaign_id", "starts_at", "ends_at", "capacity", "location", "closed_at"]
        let events = try store.projected("events", fields: fields).filter {
            (ids?.contains($0.key.id) ?? true) && (campaign == nil || $0["campaign_id"]?.stringValue == campaign)
        }
        if events.isEmpty { return [] }
        let wanted = Set(events.map(\.key.id))
        var surveys: [String: Survey] = [:]
        for r in try store.records(in: "surveys") {
            guard let s = try? r["definition"]?.decode(as: Survey.self),
                s.questions.contains(where: { $0.kind == .rsvp && $0.event.map(wanted.contains) == true })
            else { continue }
            surveys[r.key.id] = s
        }
        var interactions: [String: [PersonFacts.Interaction]] = [:]
        if !surveys.isEmpty {
            let kinds = Dictionary(
                uniqueKeysWithValues: (CampaignSchema.standard.collections["interactions"]?.fields ?? []).map {
                    ($0.name, $0.kind)
                })
            for i in try store.projected("interactions", fields: PersonFacts.interactionFields, kinds: kinds) {
                guard let p = i["person_id"]?.stringValue, let sid = i["survey_id"]?.stringValue,
                    surveys[sid] != nil
                else { continue }
                var answers: [String: Value] = [:]
                if case .object(let o)? = i["answers"] { answers = o }
                interactions[p, default: []].append(
                    PersonFacts.Interaction(
                        id: i.key.id, result: i["result"]?.stringValue, surveyID: sid,
                        recordedAt: i["recorded_at"]?.intValue, answers: answers, corrects: i["corrects"]?.stringValue,
                        userID: i["user_id"]?.stringValue))
            }
        }
        let rolledBack = Rollbacks.rolledBack(try store.projected("rollbacks", fields: Rollbacks.fields))
        var attendance: [String: [RecordValues]] = [:]
        for a in try store.projected(
            "event_attendance", fields: ["event_id", "contact_id", "rsvp", "rsvp_at", "attendance"])
        {
            guard let e = a["event_id"]?.stringValue, wanted.contains(e) else { continue }
            attendance[e, default: []].append(a)
        }
        return events.map { e in
            var t = EventTurnout(
                event: e.key.id, name: e["name"]?.stringValue ?? e.key.id, campaign: e["campaign_id"]?.stringValue,
                startsAt: e["starts_at"]?.intValue, endsAt: e["ends_at"]?.intValue, capacity: e["capacity"]?.intValue,
                location: e["location"]?.stringValue, closedAt: e["closed_at"]?.intValue)
            let calls = EventTurnout.callRsvps(
                event: e.key.id, surveys: surveys, interactions: interactions, rolledBack: rolledBack)
            let people = EventTurnout.people(attendance: attendance[e.key.id] ?? [], callRsvps: calls)
            t.tally(people)
            return (t, people)
        }.sorted { ($0.turnout.startsAt ?? .max, $0.turnout.name) < ($1.turnout.startsAt ?? .max, $1.turnout.name) }
    }
}
