import CanvassCore
import Yams

/// A survey, phone script or petition written as YAML (see `fixtures/surveys/` for examples).
///
/// Decoding is strict: YAML syntax errors, missing or mistyped keys, unknown keys (usually typos such
/// as `nxt:`, which would otherwise silently drop a branch) and everything `Survey.check()` reports
/// are collected and thrown together as a ``ProtocolError`` (``ProtocolError/Code/invalidSurvey``), each with its line and column
/// when the YAML has them.
public enum SurveyDocument {
    /// Decodes and checks a survey. `file` only names the source in error messages.
    public static func decode(yaml: String, file: String? = nil) throws -> Survey {
        let (survey, diagnostics) = try decodeWithDiagnostics(yaml: yaml, file: file)
        if diagnostics.contains(where: { $0.diagnostic.severity == .error }) {
            throw ProtocolError.invalidSurvey(file: file, problems: diagnostics)
        }
        return survey
    }

    /// The root node of a YAML document (a survey, an automation rule): a syntax error or an
    /// empty document becomes the document's error (`invalid`), located where Yams found it.
    static func root(
        yaml: String, at: String, empty: String, invalid: ([ProtocolError.Problem]) -> ProtocolError
    ) throws -> Node {
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                throw invalid([.init(Diagnostic(at: at, code: "empty", empty))])
            }
            return node
        } catch let error as YamlError {
            throw invalid([problem(from: error)])
        }
    }

    /// Decodes a survey and returns it with every diagnostic (warnings included). Throws only when
    /// no survey could be built at all (bad YAML, wrong shape).
    public static func decodeWithDiagnostics(yaml: String, file: String? = nil) throws -> (
        Survey, [ProtocolError.Problem]
    ) {
        let root = try root(
            yaml: yaml, at: "survey", empty: "the document is empty; a survey needs at least id, title and kind"
        ) { ProtocolError.invalidSurvey(file: file, problems: $0) }

        guard case .mapping = root else {
            throw ProtocolError.invalidSurvey(
                file: file,
                problems: [
                    .init(
                        Diagnostic(
                            at: "survey", code: "bad_type",
                            "the document must be a mapping with keys id, title, kind, intro, result_codes, questions and (for a petition) petition"
                        ), root.mark)
                ])
        }

        var problems = unknownKeys(in: root)
        let survey: Survey
        do {
            survey = try YAMLDecoder().decode(Survey.self, from: root)
        } catch let error as DecodingError {
            // Decoding stops at the first error; decode each result code and question on its own
            // too, so one run reports every broken entry, then check what did decode (branches,
            // duplicates, the petition) so that those problems show in the same run.
            var found = [problem(from: error, root: root)]
            for p in elementProblems(in: root)
            where !found.contains(where: { $0.diagnostic.location == p.diagnostic.location }) {
                found.append(p)
            }
            let broken = Set(found.compactMap { element(of: $0.diagnostic.location) })
            let partial = partialSurvey(root)
            for p in checkProblems(of: partial.survey, in: root)
            where !broken.contains(where: { within(p.diagnostic.location, $0) })
                && (partial.kindKnown || !within(p.diagnostic.location, "survey.petition"))
            {
                found.append(p)
            }
            throw ProtocolError.invalidSurvey(file: file, problems: ordered(found + problems))
        } catch let error as YamlError {
            problems.insert(problem(from: error), at: 0)
            throw ProtocolError.invalidSurvey(file: file, problems: problems)
        }
        problems += checkProblems(of: survey, in: root)
        return (survey, ordered(problems))
    }

    /// What `Survey.check` finds, located in the document.
    static func checkProblems(of survey: Survey, in root: Node) -> [ProtocolError.Problem] {
        let targets = (survey.questions.map(\.id).filter { !$0.hasPrefix(placeholder) } + ["end"]).joined(
            separator: ", ")
        return survey.check(at: "survey").map { d in
            var d = d
            if d.code == "bad_branch" {
                d = Diagnostic(d.severity, at: d.location, code: d.code, "\(d.message); valid targets: \(targets)")
            }
            return .init(d, mark(at: d.location, in: root))
        }
    }

    /// Problems in document order (those without a position last), so a reader fixes top to bottom.
    static func ordered(_ problems: [ProtocolError.Problem]) -> [ProtocolError.Problem] {
        problems.enumerated().sorted {
            ($0.element.line ?? .max, $0.element.column ?? .max, $0.offset)
                < ($1.element.line ?? .max, $1.element.column ?? .max, $1.offset)
        }.map(\.element)
    }

    /// Marks the entries that did not decode in a partial survey.
    static let placeholder = "\u{1}"

    /// The survey as far as it decodes: entries that do not decode become placeholders (kept so
    /// that indices still match the document), a root key that does not decode a stand-in.
    static func partialSurvey(_ root: Node) -> (survey: Survey, kindKnown: Bool) {
        let map = root.mapping
        let kind = map?["kind"]?.string.flatMap(Survey.Kind.init(rawValue:))
        let codes = (map?["result_codes"]?.sequence).map { items in
            items.enumerated().map { i, item in
                (try? YAMLDecoder().decode(ResultCode.self, from: item))
                    ?? ResultCode(item.mapping?["code"]?.string ?? "\(placeholder)\(i)", "")
            }
        }
        let questions = (map?["questions"]?.sequence ?? []).enumerated().map { i, item in
            (try? YAMLDecoder().decode(Question.self, from: item))
                ?? Question(id: item.mapping?["id"]?.string ?? "\(placeholder)\(i)", text: "", kind: .text)
        }
        let petition = map?["petition"].flatMap { try? YAMLDecoder().decode(Petition.self, from: $0) }
        let survey = Survey(
            id: map?["id"]?.string ?? "x", title: map?["title"]?.string ?? "x", kind: kind ?? .canvass,
            resultCodes: codes ?? ResultCode.standard, questions: questions,
            petition: map?["petition"] == nil ? nil : petition)
        return (survey, kind != nil && (map?["petition"] == nil || petition != nil))
    }

    /// The entry a location is in ("survey.questions[2]", "survey.petition", "survey.id"), if any.
    static func element(of location: String) -> String? {
        for list in ["survey.questions[", "survey.result_codes["] where location.hasPrefix(list) {
            guard let close = location.firstIndex(of: "]") else { return nil }
            return String(location[...close])
        }
        let parts = location.split(separator: ".")
        return parts.count >= 2 ? "\(parts[0]).\(parts[1])" : nil
    }

    /// Whether `location` is `element` or inside it.
    static func within(_ location: String, _ element: String) -> Bool {
        guard location.hasPrefix(element) else { return false }
        let rest = location.dropFirst(element.count)
        return rest.isEmpty || rest.hasPrefix(".") || rest.hasPrefix("[")
    }

    // MARK: Locating problems

    enum PathStep { case key(String), index(Int) }

    /// Parses "survey.questions[2].options[0].next" (the leading root name is dropped).
    static func steps(_ location: String) -> [PathStep] {
        var out: [PathStep] = []
        var current = ""
        var inIndex = false
        var first = true
        func flushKey() {
            if !current.isEmpty {
                if !first { out.append(.key(current)) }
                first = false
            }
            current = ""
        }
        for ch in location {
            switch ch {
            case "." where !inIndex: flushKey()
            case "[" where !inIndex: flushKey(); inIndex = true
            case "]" where inIndex:
                if let i = Int(current) { out.append(.index(i)) }
                first = false
                current = ""
                inIndex = false
            default: current.append(ch)
            }
        }
        flushKey()
        return out
    }

    /// The node a path leads to, or the deepest node on the way.
    static func node(at steps: [PathStep], in root: Node) -> Node {
        var node = root
        for step in steps {
            let next: Node?
            switch step {
            case .key(let k): next = node.mapping?[k]
            case .index(let i):
                if let seq = node.sequence, i >= 0, i < seq.count { next = seq[i] } else { next = nil }
            }
            guard let next else { break }
            node = next
        }
        return node
    }

    static func mark(at location: String, in root: Node) -> Mark? {
        node(at: steps(location), in: root).mark
    }

    static func location(_ path: [any CodingKey]) -> (String, [PathStep]) {
        var text = "survey"
        var steps: [PathStep] = []
        for key in path {
            if let i = key.intValue {
                text += "[\(i)]"
                steps.append(.index(i))
            } else {
                text += ".\(key.stringValue)"
                steps.append(.key(key.stringValue))
            }
        }
        return (text, steps)
    }

    static func problem(from error: YamlError) -> ProtocolError.Problem {
        let hint =
            "check the indentation (spaces, not tabs), and quote text that contains ': ', ' #' or starts with a special character"
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
            let .composer(context, problem, mark, _):
            let what = context.map { "\(problem) \($0.text)" } ?? problem
            return .init(Diagnostic(at: "yaml", code: "yaml_syntax", "\(what); \(hint)"), mark)
        case let .duplicatedKeysInMapping(duplicates, context):
            return .init(
                Diagnostic(
                    at: "yaml", code: "duplicate_key",
                    "key \(duplicates.joined(separator: ", ")) appears twice in one mapping \(context.text); keep one"),
                context.mark)
        default:
            return .init(Diagnostic(at: "yaml", code: "yaml_syntax", "\(error); \(hint)"))
        }
    }

    /// Decoding errors of each result code and question, decoded one at a time.
    static func elementProblems(in root: Node) -> [ProtocolError.Problem] {
        var out: [ProtocolError.Problem] = []
        func each<T: Decodable>(_ key: String, _ type: T.Type) {
            guard let items = root.mapping?[key]?.sequence else { return }
            for (i, item) in items.enumerated() {
                do {
                    _ = try YAMLDecoder().decode(T.self, from: item)
                } catch let error as DecodingError {
                    out.append(problem(from: error, root: root, prefix: [.key(key), .index(i)]))
                } catch {}
            }
        }
        each("result_codes", ResultCode.self)
        each("questions", Question.self)
        if let petition = root.mapping?["petition"] {
            do {
                _ = try YAMLDecoder().decode(Petition.self, from: petition)
            } catch let error as DecodingError {
                out.append(problem(from: error, root: root, prefix: [.key("petition")]))
            } catch {}
        }
        return out
    }

    static func problem(from error: DecodingError, root: Node, prefix: [PathStep] = []) -> ProtocolError.Problem {
        func location(_ path: [any CodingKey]) -> (String, [PathStep]) {
            let (text, steps) = SurveyDocument.location(path)
            var head = "survey"
            for step in prefix {
                switch step {
                case .key(let k): head += ".\(k)"
                case .index(let i): head += "[\(i)]"
                }
            }
            return (head + text.dropFirst("survey".count), prefix + steps)
        }
        switch error {
        case let .keyNotFound(key, context):
            let (at, steps) = location(context.codingPath)
            return .init(
                Diagnostic(
                    at: "\(at).\(key.stringValue)", code: "missing",
                    "required key '\(key.stringValue)' is missing; add it"),
                node(at: steps, in: root).mark)
        case let .typeMismatch(type, context):
            let (at, steps) = location(context.codingPath)
            let found = node(at: steps, in: root)
            let got = (found.scalar?.string).map { ", not '\($0)'" } ?? ""
            return .init(
                Diagnostic(
                    at: at, code: "bad_type",
                    "expected \(describe(type)) here\(got)\(allowed(for: steps).map { " (\($0))" } ?? "")"),
                found.mark)
        case let .valueNotFound(type, context):
            let (at, steps) = location(context.codingPath)
            return .init(
                Diagnostic(at: at, code: "missing", "a value (\(describe(type))) is required here but none was given"),
                node(at: steps, in: root).mark)
        case let .dataCorrupted(context):
            let (at, steps) = location(context.codingPath)
            let found = node(at: steps, in: root)
            let value = (found.scalar?.string).map { "'\($0)' is not valid here" } ?? context.debugDescription
            let message = allowed(for: steps).map { "\(value); \($0)" } ?? "\(value): \(context.debugDescription)"
            return .init(Diagnostic(at: at, code: "bad_value", message), found.mark)
        @unknown default:
            return .init(Diagnostic(at: "survey", code: "bad_value", "\(error)"))
        }
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "text"
        case is Int.Type: return "a whole number"
        case is Bool.Type: return "true or false"
        case is [Any].Type: return "a list"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") { return "a list" }
            if name.hasPrefix("Dictionary") || name.hasPrefix("KeyedDecodingContainer") { return "a mapping" }
            return name
        }
    }

    /// What values a key accepts, when it is an enumeration.
    static func allowed(for steps: [PathStep]) -> String? {
        guard case .key(let last)? = steps.last else { return nil }
        let inQuestion = steps.count >= 3
        let inResultCode = steps.contains { if case .key("result_codes") = $0 { return true } else { return false } }
        switch last {
        case "type" where inQuestion:
            return "valid types: " + Question.Kind.allCases.map(\.rawValue).joined(separator: ", ")
        case "kind" where steps.count == 1:
            return "valid kinds: " + Survey.Kind.allCases.map(\.rawValue).joined(separator: ", ")
        case "effect" where inResultCode:
            return "valid effects: " + ResultEffect.allCases.map(\.rawValue).joined(separator: ", ")
        default: return nil
        }
    }

    // MARK: Unknown keys

    static let surveyKeys = ["id", "title", "kind", "intro", "result_codes", "questions", "petition"]
    static let petitionKeys = ["statement", "signature", "consent"]
    static let resultCodeKeys = ["code", "label", "contacted", "effect", "recontact_days"]
    static let questionKeys = [
        "id", "text", "type", "options", "min", "max", "required", "next", "event", "marks_voted",
    ]
    static let optionKeys = ["value", "label", "next"]

    static func unknownKeys(in root: Node) -> [ProtocolError.Problem] {
        var out: [ProtocolError.Problem] = []
        func check(_ node: Node, _ allowed: [String], at: String) {
            guard let mapping = node.mapping else { return }
            for (key, _) in mapping {
                guard let k = key.string, !allowed.contains(k) else { continue }
                let suggestion = closest(k, in: allowed).map { "did you mean '\($0)'? " } ?? ""
                out.append(
                    .init(
                        Diagnostic(
                            at: "\(at).\(k)", code: "unknown_key",
                            "unknown key '\(k)'; \(suggestion)valid keys here: \(allowed.joined(separator: ", "))"),
                        key.mark))
            }
        }
        check(root, surveyKeys, at: "survey")
        if let petition = root.mapping?["petition"] { check(petition, petitionKeys, at: "survey.petition") }
        if let codes = root.mapping?["result_codes"]?.sequence {
            for (i, c) in codes.enumerated() { check(c, resultCodeKeys, at: "survey.result_codes[\(i)]") }
        }
        if let questions = root.mapping?["questions"]?.sequence {
            for (i, q) in questions.enumerated() {
                check(q, questionKeys, at: "survey.questions[\(i)]")
                if let options = q.mapping?["options"]?.sequence {
                    for (j, o) in options.enumerated() {
                        check(o, optionKeys, at: "survey.questions[\(i)].options[\(j)]")
                    }
                }
            }
        }
        return out
    }

    /// The allowed key within edit distance 2, if any.
    static func closest(_ word: String, in candidates: [String]) -> String? {
        func distance(_ a: [Character], _ b: [Character]) -> Int {
            if a.isEmpty { return b.count }
            if b.isEmpty { return a.count }
            var previous = Array(0...b.count)
            for i in 1...a.count {
                var row = [i] + Array(repeating: 0, count: b.count)
                for j in 1...b.count {
                    row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                }
                previous = row
            }
            return previous[b.count]
        }
        let w = Array(word.lowercased())
        let best = candidates.map { ($0, distance(w, Array($0))) }.min { $0.1 < $1.1 }
        guard let best, best.1 <= 2 else { return nil }
        return best.0
    }
}

extension ProtocolError.Problem {
    init(_ diagnostic: Diagnostic, _ mark: Mark?) {
        self.init(diagnostic, line: mark?.line, column: mark?.column)
    }
}
