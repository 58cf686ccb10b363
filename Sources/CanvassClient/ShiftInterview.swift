import CanvassCore
import Foundation

/// The interview of `canvass shift`, door by door through a walk list or call by call through a
/// call list, as a state machine with no I/O: it is given the doors (or calls) still to do and the
/// list's survey, and each answer typed returns what to do next (lines to show, the interaction
/// to save or correct, the next prompt). The front end performs those actions; the machine never
/// reads a terminal or touches the store, so it is tested synchronously.
///
/// For each person: the survey's script (its intro, with `[first name]` filled in, and a
/// petition's statement), the result
/// code, then, when the result reached the person, the survey's questions following its branches
/// (Enter skips a question), then a note.
///
/// Fast answers, made for a doorstep or a headset: an option is picked by its number, its value or
/// label, its initials (`nh` for not_home, `c` for contacted) or a unique start of its value or
/// label (`wr` for wrong_number); a start that fits several options is asked again with those
/// options listed. At any prompt `q` (or the end of input, `quit()`) stops, keeping every door
/// saved so far; `s` at the result skips the person; `b` goes back to the previous door or call
/// to answer it again: what was saved there is corrected (`Action.correct`), and the shift then
/// resumes where it left off.
public struct ShiftInterview: Sendable {
    /// What is worked: doors of a walk list, or calls of a call list.
    public enum Kind: String, Sendable {
        case walk, call

        /// "door" or "call", for progress lines.
        public var unit: String { self == .walk ? "door" : "call" }
    }

    /// A door still to do, with the people on the list there who are still to do. On a call list
    /// each call is a door of one person, and the address is empty.
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
        /// The number to dial on a call list.
        public var phone: String?
        /// Fills the script's `[first name]`.
        public var firstName: String?

        public init(id: String, name: String, phone: String? = nil, firstName: String? = nil) {
            self.id = id
            self.name = name
            self.phone = phone
            self.firstName = firstName
        }
    }

    /// One answered door or call: the write the front end makes (`FieldOperations.recordInteraction`).
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
        /// Replace what this shift saved for `interaction.person` (after `b`), now.
        case correct(Interaction)
        /// Every door is done; `saved` doors were saved this shift.
        case finished(saved: Int)
        /// Stopped by `q` or the end of input; the doors saved stay saved.
        case stopped(saved: Int)
    }

    /// The outcome of matching typed text against a list of options.
    public enum Pick: Sendable, Equatable {
        /// The option at this index.
        case one(Int)
        /// Several options fit (their indexes): ask again, listing them.
        case ambiguous([Int])
        case none
    }

    enum Phase: Sendable, Equatable {
        case notStarted, result, question(Question), note, over
    }

    /// What happened at a person earlier in this shift.
    enum Visit: Sendable, Equatable {
        case saved(Interaction)
        case skipped
    }

    public let list: String
    public let survey: Survey
    public let doors: [Door]
    public let kind: Kind
    /// Doors (or calls) saved so far; a correction does not count again.
    public private(set) var saved = 0
    /// Saved doors answered again after `b`.
    public private(set) var corrected = 0
    var phase = Phase.notStarted
    /// Every person of the shift in order, as (door, person) indexes.
    let slots: [(door: Int, person: Int)]
    /// The slot being asked.
    var current = 0
    /// The first slot never reached: where the shift resumes after going back.
    var frontier = 0
    var visits: [Int: Visit] = [:]
    /// The door whose header was shown last, so the next person there gets no new header.
    var announced: Int?
    var result = ""
    var answers: [String: Value] = [:]

    public init(list: String, survey: Survey, doors: [Door], kind: Kind = .walk) {
        self.list = list
        self.survey = survey
        self.doors = doors
        self.kind = kind
        slots = doors.indices.flatMap { d in doors[d].people.indices.map { (d, $0) } }
    }

    /// A call list's interview: one call per person, in list order.
    public init(list: String, survey: Survey, calls: [Person]) {
        self.init(list: list, survey: survey, doors: calls.map { Door(address: "", people: [$0]) }, kind: .call)
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
        return enter(frontier)
    }

    /// The answer typed at the current prompt (surrounding blanks ignored).
    public mutating func answer(_ text: String) -> [Action] {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t == "q" { return quit() }
        if t == "b", phase != .notStarted, phase != .over { return back() }
        switch phase {
        case .notStarted, .over:
            return []
        case .result:
            if t == "s" { return skip() }
            if t.isEmpty { return [askResult()] }
            let codes = survey.resultCodes
            switch Self.pick(t, among: codes.map { ($0.code, $0.label) }) {
            case .one(let i):
                result = codes[i].code
                var out: [Action] = []
                if t != result { out.append(.say("  → \(result)")) }
                out.append(ask(codes[i].contacted ? survey.questions.first : nil))
                return out
            case .ambiguous(let matches):
                return [.say(Self.ambiguity(t, matches.map { ($0, codes[$0].code) })), askResult()]
            case .none:
                return [
                    .say("'\(t)' is not a result code; valid: \(codes.map(\.code).joined(separator: ", "))"),
                    askResult(),
                ]
            }
        case .question(let q):
            if t.isEmpty { return [ask(survey.next(after: q, answer: nil))] }
            var value: Value
            switch Self.typed(t, for: q) {
            case .success(let v): value = v
            case .failure(let problem): return [.say(problem.message), ask(q)]
            }
            value = value.normalized
            if let problem = survey.validate(result: result, answers: [q.id: value]).first {
                return [.say(problem.message), ask(q)]
            }
            answers[q.id] = value
            var out: [Action] = []
            if [.singleChoice, .yesNo, .rsvp, .multipleChoice].contains(q.kind),
                value != FieldOperations.answer(t, for: q)
            {
                out.append(.say("  → \(Self.shown(value))"))
            }
            out.append(ask(survey.next(after: q, answer: value)))
            return out
        case .note:
            let p = person(current)
            let interaction = Interaction(person: p.id, result: result, answers: answers, note: t.isEmpty ? nil : t)
            var out: [Action]
            if case .saved = visits[current] {
                corrected += 1
                out = [.correct(interaction)]
            } else {
                saved += 1
                out = [.save(interaction), .say("saved")]
            }
            visits[current] = .saved(interaction)
            return out + advance()
        }
    }

    /// Stops the shift (`q`, or the end of input): what was saved stays saved.
    public mutating func quit() -> [Action] {
        guard phase != .over else { return [] }
        phase = .over
        let fixes = corrected > 0 ? " (\(corrected) corrected)" : ""
        return [
            .say("\nstopped; \(saved) \(kind.unit)(s) saved this shift\(fixes) and kept. `canvass sync` when online."),
            .stopped(saved: saved),
        ]
    }

    // MARK: moving through the shift

    private func person(_ slot: Int) -> Person { doors[slots[slot].door].people[slots[slot].person] }

    /// `s`: a person not reached now stays to do; a saved one being corrected keeps what was saved.
    private mutating func skip() -> [Action] {
        if visits[current] == nil { visits[current] = .skipped }
        return (visits[current] == .skipped ? [] : [.say("kept as saved")]) + advance()
    }

    /// After a person: the next one never reached (back where the shift was, after a correction).
    private mutating func advance() -> [Action] {
        if current >= frontier { frontier = current + 1 }
        return enter(frontier)
    }

    /// `b`: the person before the one asked now, among those reached this shift.
    private mutating func back() -> [Action] {
        guard let target = visits.keys.filter({ $0 < current }).max() else {
            return [.say("nothing to go back to: this is the first \(kind.unit) of the shift"), reask()]
        }
        var out: [Action] = [.say("\n<< back")]
        announced = nil
        out += enter(target)
        if case .saved(let i) = visits[target] {
            // Shown after the person's header, before the result is asked again.
            let was = Action.say("   saved: \(Self.describe(i)); answer again to correct it, s to keep it")
            out.insert(was, at: out.count - 1)
        }
        return out
    }

    /// Shows the slot's door (when it changes) and person, with the script, then asks the result.
    private mutating func enter(_ slot: Int) -> [Action] {
        guard slot < slots.count else {
            phase = .over
            current = slots.count
            return [
                .say("\nlist \(list) is done: \(saved) \(kind.unit)(s) saved this shift. `canvass sync` when online."),
                .finished(saved: saved),
            ]
        }
        current = slot
        result = ""
        answers = [:]
        var out: [Action] = []
        let (d, _) = slots[slot]
        let p = person(slot)
        let progress = "\(kind.unit) \(d + 1) of \(doors.count)"
        switch kind {
        case .walk:
            if announced != d { out.append(.say("\n== \(progress): \(doors[d].address)")) }
            out.append(.say("-- \(p.name)  (\(p.id))"))
        case .call:
            out.append(.say("\n== \(progress): \(p.name)  (\(p.id))"))
            out.append(.say("   dial \(p.phone ?? "(no number)")"))
        }
        announced = d
        if let intro = survey.intro?.trimmingCharacters(in: .whitespacesAndNewlines), !intro.isEmpty {
            out.append(.say("   script: \(Self.fill(intro, for: p))"))
        }
        if let statement = survey.petition?.statement.trimmingCharacters(in: .whitespacesAndNewlines) {
            out.append(.say("   petition: \(statement)"))
        }
        out.append(
            .say("   " + survey.resultCodes.enumerated().map { "\($0 + 1) \($1.code)" }.joined(separator: " · ")))
        out.append(askResult())
        return out
    }

    /// The current prompt again, as it was.
    private mutating func reask() -> Action {
        switch phase {
        case .question(let q): return ask(q)
        case .note: return ask(nil)
        default: return askResult()
        }
    }

    private mutating func askResult() -> Action {
        phase = .result
        return .ask(.result, "result (number or name; s skip, b back, q quit): ")
    }

    /// Asks `question`, or for the note when the survey has no further question.
    private mutating func ask(_ question: Question?) -> Action {
        guard let q = question else {
            phase = .note
            return .ask(.note, "note (Enter for none): ")
        }
        phase = .question(q)
        let text = Self.fill(q.text.trimmingCharacters(in: .whitespacesAndNewlines), for: person(current))
        let allowed: String
        switch q.kind {
        case .singleChoice, .yesNo, .rsvp:
            allowed = q.options.enumerated().map { "\($0 + 1) \($1.value)" }.joined(separator: ", ")
        case .multipleChoice:
            allowed = q.options.enumerated().map { "\($0 + 1) \($1.value)" }.joined(separator: ", ") + "; several: 1,3"
        default:
            allowed = q.allowedDescription
        }
        return .ask(.question(q.id), "\(text) [\(allowed)]: ")
    }

    // MARK: fast answers (pure helpers, tested directly)

    /// Matches typed text against options `(value, label)`, case-blind: a number 1…N picks the Nth;
    /// then an exact value or label; then initials (`nh` for not_home, `c` for contacted); then a
    /// start of a value or label. The first of these that fits exactly one option picks it; one
    /// that fits several is ambiguous.
    public static func pick(_ text: String, among options: [(value: String, label: String)]) -> Pick {
        let t = text.lowercased()
        guard !t.isEmpty else { return .none }
        if t.allSatisfy(\.isASCII), let n = Int(t) { return n >= 1 && n <= options.count ? .one(n - 1) : .none }
        let exact = options.indices.filter {
            options[$0].value.lowercased() == t || options[$0].label.lowercased() == t
        }
        if let first = exact.first { return .one(first) }
        let initials = options.indices.filter { initialsOf(options[$0].value) == t }
        if initials.count == 1 { return .one(initials[0]) }
        let starts = options.indices.filter {
            options[$0].value.lowercased().hasPrefix(t) || options[$0].label.lowercased().hasPrefix(t)
                || options[$0].value.lowercased().replacingOccurrences(of: "_", with: " ").hasPrefix(t)
        }
        let fits = Array(Set(initials + starts)).sorted()
        switch fits.count {
        case 0: return .none
        case 1: return .one(fits[0])
        default: return .ambiguous(fits)
        }
    }

    /// "nh" for not_home, "cbl" for come_back_later, "c" for contacted.
    static func initialsOf(_ value: String) -> String {
        String(value.lowercased().split(whereSeparator: { $0 == "_" || $0 == " " || $0 == "-" }).compactMap(\.first))
    }

    static func ambiguity(_ text: String, _ matches: [(Int, String)]) -> String {
        "'\(text)' fits \(matches.map { "\($0.0 + 1) \($0.1)" }.joined(separator: ", ")); type more letters or the number"
    }

    /// An answer typed for a question: choices picked by number, value, initials or start; other
    /// kinds typed as `FieldOperations.answer` reads them (validation then says what was expected).
    static func typed(_ text: String, for q: Question) -> Result<Value, ChoiceProblem> {
        let options = q.options.map { ($0.value, $0.label) }
        func one(_ item: String) -> Result<String, ChoiceProblem> {
            switch pick(item, among: options) {
            case .one(let i): return .success(q.options[i].value)
            case .ambiguous(let m): return .failure(ChoiceProblem(ambiguity(item, m.map { ($0, q.options[$0].value) })))
            case .none: return .success(item)  // validation names the valid options
            }
        }
        switch q.kind {
        case .singleChoice, .yesNo, .rsvp:
            return one(text).map(Value.string)
        case .multipleChoice:
            let separators: Set<Character> = text.contains(",") ? [","] : [" "]
            var out: [Value] = []
            for item in text.split(whereSeparator: separators.contains) {
                let trimmed = item.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty { continue }
                switch one(trimmed) {
                case .success(let v): out.append(.string(v))
                case .failure(let p): return .failure(p)
                }
            }
            return .success(.array(out))
        default:
            return .success(FieldOperations.answer(text, for: q))
        }
    }

    /// Why a typed choice was not taken (it fits several options).
    struct ChoiceProblem: Error, Sendable {
        let message: String
        init(_ message: String) { self.message = message }
    }

    /// The script's placeholders filled in for a person: `[first name]` and `[name]`.
    static func fill(_ script: String, for p: Person) -> String {
        let first = p.firstName ?? p.name.split(separator: " ").first.map(String.init) ?? p.name
        return script.replacingOccurrences(of: "[first name]", with: first).replacingOccurrences(
            of: "[name]", with: p.name)
    }

    static func shown(_ v: Value) -> String {
        if case .array(let a) = v { return a.map(\.description).joined(separator: ", ") }
        return v.description
    }

    /// "contacted (willing=yes, support=4), note: dog".
    static func describe(_ i: Interaction) -> String {
        var text = i.result
        if !i.answers.isEmpty {
            text +=
                " (" + i.answers.keys.sorted().map { "\($0)=\(shown(i.answers[$0]!))" }.joined(separator: ", ") + ")"
        }
        if let note = i.note { text += ", note: \(note)" }
        return text
    }
}
