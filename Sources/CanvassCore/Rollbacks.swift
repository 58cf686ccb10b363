/// Which interactions a coordinator rolled back in quality review: those named by a `rollbacks`
/// record that exists. A roll-back deletes nothing; deleting the roll-back record (its `_deleted`
/// register) restores the interaction. Every report, GOTV count and segment reads interactions
/// through this rule, so a rolled-back knock counts nowhere.
public enum Rollbacks {
    /// The ids of the rolled-back interactions, from `rollbacks` records (any superset: other
    /// collections and deleted records are ignored).
    public static func rolledBack(_ records: some Sequence<RecordValues>) -> Set<String> {
        var out: Set<String> = []
        for r in records where r.key.collection == "rollbacks" && r.exists {
            out.insert(r["interaction_id"]?.stringValue ?? r.key.id)
        }
        return out
    }

    /// The fields `rolledBack` reads.
    public static let fields = ["interaction_id"]
}
