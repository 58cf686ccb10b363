/// What a result code does beyond being recorded.
public enum ResultEffect: String, Codable, Sendable, CaseIterable {
    case none
    /// The address is bad: the household leaves walk lists.
    case moved
    /// The person is suppressed everywhere.
    case deceased
    /// The channel (door or phone) is suppressed for this person.
    case doNotContact = "do_not_contact"
    /// The phone number is bad.
    case badNumber = "bad_number"
}

/// One outcome of a door knock or call.
public struct ResultCode: Codable, Sendable, Hashable {
    public var code: String
    public var label: String
    /// Someone was reached (the survey may be asked).
    public var contacted: Bool
    public var effect: ResultEffect
    /// Days before this person should be tried again; nil means never.
    public var recontactDays: Int?

    public init(
        _ code: String, _ label: String, contacted: Bool = false, effect: ResultEffect = .none,
        recontactDays: Int? = nil
    ) {
        self.code = code
        self.label = label
        self.contacted = contacted
        self.effect = effect
        self.recontactDays = recontactDays
    }

    enum CodingKeys: String, CodingKey { case code, label, contacted, effect, recontactDays = "recontact_days" }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        code = try c.decode(String.self, forKey: .code)
        label = try c.decodeIfPresent(String.self, forKey: .label) ?? code
        contacted = try c.decodeIfPresent(Bool.self, forKey: .contacted) ?? false
        effect = try c.decodeIfPresent(ResultEffect.self, forKey: .effect) ?? .none
        recontactDays = try c.decodeIfPresent(Int.self, forKey: .recontactDays)
    }

    /// The result codes every door and phone survey starts from.
    public static let standard: [ResultCode] = [
        ResultCode("contacted", "Contacted", contacted: true),
        ResultCode("not_home", "Not home", recontactDays: 2),
        ResultCode("refused", "Refused", contacted: true, recontactDays: 30),
        ResultCode("moved", "Moved", effect: .moved),
        ResultCode("deceased", "Deceased", effect: .deceased),
        ResultCode("wrong_address", "Wrong address", effect: .moved),
        ResultCode("inaccessible", "Inaccessible", recontactDays: 7),
        ResultCode("language_barrier", "Language barrier", contacted: true, recontactDays: 7),
        ResultCode("come_back_later", "Come back later", contacted: true, recontactDays: 1),
        ResultCode("wrong_number", "Wrong number", effect: .badNumber),
        ResultCode("disconnected", "Disconnected", effect: .badNumber),
        ResultCode("left_message", "Left message", recontactDays: 3),
        ResultCode("do_not_contact", "Do not contact", contacted: true, effect: .doNotContact),
    ]
}

/// A survey question.
public struct Question: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case singleChoice = "single_choice"
        case multipleChoice = "multiple_choice"
        case scale
        case yesNo = "yes_no"
        case text
        case number
    }

    public struct Option: Codable, Sendable, Hashable {
        public var value: String
        public var label: String
        /// Branch: the question to ask next when this option is chosen (`end` stops).
        public var next: String?

        public init(_ value: String, _ label: String? = nil, next: String? = nil) {
            self.value = value
            self.label = label ?? value
            self.next = next
        }

        public init(from decoder: any Decoder) throws {
            if let plain = try? decoder.singleValueContainer().decode(String.self) {
                self.init(plain)
                return
            }
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let value = try c.decode(String.self, forKey: .value)
            self.init(
                value, try c.decodeIfPresent(String.self, forKey: .label),
                next: try c.decodeIfPresent(String.self, forKey: .next))
        }
    }

    public var id: String
    public var text: String
    public var kind: Kind
    public var options: [Option]
    public var min: Int?
    public var max: Int?
    public var required: Bool
    /// The question after this one when no option branches (nil: the next in order; `end` stops).
    public var next: String?

    enum CodingKeys: String, CodingKey { case id, text, kind = "type", options, min, max, required, next }

    public init(
        id: String, text: String, kind: Kind, options: [Option] = [], min: Int? = nil, max: Int? = nil,
        required: Bool = false, next: String? = nil
    ) {
        self.id = id
        self.text = text
        self.kind = kind
        self.options = options
        self.min = min
        self.max = max
        self.required = required
        self.next = next
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        text = try c.decode(String.self, forKey: .text)
        kind = try c.decode(Kind.self, forKey: .kind)
        options = try c.decodeIfPresent([Option].self, forKey: .options) ?? []
        min = try c.decodeIfPresent(Int.self, forKey: .min)
        max = try c.decodeIfPresent(Int.self, forKey: .max)
        required = try c.decodeIfPresent(Bool.self, forKey: .required) ?? false
        next = try c.decodeIfPresent(String.self, forKey: .next)
        if kind == .yesNo && options.isEmpty { options = [Option("yes", "Yes"), Option("no", "No")] }
    }

    /// The allowed values as text, for error messages.
    public var allowedDescription: String {
        switch kind {
        case .singleChoice, .multipleChoice, .yesNo: return options.map(\.value).joined(separator: ", ")
        case .scale: return "\(min ?? 1)…\(max ?? 5)"
        case .number: return "a number"
        case .text: return "free text"
        }
    }
}

/// A door, phone or petition script: result codes, questions and branches.
public struct Survey: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable { case canvass, phone, petition }

    public var id: String
    public var title: String
    public var kind: Kind
    public var intro: String?
    public var resultCodes: [ResultCode]
    public var questions: [Question]

    enum CodingKeys: String, CodingKey { case id, title, kind, intro, resultCodes = "result_codes", questions }

    public init(
        id: String, title: String, kind: Kind, intro: String? = nil, resultCodes: [ResultCode] = ResultCode.standard,
        questions: [Question]
    ) {
        self.id = id
        self.title = title
        self.kind = kind
        self.intro = intro
        self.resultCodes = resultCodes
        self.questions = questions
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        title = try c.decode(String.self, forKey: .title)
        kind = try c.decode(Kind.self, forKey: .kind)
        intro = try c.decodeIfPresent(String.self, forKey: .intro)
        resultCodes = try c.decodeIfPresent([ResultCode].self, forKey: .resultCodes) ?? ResultCode.standard
        questions = try c.decodeIfPresent([Question].self, forKey: .questions) ?? []
    }

    public func question(_ id: String) -> Question? { questions.first { $0.id == id } }
    public func resultCode(_ code: String) -> ResultCode? { resultCodes.first { $0.code == code } }

    /// Checks the definition itself: unique ids, options where needed, branches that lead somewhere.
    public func check(at root: String = "survey") -> [Diagnostic] {
        var out: [Diagnostic] = []
        var ids: Set<String> = []
        if resultCodes.isEmpty {
            out.append(Diagnostic(at: "\(root).result_codes", code: "empty", "a survey needs at least one result code"))
        }
        var codes: Set<String> = []
        for (i, r) in resultCodes.enumerated() where !codes.insert(r.code).inserted {
            out.append(
                Diagnostic(
                    at: "\(root).result_codes[\(i)]", code: "duplicate", "result code '\(r.code)' is defined twice"))
        }
        for (i, q) in questions.enumerated() {
            let at = "\(root).questions[\(i)]"
            if !ids.insert(q.id).inserted {
                out.append(Diagnostic(at: "\(at).id", code: "duplicate", "question id '\(q.id)' is used twice"))
            }
            if [.singleChoice, .multipleChoice].contains(q.kind) && q.options.isEmpty {
                out.append(
                    Diagnostic(
                        at: "\(at).options", code: "empty",
                        "question '\(q.id)' is \(q.kind.rawValue) but has no options"))
            }
            if q.kind == .scale, (q.min ?? 1) >= (q.max ?? 5) {
                out.append(Diagnostic(at: at, code: "bad_range", "scale question '\(q.id)' needs min < max"))
            }
        }
        let valid = Set(questions.map(\.id)).union(["end"])
        for (i, q) in questions.enumerated() {
            if let n = q.next, !valid.contains(n) {
                out.append(
                    Diagnostic(
                        at: "\(root).questions[\(i)].next", code: "bad_branch", "'\(n)' is not a question id or 'end'"))
            }
            for (j, o) in q.options.enumerated() {
                if let n = o.next, !valid.contains(n) {
                    out.append(
                        Diagnostic(
                            at: "\(root).questions[\(i)].options[\(j)].next", code: "bad_branch",
                            "'\(n)' is not a question id or 'end'"))
                }
            }
        }
        return out
    }

    /// The question that follows `question` given its answer, following branches; nil at the end.
    public func next(after question: Question, answer: Value?) -> Question? {
        var target: String? = question.next
        if let a = answer?.stringValue, let o = question.options.first(where: { $0.value == a }), let n = o.next {
            target = n
        }
        if let target {
            return target == "end" ? nil : self.question(target)
        }
        guard let i = questions.firstIndex(where: { $0.id == question.id }), i + 1 < questions.count else { return nil }
        return questions[i + 1]
    }

    /// Checks a result code and answers against this survey; errors name the valid choices.
    public func validate(result: String, answers: [String: Value], at root: String = "interaction") -> [Diagnostic] {
        var out: [Diagnostic] = []
        guard let code = resultCode(result) else {
            let valid = resultCodes.map(\.code).joined(separator: ", ")
            return [
                Diagnostic(
                    at: "\(root).result", code: "unknown_result",
                    "'\(result)' is not a result code of \(id); valid: \(valid)")
            ]
        }
        if !code.contacted && !answers.isEmpty {
            out.append(
                Diagnostic(
                    at: "\(root).answers", code: "answers_without_contact",
                    "result '\(result)' means nobody was reached, so it takes no answers"))
        }
        for qid in answers.keys.sorted() {
            let at = "\(root).answers.\(qid)"
            guard let q = question(qid) else {
                let valid = questions.map(\.id).joined(separator: ", ")
                out.append(
                    Diagnostic(at: at, code: "unknown_question", "\(id) has no question '\(qid)'; questions: \(valid)"))
                continue
            }
            out.append(contentsOf: Survey.check(answer: answers[qid]!, to: q, at: at))
        }
        return out
    }

    static func check(answer: Value, to q: Question, at: String) -> [Diagnostic] {
        func bad(_ code: String, _ m: String) -> [Diagnostic] { [Diagnostic(at: at, code: code, m)] }
        switch q.kind {
        case .singleChoice, .yesNo:
            guard let s = answer.stringValue else {
                return bad("bad_type", "answer to '\(q.id)' must be one of: \(q.allowedDescription)")
            }
            if !q.options.contains(where: { $0.value == s }) {
                return bad("unknown_option", "'\(s)' is not an option of '\(q.id)'; valid: \(q.allowedDescription)")
            }
        case .multipleChoice:
            let items: [Value]
            if case .array(let a) = answer { items = a } else { items = [answer] }
            var out: [Diagnostic] = []
            for item in items {
                guard let s = item.stringValue, q.options.contains(where: { $0.value == s }) else {
                    out += bad(
                        "unknown_option", "'\(item)' is not an option of '\(q.id)'; valid: \(q.allowedDescription)")
                    continue
                }
            }
            return out
        case .scale:
            guard let i = answer.intValue else {
                return bad("bad_type", "answer to '\(q.id)' must be a whole number \(q.allowedDescription)")
            }
            if i < Int64(q.min ?? 1) || i > Int64(q.max ?? 5) {
                return bad("out_of_range", "\(i) is outside \(q.allowedDescription) for '\(q.id)'")
            }
        case .number:
            if answer.doubleValue == nil { return bad("bad_type", "answer to '\(q.id)' must be a number") }
        case .text:
            guard let s = answer.stringValue else { return bad("bad_type", "answer to '\(q.id)' must be text") }
            if s.utf8.count > Schema.maxStringBytes {
                return bad("too_long", "answer to '\(q.id)' is longer than \(Schema.maxStringBytes) bytes")
            }
        }
        return []
    }
}
