import ArgumentParser
import CanvassClient
import CanvassCore
import Foundation

struct EventCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "event",
        abstract: "Events: RSVPs, check-in at the door, no-shows, turnout against RSVPs (coordinators; offline).",
        discussion: """
            RSVPs are usually taken on calls: a survey question of type rsvp naming the event (event: EVENT_ID), answered yes, no or maybe (canvass record PERSON --list L --result contacted --answer rally=yes, or a phone-bank shift). A coordinator may also take one directly (event rsvp). A person's RSVP is the latest of either kind.

            At the door: event checkin EVENT PERSON (a person who never said yes or maybe is a walk-in, and counts as attended). After the event: event close EVENT records no_show for every yes or maybe RSVP who never checked in. Turnout against RSVPs: how many of the yes RSVPs came.
            """,
        subcommands: [
            EventCreate.self, EventList.self, EventShow.self, EventRsvpCommand.self, EventCheckin.self,
            EventClose.self,
        ])
}

/// A moment as the coordinator's laptop shows it.
func shownTime(_ milliseconds: Int64?) -> String {
    guard let milliseconds else { return "" }
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.dateFormat = "yyyy-MM-dd HH:mm zzz"
    return f.string(from: Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000))
}

/// One line of turnout against RSVPs.
func turnoutLine(_ t: EventTurnout) -> String {
    "RSVPs yes \(t.rsvpYes), maybe \(t.rsvpMaybe), no \(t.rsvpNo); attended \(t.attended) (\(t.attendedYes) of \(t.rsvpYes) yes"
        + (t.turnoutPercent.map { ", \($0)%" } ?? "") + "; \(t.attendedMaybe) maybe; \(t.walkIns) walk-ins)"
        + "; no-shows \(t.noShows)"
        + (t.capacity.map { "; capacity \($0)\(t.attended > Int($0) ? " (over by \(t.attended - Int($0)))" : "")" }
            ?? "")
}

struct EventCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create an event of a campaign; its id comes from the campaign and name (evt-CAMPAIGN-NAME).",
        discussion:
            "DATETIME: 2026-10-15 18:00, 2026-10-15T18:00 or 10/15/2026 6:00 PM in the campaign's time zone (UTC when it has none), or ISO 8601 with an offset (2026-10-15T18:00:00-04:00)."
    )
    @OptionGroup var options: Options
    @Argument(help: "Campaign id.") var campaign: String
    @Argument(help: "The event's name.") var name: String
    @Option(help: "When it starts.") var at: String
    @Option(help: "When it ends.") var ends: String?
    @Option(help: "How many people fit.") var capacity: Int?
    @Option(help: "Where it is.") var location: String?

    func run() async throws {
        let e = try options.client.createEvent(
            campaign: campaign, name: name, at: at, ends: ends, capacity: capacity, location: location,
            now: FieldClient.now())
        if options.json { return try options.emit(e) }
        print("created event \(e.name) (\(e.event)) at \(shownTime(e.startsAt)); `canvass sync` sends it")
        print("ask for RSVPs on calls with a survey question: {id: rsvp, type: rsvp, event: \(e.event)}")
    }
}

struct EventList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "The events here, of one campaign or all, with turnout against RSVPs.")
    @OptionGroup var options: Options
    @Argument(help: "Only this campaign's events.") var campaign: String?

    func run() async throws {
        let events = try options.client.events(campaign: campaign)
        if options.json { return try options.emit(events) }
        if events.isEmpty { return print("no events yet: canvass event create CAMPAIGN NAME --at DATETIME") }
        table(
            ["EVENT", "STARTS", "YES", "MAYBE", "NO", "CAME", "WALK-INS", "NO-SHOWS", "CAPACITY", "NAME"],
            events.map {
                [
                    $0.event, shownTime($0.startsAt), "\($0.rsvpYes)", "\($0.rsvpMaybe)", "\($0.rsvpNo)",
                    "\($0.attended)", "\($0.walkIns)", "\($0.noShows)", $0.capacity.map(String.init) ?? "", $0.name,
                ]
            })
    }
}

struct EventShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "One event: turnout against RSVPs and capacity, and its people.")
    @OptionGroup var options: Options
    @Argument(help: "Event id or name.") var event: String

    func run() async throws {
        let view = try options.client.event(event)
        if options.json { return try options.emit(view) }
        let t = view.turnout
        print("\(t.name) (\(t.event)) at \(shownTime(t.startsAt))\(t.location.map { ", \($0)" } ?? "")")
        print(turnoutLine(t))
        print(t.closedAt.map { "closed \(shownTime($0))" } ?? "open: `canvass event close \(t.event)` records no-shows")
        if view.people.isEmpty { return }
        table(
            ["PERSON", "NAME", "RSVP", "BY", "ATTENDANCE"],
            view.people.map {
                [
                    $0.person, $0.name, $0.rsvp ?? "", $0.rsvpSource ?? "",
                    ($0.attendance ?? "") + ($0.walkIn ? " (walk-in)" : ""),
                ]
            })
    }
}

struct EventRsvpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rsvp", abstract: "Take an RSVP directly: yes, no or maybe (it counts over earlier ones).")
    @OptionGroup var options: Options
    @Argument(help: "Event id or name.") var event: String
    @Argument(help: "Person id.") var person: String
    @Argument(help: "yes, no or maybe.") var answer: String

    func run() async throws {
        let change = try options.client.rsvp(event: event, person: person, answer: answer, now: FieldClient.now())
        if options.json { return try options.emit(change) }
        print("\(person): \(answer.lowercased()) for \(change.event)")
        print(turnoutLine(change.turnout))
    }
}

struct EventCheckin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkin", abstract: "Check a person in at the door (offline); without a yes or maybe, a walk-in.")
    @OptionGroup var options: Options
    @Argument(help: "Event id or name.") var event: String
    @Argument(help: "Person id.") var person: String

    func run() async throws {
        let change = try options.client.checkIn(event: event, person: person, now: FieldClient.now())
        if options.json { return try options.emit(change) }
        print("checked in \(person) at \(change.event)\(change.walkIn == true ? " (walk-in)" : "")")
        print(turnoutLine(change.turnout))
    }
}

struct EventClose: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "close", abstract: "Close an event: record no_show for every yes or maybe RSVP not checked in.")
    @OptionGroup var options: Options
    @Argument(help: "Event id or name.") var event: String

    func run() async throws {
        let change = try options.client.closeEvent(event, now: FieldClient.now())
        if options.json { return try options.emit(change) }
        print("closed \(change.event): \(change.people.count) no-shows recorded")
        print(turnoutLine(change.turnout))
    }
}
