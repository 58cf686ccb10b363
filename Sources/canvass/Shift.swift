import ArgumentParser
import CanvassClient
import Foundation

/// Door by door through a walk list: the interview is `ShiftInterview`; this only shows its lines
/// and prompts, reads answers and saves each door the moment the interview says so.
struct Shift: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Work a walk list interactively, door by door in walk order.",
        discussion: "At any prompt: q quits (saved doors stay saved), s skips the person, Enter skips a question.")
    @OptionGroup var options: Options
    @Argument(help: "Walk list id.") var list: String

    func run() async throws {
        let client = options.client
        var interview = try client.shift(list, now: FieldClient.now())
        var actions = interview.start()
        while !actions.isEmpty {
            var next: [Action] = []
            for action in actions {
                switch action {
                case .say(let line): print(line)
                case .save(let door): try client.save(door, list: list, now: FieldClient.now())
                case .finished, .stopped: return
                case .ask(_, let prompt):
                    FileHandle.standardOutput.write(Data(prompt.utf8))
                    next = readLine().map { interview.answer($0) } ?? interview.quit()
                }
            }
            actions = next
        }
    }

    typealias Action = ShiftInterview.Action
}
