extension Canvassing {
    /// The writes that correct a saved result's effects when the result is answered again (`b`
    /// in a shift): the new result's effect writes that do not hold yet, and, for each write of the
    /// old result's effect that the new one does not make, the value the field held before the
    /// first save, written back only while the field still holds what the effect wrote (a later
    /// edit by anyone stays). Corrected from wrong number to contacted, `phone_bad` goes back
    /// to what it was; from not home to moved, `moved` and the household's `bad_address` are set.
    ///
    /// - Parameters:
    ///   - before: the fields' values before the first save (nil: the field was not held).
    ///   - current: the fields' values now.
    public static func correctionWrites(
        from old: ResultEffect, to new: ResultEffect, channel: Channel, person: String, household: String?,
        before: [RecordKey: [String: Value]], current: [RecordKey: [String: Value]]
    ) -> [(key: RecordKey, values: [String: Value])] {
        let wanted = effectWrites(new, channel: channel, person: person, household: household)
        var out: [RecordKey: [String: Value]] = [:]
        for (key, values) in effectWrites(old, channel: channel, person: person, household: household) {
            for (field, written) in values {
                let stillWanted = wanted.contains { $0.key == key && $0.values[field] == written }
                let restored = before[key]?[field] ?? .null
                guard !stillWanted, current[key]?[field] == written, restored != written else { continue }
                out[key, default: [:]][field] = restored
            }
        }
        for (key, values) in wanted {
            for (field, value) in values where current[key]?[field] != value { out[key, default: [:]][field] = value }
        }
        return out.keys.sorted().map { ($0, out[$0]!) }
    }

    /// Which of a person's interactions are corrected, and by which: the interaction a later one
    /// names in `corrects`, when both are the same user's (nobody corrects another's door, and a
    /// `corrects` naming another person's interaction is not among these).
    /// - Returns: corrected id → correcting id.
    public static func corrections(_ interactions: [(id: String, corrects: String?, user: String?)]) -> [String: String]
    {
        let users = Dictionary(interactions.map { ($0.id, $0.user) }, uniquingKeysWith: { a, _ in a })
        var out: [String: String] = [:]
        for i in interactions {
            guard let target = i.corrects, target != i.id, let owner = users[target], owner == i.user else { continue }
            out[target] = i.id
        }
        return out
    }

    /// How many times a person was knocked or called: their interactions, less those a later one
    /// corrects (`corrections`: a correction records the same knock or call again).
    public static func attempts(_ interactions: [(id: String, corrects: String?, user: String?)]) -> Int {
        interactions.count - corrections(interactions).count
    }

    /// The fields a result's effect writes, for reading their values before a save.
    public static func effectFields(
        _ effect: ResultEffect, channel: Channel, person: String, household: String?
    ) -> [RecordKey: [String]] {
        var out: [RecordKey: [String]] = [:]
        for (key, values) in effectWrites(effect, channel: channel, person: person, household: household) {
            out[key, default: []] += values.keys.sorted()
        }
        return out
    }
}
