/// Segment criteria: a small language for choosing people, for example
/// `party=DEM,IND precinct=1-A support<=2 voted=no last_result!=refused`.
///
/// - Terms are separated by spaces, and every term must hold.
/// - A term is FIELD OPERATOR VALUE. The operators are `=`, `!=`, `<`, `<=`, `>` and `>=`; the
///   ordering ones compare numbers only.
/// - A value is a word, or "quoted text" when it holds spaces or commas (`street="Maple Ave"`).
/// - `VALUE,VALUE,…` after `=` means any of them, after `!=` none of them.
/// - `none` stands for a missing value: `support=none` is never asked, `last_result!=none` was tried.
/// - Text compares without case. A person without a value never matches `=` or an ordering, and
///   always matches `!=`.
///
/// The fields are in `CriteriaField.all`, plus `answer.QUESTION` for any survey question.
/// `Criteria.parse` reports every problem with its column; `matches` is the evaluator.
public struct Criteria: Sendable, Hashable, CustomStringConvertible {
    /// The text as written.
    public let text: String
    public let terms: [CriteriaTerm]

    /// Criteria that match everyone.
    public static let everyone = Criteria(text: "", terms: [])

    init(text: String, terms: [CriteriaTerm]) {
        self.text = text
        self.terms = terms
    }

    public var description: String { text }

    /// Whether every term holds for the person.
    public func matches(_ person: PersonFacts) -> Bool { terms.allSatisfy { $0.matches(person) } }

    /// The outcome of parsing: criteria, or every problem found.
    public enum Parse: Sendable, Hashable {
        case valid(Criteria)
        case invalid([CriteriaProblem])
    }

    /// What the parser checks names and values against. A nil list accepts anything.
    public struct Vocabulary: Sendable {
        /// Static groups (`group=` takes a name or an id).
        public var groups: [(id: String, name: String)]?
        /// Result codes `last_result` may name.
        public var resultCodes: [String]?
        /// Questions `support` and `answer.QUESTION` may name.
        public var questions: [Question]?

        public init(
            groups: [(id: String, name: String)]? = nil, resultCodes: [String]? = nil, questions: [Question]? = nil
        ) {
            self.groups = groups
            self.resultCodes = resultCodes
            self.questions = questions
        }
    }

    /// Parses criteria, checking field names, operators and values against `vocabulary`.
    public static func parse(_ text: String, vocabulary: Vocabulary = Vocabulary()) -> Parse {
        var parser = CriteriaParser(text: text, vocabulary: vocabulary)
        let terms = parser.parse()
        return parser.problems.isEmpty ? .valid(Criteria(text: text, terms: terms)) : .invalid(parser.problems)
    }

    /// The text, and under it a caret line marking every problem.
    public static func underline(_ text: String, _ problems: [CriteriaProblem]) -> String {
        let width = text.count + 1
        var marks = [Character](repeating: " ", count: width)
        for p in problems {
            let start = max(0, min(width - 1, p.column - 1))
            for k in start..<min(width, start + max(1, p.length)) { marks[k] = "^" }
        }
        var caret = String(marks)
        while caret.last == " " { caret.removeLast() }
        return "  " + text + "\n  " + caret
    }

    /// The caret lines, then each problem by column: what an error message shows.
    public static func explain(_ text: String, _ problems: [CriteriaProblem]) -> String {
        let lines = problems.sorted { ($0.column, $0.code) < ($1.column, $1.code) }.map {
            "  column \($0.column): \($0.message)"
        }
        return ([underline(text, problems)] + lines).joined(separator: "\n")
    }

    /// The documentation of the fields, one line each, for `--help`.
    public static var fieldHelp: String {
        let width = CriteriaField.all.map(\.name.count).max() ?? 0
        var lines = CriteriaField.all.map { f in
            f.name + String(repeating: " ", count: width - f.name.count + 2) + f.help
        }
        let answer = "answer.Q"
        lines.append(
            answer + String(repeating: " ", count: max(2, width - answer.count + 2))
                + "latest answer to question Q, e.g. answer.top_issue=housing")
        return lines.joined(separator: "\n")
    }
}

/// `=`, `!=`, `<`, `<=`, `>`, `>=`.
public enum CriteriaOperator: String, Sendable, Hashable, CaseIterable {
    case equal = "="
    case notEqual = "!="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="

    var ordering: Bool { self != .equal && self != .notEqual }
}

/// A value in a term, typed by its field.
public enum CriteriaValue: Sendable, Hashable {
    case text(String)
    case number(Double)
    case bool(Bool)
    /// `none`: the field has no value.
    case none
}

/// One FIELD OPERATOR VALUE term.
public struct CriteriaTerm: Sendable, Hashable {
    public let field: CriteriaField
    public let op: CriteriaOperator
    public let values: [CriteriaValue]
    /// Where the term starts, 1-based.
    public let column: Int

    /// Whether the term holds for a person.
    public func matches(_ person: PersonFacts) -> Bool {
        let fact = field.fact(of: person)
        switch op {
        case .equal: return values.contains { Self.equal(fact, $0) }
        case .notEqual: return !values.contains { Self.equal(fact, $0) }
        default:
            guard case .number(let n) = fact, case .number(let v)? = values.first else { return false }
            switch op {
            case .less: return n < v
            case .lessOrEqual: return n <= v
            case .greater: return n > v
            default: return n >= v
            }
        }
    }

    static func equal(_ fact: CriteriaField.Fact, _ value: CriteriaValue) -> Bool {
        func same(_ a: String, _ b: String) -> Bool { a.lowercased() == b.lowercased() }
        switch (fact, value) {
        case (.missing, .none): return true
        case (_, .none), (.missing, _): return false
        case (.text(let a), .text(let b)): return same(a, b)
        case (.text(let a), .number(let b)): return Double(a) == b
        case (.number(let a), .number(let b)): return a == b
        case (.number(let a), .text(let b)): return Double(b) == a
        case (.bool(let a), .bool(let b)): return a == b
        case (.texts(let words), .text(let b)): return words.contains { same($0, b) }
        case (.texts(let words), .number(let b)): return words.contains { Double($0) == b }
        default: return false
        }
    }
}

/// A problem in criteria text: where it is (1-based column and length, in characters), a
/// stable code and a message that says what would be valid.
public struct CriteriaProblem: Sendable, Hashable, CustomStringConvertible {
    public let column: Int
    public let length: Int
    public let code: String
    public let message: String

    public init(column: Int, length: Int, code: String, _ message: String) {
        self.column = column
        self.length = length
        self.code = code
        self.message = message
    }

    /// As a diagnostic located at `column N`.
    public var diagnostic: Diagnostic { Diagnostic(at: "column \(column)", code: code, message) }

    public var description: String { "column \(column): \(message) [\(code)]" }
}

/// The tokenizer and recursive-descent parser behind `Criteria.parse`: every problem is
/// collected, and after one the parser skips to the next term (the next word after a space).
struct CriteriaParser {
    struct Token {
        enum Kind: Equatable {
            case word(String)
            case quoted(String)
            case op(CriteriaOperator)
            case comma
        }

        let kind: Kind
        let column: Int
        let length: Int
        /// Preceded by a space (or at the start): may begin a new term.
        let spaced: Bool

        var isWord: Bool { if case .word = kind { return true } else { return false } }

        var valueText: String? {
            switch kind {
            case .word(let w): return w
            case .quoted(let q): return q
            default: return nil
            }
        }

        var text: String {
            switch kind {
            case .word(let w): return w
            case .quoted(let q): return "\"\(q)\""
            case .op(let o): return o.rawValue
            case .comma: return ","
            }
        }
    }

    let text: String
    let vocabulary: Criteria.Vocabulary
    var problems: [CriteriaProblem] = []
    var tokens: [Token] = []
    var i = 0

    init(text: String, vocabulary: Criteria.Vocabulary) {
        self.text = text
        self.vocabulary = vocabulary
    }

    var end: Int { text.count + 1 }

    mutating func problem(_ column: Int, _ length: Int, _ code: String, _ message: String) {
        problems.append(CriteriaProblem(column: column, length: length, code: code, message))
    }

    mutating func problem(at token: Token?, _ code: String, _ message: String) {
        problem(token?.column ?? end, token?.length ?? 1, code, message)
    }

    static let operatorCharacters: Set<Character> = ["=", "!", "<", ">"]

    mutating func tokenize() {
        let chars = Array(text)
        var k = 0
        var spaced = true
        while k < chars.count {
            let c = chars[k]
            let column = k + 1
            if c.isWhitespace {
                spaced = true
                k += 1
                continue
            }
            if c == "\"" {
                var j = k + 1
                while j < chars.count && chars[j] != "\"" { j += 1 }
                if j == chars.count {
                    problem(
                        column, chars.count - k, "unterminated_quote", "this quote is never closed; add a closing \"")
                    tokens.append(
                        Token(kind: .quoted(String(chars[(k + 1)...])), column: column, length: j - k, spaced: spaced))
                    k = j
                } else {
                    tokens.append(
                        Token(
                            kind: .quoted(String(chars[(k + 1)..<j])), column: column, length: j - k + 1, spaced: spaced
                        ))
                    k = j + 1
                }
            } else if c == "," {
                tokens.append(Token(kind: .comma, column: column, length: 1, spaced: spaced))
                k += 1
            } else if Self.operatorCharacters.contains(c) {
                var j = k + 1
                while j < chars.count && Self.operatorCharacters.contains(chars[j]) { j += 1 }
                let symbol = String(chars[k..<j])
                if let op = CriteriaOperator(rawValue: symbol) {
                    tokens.append(Token(kind: .op(op), column: column, length: j - k, spaced: spaced))
                } else {
                    let meant = ["!": "!=", "==": "=", "=<": "<=", "=>": ">=", "<>": "!=", "=!": "!="][symbol]
                    problem(
                        column, j - k, "bad_operator",
                        "'\(symbol)' is not an operator; \(meant.map { "did you mean '\($0)'? " } ?? "")operators: = != < <= > >="
                    )
                    // Keep the shape of the term so that the rest of it is still checked.
                    tokens.append(Token(kind: .op(.equal), column: column, length: j - k, spaced: spaced))
                }
                k = j
            } else {
                var j = k
                while j < chars.count && !chars[j].isWhitespace && chars[j] != "," && chars[j] != "\""
                    && !Self.operatorCharacters.contains(chars[j])
                {
                    j += 1
                }
                tokens.append(Token(kind: .word(String(chars[k..<j])), column: column, length: j - k, spaced: spaced))
                k = j
            }
            spaced = false
        }
    }

    func at(_ j: Int) -> Token? { j < tokens.count ? tokens[j] : nil }

    /// Whether token `j` starts a term: a word right before an operator, after a space.
    func startsTerm(_ j: Int) -> Bool {
        guard let t = at(j), t.isWord, t.spaced, let next = at(j + 1), case .op = next.kind, !next.spaced else {
            return false
        }
        return true
    }

    /// Skips to the next word after a space, where the next term should begin.
    mutating func skipToNextTerm() {
        while let t = at(i), !(t.spaced && t.isWord) { i += 1 }
    }

    mutating func parse() -> [CriteriaTerm] {
        tokenize()
        var terms: [CriteriaTerm] = []
        while let start = at(i) {
            guard case .word(let name) = start.kind else {
                problem(at: start, "expected_field", "expected a field name here, as in party=DEM")
                i += 1
                skipToNextTerm()
                continue
            }
            var field = CriteriaField.named(name)
            if field == nil {
                let names = CriteriaField.all.map(\.name)
                let suggestion = Self.closest(name.lowercased(), in: names).map { "did you mean '\($0)'? " } ?? ""
                problem(
                    at: start, "unknown_field",
                    "unknown field '\(name)'; \(suggestion)fields: \(names.joined(separator: ", ")), answer.QUESTION")
            } else if case .answer(let q) = field!.kind, let questions = vocabulary.questions,
                !questions.contains(where: { $0.id == q })
            {
                let ids = questions.map(\.id)
                let suggestion = Self.closest(q, in: ids).map { "did you mean '\($0)'? " } ?? ""
                problem(
                    at: start, "unknown_question",
                    "no survey of this campaign asks '\(q)'; \(suggestion)questions: \(ids.isEmpty ? "none" : ids.joined(separator: ", "))"
                )
                field = nil
            }
            i += 1
            guard let opToken = at(i), case .op(let op) = opToken.kind else {
                problem(
                    at: at(i), "expected_operator",
                    "expected an operator (= != < <= > >=) after '\(name)', as in \(name.lowercased())=VALUE")
                if let v = at(i), v.valueText != nil, !startsTerm(i) { i += 1 }
                skipToNextTerm()
                continue
            }
            i += 1
            var values: [(text: String, token: Token)] = []
            var complete = true
            while true {
                guard let v = at(i), let value = v.valueText, !startsTerm(i) else {
                    problem(at: at(i), "expected_value", "expected a value after '\(name)\(op.rawValue)'")
                    complete = false
                    break
                }
                values.append((value, v))
                i += 1
                guard let comma = at(i), comma.kind == .comma else { break }
                i += 1
            }
            if let next = at(i), !next.spaced {
                problem(at: next, "expected_space", "unexpected '\(next.text)'; separate terms with a space")
                skipToNextTerm()
            }
            guard complete, let field else { continue }
            if let term = check(field, op, opToken, values, column: start.column) { terms.append(term) }
        }
        return terms
    }

    /// Types a term's values by its field, reporting every value that does not fit.
    mutating func check(
        _ field: CriteriaField, _ op: CriteriaOperator, _ opToken: Token, _ values: [(text: String, token: Token)],
        column: Int
    ) -> CriteriaTerm? {
        let before = problems.count
        if op.ordering && !field.ordered {
            problem(
                at: opToken, "bad_operator",
                "'\(op.rawValue)' compares numbers; \(field.name) takes = or != (a list after = means any of them)")
        }
        if op.ordering && values.count > 1 {
            problem(at: values[1].token, "bad_list", "a list of values works with = and != only")
        }
        var typed: [CriteriaValue] = []
        for (text, token) in values {
            let lower = text.lowercased()
            if lower == "none" {
                if op.ordering {
                    problem(at: token, "bad_value", "none works with = and != only")
                } else {
                    typed.append(.none)
                }
                continue
            }
            switch field.kind {
            case .text:
                typed.append(.text(text))
            case .election:
                typed.append(.text(text.uppercased()))
            case .choice(let options):
                if options.contains(text.uppercased()) {
                    typed.append(.text(text.uppercased()))
                } else {
                    problem(
                        at: token, "unknown_option",
                        "'\(text)' is not a valid \(field.name); valid: \(options.joined(separator: ", "))")
                }
            case .integer:
                if let n = Int64(text) {
                    typed.append(.number(Double(n)))
                } else {
                    problem(at: token, "bad_value", "\(field.name) takes a whole number or none, not '\(text)'")
                }
            case .yesNo:
                switch lower {
                case "yes", "true": typed.append(.bool(true))
                case "no", "false": typed.append(.bool(false))
                default: problem(at: token, "bad_value", "\(field.name) takes yes or no, not '\(text)'")
                }
            case .result:
                if let codes = vocabulary.resultCodes, !codes.isEmpty, !codes.contains(text) {
                    let suggestion = Self.closest(text, in: codes).map { "did you mean '\($0)'? " } ?? ""
                    problem(
                        at: token, "unknown_result",
                        "'\(text)' is not a result code of this campaign's surveys; \(suggestion)codes: \(codes.joined(separator: ", ")), none"
                    )
                } else {
                    typed.append(.text(text))
                }
            case .group:
                guard let groups = vocabulary.groups else {
                    typed.append(.text(text))
                    continue
                }
                if let g = groups.first(where: { $0.id == text })
                    ?? groups.first(where: { $0.name.lowercased() == lower })
                {
                    typed.append(.text(g.id))
                } else {
                    let names = groups.map(\.name)
                    problem(
                        at: token, "unknown_group",
                        names.isEmpty
                            ? "no group '\(text)': there are no groups yet (canvass group create CAMPAIGN NAME)"
                            : "no group '\(text)'; groups: \(names.joined(separator: ", "))")
                }
            case .answer(let q):
                let question = vocabulary.questions?.first { $0.id == q }
                if let d = Double(text) {
                    typed.append(.number(d))
                } else if op.ordering || field.name == "support"
                    || question.map({ [.scale, .number].contains($0.kind) }) == true
                {
                    problem(at: token, "bad_value", "\(field.name) takes a number or none, not '\(text)'")
                } else if let question, !question.options.isEmpty,
                    !question.options.contains(where: { $0.value == text })
                {
                    problem(
                        at: token, "unknown_option",
                        "'\(text)' is not an option of '\(q)'; valid: \(question.options.map(\.value).joined(separator: ", ")), none"
                    )
                } else {
                    typed.append(.text(text))
                }
            }
        }
        guard problems.count == before else { return nil }
        return CriteriaTerm(field: field, op: op, values: typed, column: column)
    }

    /// The candidate within edit distance 2, if any.
    static func closest(_ word: String, in candidates: [String]) -> String? {
        func distance(_ a: [Character], _ b: [Character]) -> Int {
            if a.isEmpty { return b.count }
            if b.isEmpty { return a.count }
            var previous = Array(0...b.count)
            for x in 1...a.count {
                var row = [x] + Array(repeating: 0, count: b.count)
                for y in 1...b.count {
                    row[y] = min(previous[y] + 1, row[y - 1] + 1, previous[y - 1] + (a[x - 1] == b[y - 1] ? 0 : 1))
                }
                previous = row
            }
            return previous[b.count]
        }
        let w = Array(word.lowercased())
        let best = candidates.map { ($0, distance(w, Array($0.lowercased()))) }.min { $0.1 < $1.1 }
        guard let best, best.1 <= 2 else { return nil }
        return best.0
    }
}
