import ArgumentParser
import CanvassClient
import CanvassCore
import Foundation

struct GroupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "group",
        abstract: "Static groups of people: create, add, remove, list, show (coordinators).",
        discussion: """
            A group's members are added and removed by person id (see canvass show). Criteria take group=NAME. Every change is written on this device and reaches the server on the next canvass sync.
            """,
        subcommands: [GroupCreate.self, GroupAdd.self, GroupRemove.self, GroupList.self, GroupShow.self])
}

struct GroupCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create a static group in a campaign.")
    @OptionGroup var options: Options
    @Argument(help: "Campaign id.") var campaign: String
    @Argument(help: "The group's name.") var name: String

    func run() async throws {
        let group = try options.client.createGroup(campaign: campaign, name: name, now: FieldClient.now())
        if options.json { return try options.emit(group) }
        print("created group \(group.name) (\(group.id)); add people with `canvass group add \(group.id) PERSON...`")
    }
}

struct GroupAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Add people to a group by person id.")
    @OptionGroup var options: Options
    @Argument(help: "Group name or id.") var group: String
    @Argument(help: "Person ids.") var people: [String]

    func run() async throws {
        let change = try options.client.addToGroup(group, people: people, now: FieldClient.now())
        if options.json { return try options.emit(change) }
        print(
            "added \(change.changed.count) to \(change.group)"
                + (change.unchanged.isEmpty ? "" : " (\(change.unchanged.count) already in it)")
                + "; \(change.members) members")
    }
}

struct GroupRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove", abstract: "Remove people from a group by person id.")
    @OptionGroup var options: Options
    @Argument(help: "Group name or id.") var group: String
    @Argument(help: "Person ids.") var people: [String]

    func run() async throws {
        let change = try options.client.removeFromGroup(group, people: people, now: FieldClient.now())
        if options.json { return try options.emit(change) }
        print(
            "removed \(change.changed.count) from \(change.group)"
                + (change.unchanged.isEmpty ? "" : " (\(change.unchanged.count) were not in it)")
                + "; \(change.members) members")
    }
}

struct GroupList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "The groups here, of one campaign or all, with their sizes.")
    @OptionGroup var options: Options
    @Argument(help: "Only this campaign's groups.") var campaign: String?

    func run() async throws {
        let groups = try options.client.groups(campaign: campaign)
        if options.json { return try options.emit(groups) }
        if groups.isEmpty { return print("no groups yet: canvass group create CAMPAIGN NAME") }
        table(
            ["GROUP", "CAMPAIGN", "MEMBERS", "NAME"],
            groups.map { [$0.id, $0.campaignID ?? "", "\($0.members)", $0.name] })
    }
}

struct GroupShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "A group's size and its first members.")
    @OptionGroup var options: Options
    @Argument(help: "Group name or id.") var group: String
    @Option(help: "How many members to show.") var limit = 20

    func run() async throws {
        let view = try options.client.showGroup(group, limit: limit)
        if options.json { return try options.emit(view) }
        print("\(view.name) (\(view.id)): \(view.count) members")
        membersTable(view)
    }
}

/// The people of a group or segment preview.
func membersTable(_ view: MembersView) {
    guard !view.people.isEmpty else { return }
    table(
        ["PERSON", "NAME", "ADDRESS", "PRECINCT", "PARTY", "SUPPORT", "LAST RESULT"],
        view.people.map {
            [
                $0.id, $0.name, $0.address ?? "", $0.precinct ?? "", $0.party ?? "", $0.support?.description ?? "",
                $0.lastResult ?? "",
            ]
        })
    if view.count > view.people.count { print("… and \(view.count - view.people.count) more (--limit N)") }
}
