import CanvassCore
import Foundation

extension FieldOperations {
    /// Reads `QUESTION=VALUE` answers typed on a command line, typed by each question's kind:
    /// numbers for scale and number questions, comma-separated lists for multiple choice.
    public func parseAnswers(_ raw: [String], list: String) throws -> [String: Value] {
        let survey = try survey(forList: list)
        var out: [String: Value] = [:]
        for item in raw {
            guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
                throw ClientError(
                    .invalid,
                    "--answer takes QUESTION=VALUE, got '\(item)'; questions: \(survey.questions.map(\.id).joined(separator: ", "))"
                )
            }
            let id = String(item[..<eq])
            let text = String(item[item.index(after: eq)...])
            guard let q = survey.question(id) else {
                throw ClientError(
                    .invalid,
                    "\(survey.id) has no question '\(id)'; questions: \(survey.questions.map(\.id).joined(separator: ", "))"
                )
            }
            out[id] = Self.answer(text, for: q)
        }
        return out
    }

    /// A typed answer from text, by question kind: numbers for scale and number questions,
    /// comma-separated lists for multiple choice; text that does not fit stays a string so that
    /// validation can say what was expected.
    public static func answer(_ text: String, for q: Question) -> Value {
        switch q.kind {
        case .scale: return Int64(text).map(Value.int) ?? .string(text)
        case .number: return Double(text).map { Value.double($0).normalized } ?? .string(text)
        case .multipleChoice:
            return .array(text.split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) })
        default: return .string(text)
        }
    }

    /// Reads `FIELD=VALUE` contact edits, typed by each field's kind; an empty value clears.
    public func parseEdits(_ raw: [String]) throws -> [String: Value] {
        let spec = schema.collections["contacts"]!
        var out: [String: Value] = [:]
        for item in raw {
            guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
                throw ClientError(.invalid, "--set takes FIELD=VALUE, got '\(item)'")
            }
            let name = String(item[..<eq])
            let text = String(item[item.index(after: eq)...])
            guard let field = spec.field(name) else {
                throw ClientError(
                    .invalid,
                    "contacts have no field '\(name)'; fields: \(spec.fields.map(\.name).joined(separator: ", "))")
            }
            out[name] = Self.value(text, for: field)
        }
        return out
    }

    /// A typed value from text, by field kind; text that does not fit is kept as a string so that
    /// validation can say what was expected.
    public static func value(_ text: String, for field: FieldSpec) -> Value {
        if text.isEmpty { return .null }
        switch field.kind {
        case .boolean:
            switch text.lowercased() {
            case "true", "yes", "y", "1": return .bool(true)
            case "false", "no", "n", "0": return .bool(false)
            default: return .string(text)
            }
        case .integer, .timestamp: return Int64(text).map(Value.int) ?? .string(text)
        case .number: return Double(text).map { Value.double($0).normalized } ?? .string(text)
        case .choices: return .array(text.split(separator: ",").map { .string(String($0)) })
        default: return .string(text)
        }
    }
}
