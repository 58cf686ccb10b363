import ArgumentParser
import CanvassClient
import CanvassCore

struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Every field of a person, their household, conflicts, and latest answers.",
        discussion: "Canvassers see the people on their lists; coordinators every contact their laptop holds.")
    @OptionGroup var options: Options
    @Argument(help: "Person id (see `canvass walk LIST` or `canvass calls LIST`).") var person: String

    func run() async throws {
        let view = try options.client.show(person: person)
        if options.json { return try options.emit(view) }
        print("\(view.name)  (\(view.id))")
        fieldTable(view.fields)
        if let h = view.household {
            print("\nhousehold \(h.id): \(h.address)" + (h.badAddress ? "  [bad address]" : ""))
            fieldTable(h.fields)
        }
        if !view.conflicts.isEmpty {
            print("\nin conflict: \(view.conflicts.joined(separator: ", ")); see `canvass conflicts`")
        }
        if let last = view.lastInteraction {
            let when = last.recordedAt.map(FieldClient.clockText) ?? "?"
            print("\nlast result: \(last.result ?? "?") by \(last.who), \(when)")
            print("\(view.interactionCount) interaction(s): `canvass history \(view.id)`")
        } else {
            print("\nno interactions yet")
        }
        if !view.latestAnswers.isEmpty {
            print("\nlatest answers:")
            table(
                ["  QUESTION", "ANSWER", "WHEN", "WHO"],
                view.latestAnswers.map { a in
                    [
                        "  \(a.question)", a.label.map { "\(a.value) (\($0))" } ?? a.value.description,
                        a.recordedAt.map(FieldClient.clockText) ?? "", a.who,
                    ]
                })
        }
    }
}

/// Fields with a value; conflicting ones marked with every value.
func fieldTable(_ fields: [FieldView]) {
    table(
        ["  FIELD", "VALUE"],
        fields.filter { $0.value.map { !$0.isNull } ?? false || $0.conflict }.map { f in
            let value =
                f.conflict
                ? "CONFLICT: " + f.values.map { $0.isNull ? "(empty)" : $0.description }.joined(separator: " | ")
                : f.value?.description ?? ""
            return ["  \(f.name)", value]
        })
}
