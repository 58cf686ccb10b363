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
    /// The person says they have already voted (GOTV): marks them voted.
    case voted
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
        /// An answer to an event invitation: yes, no or maybe (`CampaignSchema.rsvpAnswers`),
        /// for the event the question names (`event`).
        case rsvp
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
    /// For an `rsvp` question: the id of the event it invites to.
    public var event: String?
    /// Answers that mark the person voted ("Have you voted yet?" → `[yes]`), for GOTV.
    public var marksVoted: [String]?

    enum CodingKeys: String, CodingKey {
        case id, text, kind = "type", options, min, max, required, next, event
        case marksVoted = "marks_voted"
    }

    public init(
        id: String, text: String, kind: Kind, options: [Option] = [], min: Int? = nil, max: Int? = nil,
        required: Bool = false, next: String? = nil, event: String? = nil, marksVoted: [String]? = nil
    ) {
        self.id = id
        self.text = text
        self.kind = kind
        self.options = options
        self.min = min
        self.max = max
        self.required = required
        self.next = next
        self.event = event
        self.marksVoted = marksVoted
        if kind == .rsvp && options.isEmpty { self.options = Self.rsvpOptions }
    }

    /// The options of every `rsvp` question.
    public static let rsvpOptions = [Option("yes", "Yes"), Option("no", "No"), Option("maybe", "Maybe")]

    /// Whether this answer marks the person voted.
    public func marksVoted(_ answer: Value) -> Bool {
        guard let marks = marksVoted else { return false }
        if case .array(let items) = answer { return items.contains { $0.stringValue.map(marks.contains) ?? false } }
        return answer.stringValue.map(marks.contains) ?? answer.intValue.map { marks.contains(String($0)) } ?? false
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
        event = try c.decodeIfPresent(String.self, forKey: .event)
        marksVoted = try c.decodeIfPresent([String].self, forKey: .marksVoted)
        if kind == .yesNo && options.isEmpty { options = [Option("yes", "Yes"), Option("no", "No")] }
        if kind == .rsvp && options.isEmpty { options = Self.rsvpOptions }
    }

    /// The allowed values as text, for error messages.
    public var allowedDescription: String {
        switch kind {
        case .singleChoice, .multipleChoice, .yesNo, .rsvp: return options.map(\.value).joined(separator: ", ")
        case .scale: return "\(min ?? 1)…\(max ?? 5)"
        case .number: return "a number"
        case .text: return "free text"
        }
    }
}

/// What makes a petition a petition: the statement people sign, the yes/no question whose "yes"
/// is their signature, and optionally the yes/no question whose "yes" is their consent to be
/// contacted again (its text is what they agreed to, shown to them word for word).
public struct Petition: Codable, Sendable, Hashable {
    /// The text people sign.
    public var statement: String
    /// The id of the yes/no question whose "yes" is a signature.
    public var signature: String
    /// The id of the yes/no question whose "yes" is consent to further contact, if any.
    public var consent: String?

    public init(statement: String, signature: String, consent: String? = nil) {
        self.statement = statement
        self.signature = signature
        self.consent = consent
    }
}

/// A door, phone or petition script: result codes, questions and branches.
public struct Survey: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, CaseIterable { case canvass, phone, petition }

    public var id: String
    public var title: String
    public var kind: Kind
    public var intro: String?
    public var resultCodes: [ResultCode]
    public var questions: [Question]
    /// The statement, signature and consent of a petition (`kind: petition` only).
    public var petition: Petition?

    enum CodingKeys: String, CodingKey {
        case id, title, kind, intro, resultCodes = "result_codes", questions, petition
    }

    public init(
        id: String, title: String, kind: Kind, intro: String? = nil, resultCodes: [ResultCode] = ResultCode.standard,
        questions: [Question], petition: Petition? = nil
    ) {
        self.id = id
        self.title = title
        self.kind = kind
        self.intro = intro
        self.resultCodes = resultCodes
        self.questions = questions
        self.petition = petition
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        title = try c.decode(String.self, forKey: .title)
        kind = try c.decode(Kind.self, forKey: .kind)
        intro = try c.decodeIfPresent(String.self, forKey: .intro)
        resultCodes = try c.decodeIfPresent([ResultCode].self, forKey: .resultCodes) ?? ResultCode.standard
        questions = try c.decodeIfPresent([Question].self, forKey: .questions) ?? []
        petition = try c.decodeIfPresent(Petition.self, forKey: .petition)
    }

    /// Whether the answers record a signature on this petition.
    public func isSignature(_ answers: [String: Value]) -> Bool {
        guard let p = petition else { return false }
        return answers[p.signature]?.stringValue == "yes"
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
        if id.isEmpty || id.utf8.count > Schema.maxIDBytes || id.contains(where: { $0.isNewline || $0 == "/" }) {
            out.append(
                Diagnostic(
                    at: "\(root).id", code: "bad_id",
                    "the survey id must be 1–\(Schema.maxIDBytes) bytes on one line, without '/'; lists name it"))
        }
        if title.allSatisfy(\.isWhitespace) {
            out.append(Diagnostic(at: "\(root).title", code: "empty", "the title cannot be empty"))
        }
        var codes: Set<String> = []
        for (i, r) in resultCodes.enumerated() {
            if !codes.insert(r.code).inserted {
                out.append(
                    Diagnostic(
                        at: "\(root).result_codes[\(i)]", code: "duplicate", "result code '\(r.code)' is defined twice")
                )
            }
            if let days = r.recontactDays, days < 0 {
                out.append(
                    Diagnostic(
                        at: "\(root).result_codes[\(i)].recontact_days", code: "bad_range",
                        "recontact_days is the number of days before trying again: 0 or more, not \(days)"))
            }
        }
        for (i, q) in questions.enumerated() {
            let at = "\(root).questions[\(i)]"
            if !ids.insert(q.id).inserted {
                out.append(Diagnostic(at: "\(at).id", code: "duplicate", "question id '\(q.id)' is used twice"))
            }
            var values: Set<String> = []
            for (j, o) in q.options.enumerated() where !values.insert(o.value).inserted {
                out.append(
                    Diagnostic(
                        at: "\(at).options[\(j)]", code: "duplicate",
                        "option '\(o.value)' appears twice in question '\(q.id)'"))
            }
            if q.kind == .number, let lo = q.min, let hi = q.max, lo > hi {
                out.append(Diagnostic(at: at, code: "bad_range", "number question '\(q.id)' needs min ≤ max"))
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
            if q.kind == .rsvp {
                if q.event?.isEmpty ?? true {
                    out.append(
                        Diagnostic(
                            at: "\(at).event", code: "missing",
                            "rsvp question '\(q.id)' needs event: the id of the event it invites to (`canvass event list`)"
                        ))
                }
                if Set(q.options.map(\.value)) != Set(CampaignSchema.rsvpAnswers) {
                    out.append(
                        Diagnostic(
                            at: "\(at).options", code: "bad_value",
                            "an rsvp question's options are yes, no and maybe; leave options out"))
                }
            } else if q.event != nil {
                out.append(
                    Diagnostic(
                        at: "\(at).event", code: "bad_value",
                        "only an rsvp question names an event; question '\(q.id)' is \(q.kind.rawValue)"))
            }
            for (j, m) in (q.marksVoted ?? []).enumerated() {
                let valid: Bool
                switch q.kind {
                case .singleChoice, .multipleChoice, .yesNo: valid = q.options.contains { $0.value == m }
                case .scale: valid = Int(m).map { $0 >= (q.min ?? 1) && $0 <= (q.max ?? 5) } ?? false
                case .text, .number, .rsvp: valid = false
                }
                if !valid {
                    out.append(
                        Diagnostic(
                            at: "\(at).marks_voted[\(j)]", code: "bad_value",
                            "'\(m)' cannot mark a person voted: it is not an answer to '\(q.id)' (\(q.allowedDescription))"
                        ))
                }
            }
        }
        out += checkPetition(at: root)
        out += checkLoops(at: root)
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

    /// A script must end: no chain of branches may come back to a question already asked, or the
    /// interview would never finish. Reports the branch that closes each loop.
    func checkLoops(at root: String) -> [Diagnostic] {
        let index = Dictionary(
            questions.enumerated().map { ($0.element.id, $0.offset) }, uniquingKeysWith: { a, _ in a })
        // Where each question can lead: each option's branch, else its own `next`, else the next in order.
        func targets(_ i: Int) -> [(Int, String)] {
            let q = questions[i]
            var out: [(Int, String)] = []
            let fallback = q.next.map { $0 == "end" ? nil : index[$0] } ?? (i + 1 < questions.count ? i + 1 : nil)
            let branching = q.options.enumerated().filter { $0.element.next != nil }
            for (j, o) in branching {
                if let t = o.next, t != "end", let k = index[t] {
                    out.append((k, "\(root).questions[\(i)].options[\(j)].next"))
                }
            }
            // An unanswered question (not required) takes the fallback too.
            let alwaysBranches = q.required && !q.options.isEmpty && branching.count == q.options.count
            if !alwaysBranches, let k = fallback {
                out.append((k, q.next != nil ? "\(root).questions[\(i)].next" : "\(root).questions[\(i)]"))
            }
            return out
        }
        var state = [Int](repeating: 0, count: questions.count)  // 0 new, 1 on the path, 2 done
        var out: [Diagnostic] = []
        func visit(_ i: Int) {
            state[i] = 1
            for (k, at) in targets(i) {
                if state[k] == 1 {
                    out.append(
                        Diagnostic(
                            at: at, code: "loop",
                            "this branch leads back to '\(questions[k].id)', so the script could never end; branch forward or to end"
                        ))
                } else if state[k] == 0 {
                    visit(k)
                }
            }
            state[i] = 2
        }
        if !questions.isEmpty { visit(0) }
        return out
    }

    /// A petition names its statement and a yes/no signature question (and may name a yes/no
    /// consent question); other surveys have no petition block.
    func checkPetition(at root: String) -> [Diagnostic] {
        let at = "\(root).petition"
        guard let p = petition else {
            if kind == .petition {
                return [
                    Diagnostic(
                        at: at, code: "missing",
                        "a petition needs a petition block: statement (the text people sign) and signature (the yes/no question whose yes is a signature)"
                    )
                ]
            }
            return []
        }
        var out: [Diagnostic] = []
        if kind != .petition {
            out.append(
                Diagnostic(
                    at: at, code: "not_a_petition",
                    "only a survey of kind petition has a petition block; set kind: petition or remove the block"))
        }
        if p.statement.allSatisfy(\.isWhitespace) {
            out.append(Diagnostic(at: "\(at).statement", code: "empty", "the statement people sign cannot be empty"))
        }
        let yesNo = questions.filter { $0.kind == .yesNo }.map(\.id)
        func check(_ id: String, _ key: String, _ role: String) {
            guard let q = question(id) else {
                out.append(
                    Diagnostic(
                        at: "\(at).\(key)", code: "bad_reference",
                        "'\(id)' is not a question id; the \(role) is a yes/no question: \(yesNo.isEmpty ? "there is none" : yesNo.joined(separator: ", "))"
                    ))
                return
            }
            if q.kind != .yesNo || !q.options.contains(where: { $0.value == "yes" }) {
                out.append(
                    Diagnostic(
                        at: "\(at).\(key)", code: "bad_reference",
                        "question '\(id)' is \(q.kind.rawValue); the \(role) must be a yes/no question with a yes option"
                    ))
            }
        }
        check(p.signature, "signature", "signature")
        if let consent = p.consent {
            check(consent, "consent", "consent")
            if consent == p.signature {
                out.append(
                    Diagnostic(
                        at: "\(at).consent", code: "duplicate",
                        "consent and signature must be different questions: signing is not consenting to be contacted"
                    ))
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
        case .singleChoice, .yesNo, .rsvp:
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
