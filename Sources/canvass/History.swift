import ArgumentParser
import CanvassClient
import CanvassCore

struct History: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A person's interactions and the changes to their record this laptop knows of, newest first.",
        discussion: """
            The store keeps each record's current state, not a log: it shows every interaction, each write whose \
            value the contact or household still holds (with who and when), and who made earlier writes that were \
            replaced (their values are not kept).
            """)
    @OptionGroup var options: Options
    @Argument(help: "Person id.") var person: String

    func run() async throws {
        let h = try options.client.history(person: person)
        if options.json { return try options.emit(h) }
        print("\(h.name)  (\(h.id))")
        for e in h.entries {
            let when = e.at.map(FieldClient.clockText) ?? "(no time)"
            switch e.kind {
            case .interaction:
                guard let i = e.interaction else { continue }
                var line = "\(when)  \(e.who)  \(i.channel ?? "interaction") \(i.result ?? "?")"
                if let list = i.listID { line += " on \(list)" }
                if let c = i.corrects { line += ", correcting \(c)" }
                if i.correctedBy != nil { line += "  [corrected later]" }
                print(line)
                if !i.answers.isEmpty {
                    print("    " + i.answers.keys.sorted().map { "\($0)=\(i.answers[$0]!)" }.joined(separator: ", "))
                }
                if let note = i.note { print("    note: \(note)") }
            case .change:
                let what =
                    e.deleted == true
                    ? "deleted the record"
                    : e.fields.keys.sorted().map {
                        "\($0)=\(e.fields[$0]!.isNull ? "(empty)" : e.fields[$0]!.description)"
                    }
                    .joined(separator: ", ")
                let conflict = e.conflicts.isEmpty ? "" : "  [in conflict: \(e.conflicts.joined(separator: ", "))]"
                print("\(when)  \(e.who)  set \(e.record ?? "")  \(what)\(conflict)")
            }
        }
        if !h.replaced.isEmpty {
            print("\nearlier writes since replaced (values not kept):")
            for r in h.replaced { print("  \(r.record) \(r.field): by \(r.who)") }
        }
    }
}
