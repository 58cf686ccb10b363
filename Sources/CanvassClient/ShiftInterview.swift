import CanvassCore
import Foundation

/// The interview of `canvass shift`, door by door through a walk list, as a state machine with no
/// I/O: it is given the doors still to do and the list's survey, and each answer typed returns
/// what to do next (lines to show, the interaction to save, the next prompt). The front end
/// performs those actions; the machine never reads a terminal or touches the store, so it is
/// tested synchronously.
///
/// For each person: the result code (`s` skips the person), then, when the result reached the
/// person, the survey's questions following its branches (Enter skips a question), then a note.
/// `q` at any prompt, or the end of input (`quit()`), stops; every door saved so far stays saved.
public struct ShiftInterview: Sendable {
    /// A door still to do, with the people on the list there who are still to do.
    public struct Door: Sendable, Equatable {
        public var address: String
        public var people: [Person]

        public init(address: String, people: [Person]) {
            self.address = address
            self.people = people
        }
    }

    public struct Person: Sendable, Equatable {
        public var id: String
        public var name: String

        public init(id: String, name: String) {
            self.id = id
            self.name = name
        }
    }

    /// One answered door: the write the front end makes (`FieldOperations.recordInteraction`).
    public struct Interaction: Sendable, Equatable {
        public var person: String
        public var result: String
        public var answers: [String: Value]
        public var note: String?

        public init(person: String, result: String, answers: [String: Value], note: String?) {
            self.person = person
            self.result = result
            self.answers = answers
            self.note = note
        }
    }

    /// What the machine is waiting for.
    public enum Prompt: Sendable, Equatable {
        case result
        /// A survey question, by id.
        case question(String)
        case note
    }

    /// What the front end does, in order.
    public enum Action: Sendable, Equatable {
        /// Show a line.
        case say(String)
        /// Show the prompt text (no newline) and wait for an answer.
        case ask(Prompt, String)
        /// Save this door now, before asking anything else.
        case save(Interaction)
        /// Every door is done; `saved` doors were saved this shift.
        case finished(saved: Int)
        /// Stopped by `q` or the end of input; the doors saved stay saved.
        case stopped(saved: Int)
    }

    enum Phase: Sendable, Equatable {
        case notStarted, result, question(Question), note, over
    }

    public let list: String
    public let survey: Survey
    public let doors: [Door]
    /// Doors saved so far.
    public private(set) var saved = 0
    var phase = Phase.notStarted
    var door = 0
    var person = 0
    var result = ""
    var answers: [String: Value] = [:]

    public init(list: String, survey: Survey, doors: [Door]) {
        self.list = list
        self.survey = survey
        self.doors = doors
    }

    /// What is being asked now; nil before `start()` and once over.
    public var prompt: Prompt? {
        switch phase {
        case .notStarted, .over: return nil
        case .result: return .result
        case .question(let q): return .question(q.id)
        case .note: return .note
        }
    }

    /// The first door and the first prompt (or `finished` when there is nothing to do).
    public mutating func start() -> [Action] {
        guard phase == .notStarted else { return [] }
        door = 0
        person = 0
        return settle(header: true)
    }

    /// The answer typed at the current prompt (surrounding blanks ignored).
    public mutating func answer(_ text: String) -> [Action] {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t == "q" { return quit() }
        let codes = survey.resultCodes.map(\.code)
        switch phase {
        case .notStarted, .over:
            return []
        case .result:
            if t == "s" {
                person += 1
                return settle(header: false)
            }
            guard codes.contains(t) else {
                return [.say("'\(t)' is not a result code; valid: \(codes.joined(separator: ", "))"), askResult()]
            }
            result = t
            return [ask(survey.resultCode(t)?.contacted == true ? survey.questions.first : nil)]
        case .question(let q):
            if t.isEmpty { return [ask(survey.next(after: q, answer: nil))] }
            let value = FieldOperations.answer(t, for: q)
            if let problem = survey.validate(result: result, answers: [q.id: value]).first {
                return [.say(problem.message), ask(q)]
            }
            answers[q.id] = value
            return [ask(survey.next(after: q, answer: value))]
        case .note:
            let p = doors[door].people[person]
            saved += 1
            let save = Action.save(
                Interaction(person: p.id, result: result, answers: answers, note: t.isEmpty ? nil : t))
            person += 1
            return [save, .say("saved")] + settle(header: false)
        }
    }

    /// Stops the shift (`q`, or the end of input): what was saved stays saved.
    public mutating func quit() -> [Action] {
        guard phase != .over else { return [] }
        phase = .over
        return [
            .say("\nstopped; \(saved) door(s) saved this shift and kept. `canvass sync` when online."),
            .stopped(saved: saved),
        ]
    }

    /// Moves to the current person, or on to the next door with one, or finishes.
    private mutating func settle(header: Bool) -> [Action] {
        var out: [Action] = []
        var header = header
        while door < doors.count {
            if header { out.append(.say("\n== \(doors[door].address)")) }
            if person < doors[door].people.count {
                let p = doors[door].people[person]
                result = ""
                answers = [:]
                out.append(.say("-- \(p.name)  (\(p.id))"))
                out.append(askResult())
                return out
            }
            door += 1
            person = 0
            header = true
        }
        phase = .over
        out.append(.say("\nlist \(list) is done: \(saved) door(s) saved this shift. `canvass sync` when online."))
        out.append(.finished(saved: saved))
        return out
    }

    private mutating func askResult() -> Action {
        phase = .result
        return .ask(.result, "result [\(survey.resultCodes.map(\.code).joined(separator: " "))] (s skip, q quit): ")
    }

    /// Asks `question`, or for the note when the survey has no further question.
    private mutating func ask(_ question: Question?) -> Action {
        guard let q = question else {
            phase = .note
            return .ask(.note, "note (Enter for none): ")
        }
        phase = .question(q)
        return .ask(
            .question(q.id), "\(q.text.trimmingCharacters(in: .whitespacesAndNewlines)) [\(q.allowedDescription)]: ")
    }
}
