import CanvassCore

/// Why a document of the protocol could not be read: a body on the wire (too large, badly
/// compressed, not JSON, the wrong shape) or a survey document (every problem, each located).
/// One error type for the module; switch on ``code``.
public struct ProtocolError: Error, CustomStringConvertible, Sendable {
    /// What kind of document failed, and how.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        enum Base: String, Sendable {
            case tooLarge = "too_large"
            case badCompression = "bad_compression"
            case badJSON = "bad_json"
            case badShape = "bad_shape"
            case invalidSurvey = "invalid_survey"
            case invalidAutomation = "invalid_automation"
            case invalidTemplate = "invalid_template"
        }

        let base: Base

        private init(_ base: Base) { self.base = base }

        /// The body is larger than ``ProtocolError/limit`` bytes once decompressed.
        public static let tooLarge = Code(.tooLarge)
        /// The compressed body is corrupt or truncated.
        public static let badCompression = Code(.badCompression)
        /// The body is not valid JSON.
        public static let badJSON = Code(.badJSON)
        /// Valid JSON of the wrong shape, at ``ProtocolError/location``.
        public static let badShape = Code(.badShape)
        /// A survey document with errors, listed in ``ProtocolError/problems``.
        public static let invalidSurvey = Code(.invalidSurvey)
        /// An automation rule document with errors, listed in ``ProtocolError/problems``.
        public static let invalidAutomation = Code(.invalidAutomation)
        /// A campaign email template (Mustache) with errors, listed in ``ProtocolError/problems``.
        public static let invalidTemplate = Code(.invalidTemplate)

        public var description: String { base.rawValue }
    }

    /// A diagnostic with its line and column in a document, when known.
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        public var diagnostic: Diagnostic
        /// 1-based; nil when the document gave no position.
        public var line: Int?
        public var column: Int?

        public init(_ diagnostic: Diagnostic, line: Int? = nil, column: Int? = nil) {
            self.diagnostic = diagnostic
            self.line = line
            self.column = column
        }

        public var description: String { describe(file: nil) }

        /// "file:line:column: error: location: message [code]".
        public func describe(file: String?) -> String {
            var prefix = file ?? ""
            if let line {
                prefix += prefix.isEmpty ? "line \(line)" : ":\(line)"
                if let column { prefix += ":\(column)" }
            }
            return prefix.isEmpty ? diagnostic.description : "\(prefix): \(diagnostic.description)"
        }
    }

    public let code: Code
    /// What is wrong: why decompression or JSON failed, or what shape was expected.
    public let message: String
    /// The byte limit a body went over (``Code/tooLarge``).
    public let limit: Int?
    /// Where in the body the shape is wrong (``Code/badShape``).
    public let location: String?
    /// The document's name in messages (``Code/invalidSurvey``).
    public let file: String?
    /// Every problem of a survey document (``Code/invalidSurvey``).
    public let problems: [Problem]

    private init(
        _ code: Code, message: String, limit: Int? = nil, location: String? = nil, file: String? = nil,
        problems: [Problem] = []
    ) {
        self.code = code
        self.message = message
        self.limit = limit
        self.location = location
        self.file = file
        self.problems = problems
    }

    public static func tooLarge(limit: Int) -> ProtocolError {
        ProtocolError(.tooLarge, message: "the body is larger than \(limit) bytes once decompressed", limit: limit)
    }

    public static func badCompression(_ why: String) -> ProtocolError { ProtocolError(.badCompression, message: why) }

    public static func badJSON(_ why: String) -> ProtocolError { ProtocolError(.badJSON, message: why) }

    public static func badShape(location: String, message: String) -> ProtocolError {
        ProtocolError(.badShape, message: message, location: location)
    }

    public static func invalidSurvey(file: String?, problems: [Problem]) -> ProtocolError {
        let count = problems.count == 1 ? "1 problem" : "\(problems.count) problems"
        return ProtocolError(
            .invalidSurvey, message: "\(file ?? "survey document") is not a valid survey (\(count))", file: file,
            problems: problems)
    }

    public static func invalidAutomation(file: String?, problems: [Problem]) -> ProtocolError {
        let count = problems.count == 1 ? "1 problem" : "\(problems.count) problems"
        return ProtocolError(
            .invalidAutomation, message: "\(file ?? "automation document") is not a valid automation rule (\(count))",
            file: file, problems: problems)
    }

    public static func invalidTemplate(file: String?, problems: [Problem]) -> ProtocolError {
        let count = problems.count == 1 ? "1 problem" : "\(problems.count) problems"
        return ProtocolError(
            .invalidTemplate, message: "\(file ?? "the template") is not a valid mail template (\(count))", file: file,
            problems: problems)
    }

    /// The diagnostics of ``problems``.
    public var diagnostics: [Diagnostic] { problems.map(\.diagnostic) }

    public var description: String {
        switch code.base {
        case .tooLarge: return "\(message); send smaller pages"
        case .badCompression: return "the body could not be decompressed (\(message)); check Content-Encoding"
        case .badJSON: return "the body is not valid JSON: \(message)"
        case .badShape: return "\(location ?? ""): \(message)"
        case .invalidSurvey, .invalidAutomation, .invalidTemplate:
            return ([message + ":"] + problems.map { "  " + $0.describe(file: file) }).joined(separator: "\n")
        }
    }
}
