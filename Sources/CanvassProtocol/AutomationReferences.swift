import CanvassCore
import Yams

/// What an automation rule names that must exist where it runs (issue 12): the campaign, the
/// groups of its entry, triggers and actions, the lists it adds people to, the mailings it sends,
/// and the groups, result codes and questions its criteria name. `AutomationDocument.decode`
/// checks the file alone; this checks it against a campaign, each problem at its line and column,
/// so `canvass automation add` refuses a rule that would fire into nothing.
extension AutomationDocument {
    /// The ids that exist in the campaign.
    public struct Known: Sendable {
        /// The campaign's static groups (rules name them by id: memberships are `GROUP@PERSON`).
        public var groups: [(id: String, name: String)]
        public var lists: [String]
        public var mailings: [String]
        /// Result codes and questions the campaign's criteria may name (groups are taken from `groups`).
        public var vocabulary: Criteria.Vocabulary

        public init(
            groups: [(id: String, name: String)], lists: [String], mailings: [String],
            vocabulary: Criteria.Vocabulary = Criteria.Vocabulary()
        ) {
            self.groups = groups
            self.lists = lists
            self.mailings = mailings
            self.vocabulary = vocabulary
        }
    }

    /// Every reference of a rule file (one that `decode` accepts) that does not exist in
    /// `campaign`, in document order, each with its line and column.
    public static func referenceProblems(yaml: String, campaign: String, known: Known) -> [ProtocolError.Problem] {
        guard let root = try? Yams.compose(yaml: yaml), let map = root.mapping else { return [] }
        var checker = ReferenceChecker(known: known)
        if let c = map["campaign"], let text = c.string, text != campaign {
            checker.add(
                c, "rule.campaign", "wrong_campaign",
                "this rule is for campaign '\(text)', not '\(campaign)'; add it to '\(text)' or change its campaign")
        }
        if let entry = map["entry"]?.mapping {
            if let g = entry["group"] { checker.group(g, "rule.entry.group") }
            if let s = entry["segment"] { checker.criteria(s, "rule.entry.segment") }
        }
        for (i, step) in (map["steps"]?.sequence ?? []).enumerated() {
            guard let s = step.mapping else { continue }
            let at = "rule.steps[\(i)]"
            if let t = s["trigger"] { checker.trigger(t, "\(at).trigger") }
            if let c = s["conditions"] { checker.criteria(c, "\(at).conditions") }
            if let a = s["actions"] { checker.actions(a, "\(at).actions") }
            if let d = s["decision"]?.mapping {
                if let w = d["wait_for"] { checker.trigger(w, "\(at).decision.wait_for") }
                if let y = d["yes"] { checker.actions(y, "\(at).decision.yes") }
                if let n = d["no"] { checker.actions(n, "\(at).decision.no") }
            }
        }
        return SurveyDocument.ordered(checker.problems)
    }

    struct ReferenceChecker {
        let known: Known
        var problems: [ProtocolError.Problem] = []

        mutating func add(_ node: Node, _ at: String, _ code: String, _ message: String) {
            problems.append(
                .init(Diagnostic(at: at, code: code, message), line: node.mark?.line, column: node.mark?.column))
        }

        mutating func exists(_ node: Node, _ at: String, _ what: String, _ ids: [String], hint: String) {
            guard let id = node.string, !ids.contains(id) else { return }
            let suggestion = SurveyDocument.closest(id, in: ids).map { "did you mean '\($0)'? " } ?? ""
            add(
                node, at, "unknown_\(what)",
                ids.isEmpty
                    ? "no \(what) '\(id)' in this campaign, and none yet (\(hint))"
                    : "no \(what) '\(id)' in this campaign; \(suggestion)\(what)s: \(ids.sorted().joined(separator: ", "))"
            )
        }

        mutating func group(_ node: Node, _ at: String) {
            if let id = node.string,
                let byName = known.groups.first(where: { $0.name.lowercased() == id.lowercased() }),
                byName.id != id
            {
                add(
                    node, at, "group_by_name",
                    "rules name groups by id: write '\(byName.id)' for group '\(byName.name)'")
                return
            }
            exists(node, at, "group", known.groups.map(\.id), hint: "canvass group create CAMPAIGN NAME")
        }

        mutating func trigger(_ node: Node, _ at: String) {
            guard let t = node.mapping, t["kind"]?.string == "group", let g = t["group"] else { return }
            group(g, "\(at).group")
        }

        mutating func actions(_ node: Node, _ at: String) {
            for (j, item) in (node.sequence ?? []).enumerated() {
                guard let (k, value) = item.mapping?.first, let key = k.string else { continue }
                let here = "\(at)[\(j)].\(key)"
                switch key {
                case "add_to_group", "remove_from_group": group(value, here)
                case "add_to_list": exists(value, here, "list", known.lists, hint: "canvass list cut CAMPAIGN")
                case "send_email":
                    exists(
                        value, here, "mailing", known.mailings,
                        hint: "canvass mailing create CAMPAIGN NAME --segment S --subject TEXT --template FILE")
                default: break
                }
            }
        }

        /// Criteria against the campaign: groups by id only (the engine compares ids), result
        /// codes and questions of its surveys.
        mutating func criteria(_ node: Node, _ at: String) {
            guard let text = node.string else { return }
            var vocabulary = known.vocabulary
            vocabulary.groups = known.groups.map { ($0.id, $0.id) }
            guard case .invalid(let found) = Criteria.parse(text, vocabulary: vocabulary) else { return }
            let quoted = node.scalar.map { $0.style == .singleQuoted || $0.style == .doubleQuoted } ?? false
            for p in found {
                problems.append(
                    .init(
                        Diagnostic(at: at, code: p.code, p.message), line: node.mark?.line,
                        column: node.mark.map { $0.column + p.column - 1 + (quoted ? 1 : 0) }))
            }
        }
    }
}
