import CanvassCore
import CanvassProtocol

/// An `automation_rules` record read back as a rule (issue 12): the record's id and
/// `campaign_id` win over the YAML's (a record is filed under them, and the push judge checked
/// its source), and a source that no longer decodes keeps its problems instead of a rule.
public struct AutomationRuleRecord: Sendable, Hashable {
    public let id: String
    public let campaign: String
    public let name: String
    public let paused: Bool
    public let source: String
    /// The decoded rule; nil when `source` does not decode (see `problems`).
    public let rule: AutomationRule?
    /// Each problem of `source`, with its line and column.
    public let problems: [String]

    /// Nil for a deleted record or another collection's.
    public init?(_ record: Record) {
        guard record.key.collection == "automation_rules", !record.isDeleted else { return nil }
        id = record.key.id
        source = record["source"]?.stringValue ?? ""
        paused = record["paused"] == .bool(true)
        var campaign = record["campaign_id"]?.stringValue
        var name = record["name"]?.stringValue
        do {
            var rule = try AutomationDocument.decode(yaml: source)
            rule.id = record.key.id
            rule.activeSince = record["added_at"]?.intValue ?? 0
            if let campaign { rule.campaign = campaign }
            campaign = rule.campaign
            name = name ?? rule.name
            self.rule = rule
            problems = []
        } catch let error as ProtocolError {
            rule = nil
            problems = error.problems.isEmpty ? [error.message] : error.problems.map(\.description)
        } catch {
            rule = nil
            problems = ["\(error)"]
        }
        self.campaign = campaign ?? ""
        self.name = name ?? record.key.id
    }

    /// The rules the engine runs: not deleted, not paused, and decoding.
    public static func active(_ records: [Record]) -> [AutomationRuleRecord] {
        records.compactMap(AutomationRuleRecord.init).filter { !$0.paused && $0.rule != nil }
    }
}
