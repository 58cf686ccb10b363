import ArgumentParser
import CanvassClient
import CanvassCore

struct Walk: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Households of a walk list in walk order, the people in each, last result.")
    @OptionGroup var options: Options
    @Argument(help: "List id (see `canvass lists`).") var list: String

    func run() async throws {
        let doors = try options.client.walk(list)
        if options.json { return try options.emit(doors) }
        var rows: [[String]] = []
        for door in doors {
            for (i, p) in door.people.enumerated() {
                rows.append([
                    i == 0 ? door.address : "", i == 0 ? (door.done ? "done" : "to do") : "",
                    i == 0 ? door.checkout?.rawValue ?? "" : "", p.id, p.name, p.lastResult ?? "", p.suppressed ?? "",
                ])
            }
        }
        table(["ADDRESS", "DOOR", "HELD", "PERSON", "NAME", "LAST RESULT", "SKIP"], rows)
        print("\(doors.filter(\.done).count) of \(doors.count) doors done")
        let mine = doors.filter { $0.checkout == .mine }.count
        if mine + doors.filter({ $0.checkout == .taken }).count > 0 {
            print("shared list: \(mine) door(s) checked out to you (HELD mine); `taken` doors are another canvasser's")
        }
    }
}
