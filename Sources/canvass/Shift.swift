import ArgumentParser
import CanvassClient
import CanvassCore
import CanvassStore
import Foundation

/// Door by door through a walk list, asking the result and the survey (following its branches),
/// saving each door the moment it is answered. `q` at any prompt, or end of input, stops; every
/// door saved so far stays saved.
struct Shift: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Work a walk list interactively, door by door in walk order.",
        discussion: "At any prompt: q quits (saved doors stay saved), s skips the person, Enter skips a question.")
    @OptionGroup var options: HomeOptions
    @Argument(help: "Walk list id.") var list: String

    struct Quit: Error {}

    func ask(_ prompt: String) throws -> String {
        FileHandle.standardOutput.write(Data(prompt.utf8))
        guard let line = readLine() else { throw Quit() }
        let t = line.trimmingCharacters(in: .whitespaces)
        if t == "q" { throw Quit() }
        return t
    }

    func run() async throws {
        let (store, _) = try options.session()
        let ops = FieldOperations(store: store)
        let survey = try ops.survey(forList: list)
        let codes = survey.resultCodes.map(\.code)
        var saved = 0
        do {
            for stop in try store.walkList(list) where !stop.done {
                print("\n== \(stop.address)")
                for person in stop.people where person.lastResult == nil && person.suppressed == nil {
                    print("-- \(person.name)  (\(person.id))")
                    var result = ""
                    while true {
                        result = try ask("result [\(codes.joined(separator: " "))] (s skip, q quit): ")
                        if result == "s" || codes.contains(result) { break }
                        print("'\(result)' is not a result code; valid: \(codes.joined(separator: ", "))")
                    }
                    if result == "s" { continue }
                    var answers: [String: Value] = [:]
                    if survey.resultCode(result)?.contacted == true {
                        var question = survey.questions.first
                        while let q = question {
                            let raw = try ask("\(q.text.trimmingCharacters(in: .whitespacesAndNewlines)) [\(q.allowedDescription)]: ")
                            if raw.isEmpty {
                                question = survey.next(after: q, answer: nil)
                                continue
                            }
                            let value = try ops.parseAnswers(["\(q.id)=\(raw)"], list: list)[q.id]!
                            let problems = survey.validate(result: result, answers: [q.id: value])
                            if let p = problems.first {
                                print(p.message)
                                continue
                            }
                            answers[q.id] = value
                            question = survey.next(after: q, answer: value)
                        }
                    }
                    let note = try ask("note (Enter for none): ")
                    try ops.recordInteraction(person: person.id, list: list, result: result, answers: answers, note: note.isEmpty ? nil : note, now: now())
                    saved += 1
                    print("saved")
                }
            }
            print("\nlist \(list) is done: \(saved) door(s) saved this shift. `canvass sync` when online.")
        } catch is Quit {
            print("\nstopped; \(saved) door(s) saved this shift and kept. `canvass sync` when online.")
        }
    }
}
