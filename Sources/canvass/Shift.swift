import ArgumentParser
import CanvassClient
import Foundation

/// Door by door through a walk list, or call by call through a call list: the interview is
/// `ShiftInterview`; this only shows its lines and prompts, reads answers, and saves (or
/// corrects) each door the moment the interview says so.
struct Shift: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Work a walk list or call list interactively, door by door or call by call.",
        discussion: """
            Pick an option by its number, its name, its initials (nh: not_home) or the start of its name. \
            At any prompt: q quits (saved doors stay saved), b goes back to the previous door or call to correct it, \
            s skips the person, Enter skips a question.
            """)
    @OptionGroup var options: Options
    @Argument(help: "Walk list or call list id.") var list: String

    func run() async throws {
        let client = options.client
        var interview = try client.shift(list, now: FieldClient.now())
        var receipts: [String: ShiftReceipt] = [:]
        var actions = interview.start()
        while !actions.isEmpty {
            var next: [Action] = []
            for action in actions {
                switch action {
                case .say(let line): print(line)
                case .save(let answer):
                    receipts[answer.person] = try client.saveShift(answer, list: list, now: FieldClient.now())
                case .correct(let answer):
                    guard let receipt = receipts[answer.person] else { continue }
                    let (fixed, how) = try client.correctShift(
                        receipt, with: answer, list: list, now: FieldClient.now())
                    receipts[answer.person] = fixed
                    print(
                        how == .rewritten
                            ? "corrected (not synced yet, so the saved answer was replaced)"
                            : "corrected (already synced: a correcting interaction was recorded; the first stays in the history)"
                    )
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
