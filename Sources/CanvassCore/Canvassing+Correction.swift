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
                guard !stillWanted, current[key]?[field] == written else { continue }
                out[key, default: [:]][field] = before[key]?[field] ?? .null
            }
        }
        for (key, values) in wanted {
            for (field, value) in values where current[key]?[field] != value { out[key, default: [:]][field] = value }
        }
        return out.keys.sorted().map { ($0, out[$0]!) }
    }

    /// How many times a person was knocked or called: their interactions, less those a later
    /// interaction corrects (a correction records the same knock or call again).
    public static func attempts(_ interactions: [(id: String, corrects: String?)]) -> Int {
        let corrected = Set(interactions.compactMap(\.corrects))
        return interactions.filter { !corrected.contains($0.id) }.count
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
