/// Which interactions a coordinator rolled back in quality review: those named by a `rollbacks`
/// record that exists. A roll-back deletes nothing; deleting the roll-back record (its `_deleted`
/// register) restores the interaction. Every report, GOTV count and segment reads interactions
/// through this rule, so a rolled-back knock counts nowhere.
///
/// What counts leaves a rolled-back door out as never knocked: campaign progress, reports,
/// segments, GOTV and turf cuts (so a new cut finds the person due again). A list's own done
/// marks (`canvass lists`, `walk`, `shift`) stay as recorded, on every replica: a canvasser's
/// replica holds no roll-backs (they are coordinator-only), and a coordinator's view of a list
/// shows it as its canvassers see it. To have a rolled-back door knocked again, cut a new list.
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

    /// The interactions that count: those not rolled back.
    /// - Parameter rollbacks: the `rollbacks` records (as `rolledBack` reads them).
    public static func counted(_ interactions: [RecordValues], rollbacks: some Sequence<RecordValues>)
        -> [RecordValues]
    {
        let out = rolledBack(rollbacks)
        return out.isEmpty ? interactions : interactions.filter { !out.contains($0.key.id) }
    }
}
