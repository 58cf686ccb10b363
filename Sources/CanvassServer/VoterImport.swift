import CanvassCore
import CanvassProtocol

/// The server's admin import of a voter file: the same reader and rules as the coordinator's
/// `canvass import` (`VoterFileRead`, `VoterFilePlan`), matched against the server's store.
extension ServerAdmin {
    /// Plans importing a voter file into `campaign`; `load` the plan's writes to apply it.
    /// - Throws: `bad_request` with every problem as details when the file cannot be read or
    ///   mapped, or when any row is bad: an admin import takes a whole file or nothing.
    public func importVoterFile(csv: String, campaign: String, overrides: [String] = []) async throws -> VoterFilePlan {
        let read = VoterFileRead.read(csv: csv, overrides: overrides)
        let errors = (read.fileProblems + read.rowProblems).filter { $0.severity == .error }
        if !errors.isEmpty {
            throw ServerError.badRequest(
                "the voter file has \(errors.count) problem(s); nothing was imported:\n"
                    + errors.prefix(20).map { "  \($0.location): \($0.message)" }.joined(separator: "\n"),
                details: errors)
        }
        let existing = VoterFileIndex(
            contacts: try await storage.records(in: "contacts").map { ($0.key.id, $0.values) },
            households: try await storage.records(in: "households").map { ($0.key.id, $0.values) })
        return VoterFilePlan(people: read.people, campaign: campaign, existing: existing)
    }
}
