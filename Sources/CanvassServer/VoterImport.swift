import CanvassCore
import CanvassProtocol
import Foundation
import SwiftCSV

/// Reads a voter file in the common US layout (the columns of `fixtures/voters.csv`) into
/// households and contacts. Every problem is reported with its row and column; nothing is
/// imported from a file with errors.
public enum VoterImport {
    public static let requiredColumns = [
        "voter_id", "household_id", "first_name", "last_name", "street_number", "street_name",
    ]

    /// The module's one error: `bad_request`, with every problem of the file as details.
    static func problem(_ diagnostics: [Diagnostic]) -> ServerError {
        .badRequest(
            "the voter file has \(diagnostics.count) problem(s); nothing was imported:\n"
                + diagnostics.prefix(20).map { "  \($0.location): \($0.message)" }.joined(separator: "\n"),
            details: diagnostics)
    }

    public static func parse(csv text: String) throws -> [Voter] {
        let csv: CSV<Named>
        do {
            csv = try CSV<Named>(string: text, delimiter: .comma, loadColumns: false)
        } catch {
            throw problem([Diagnostic(at: "file", code: "bad_csv", "not readable as CSV: \(error)")])
        }
        let missing = requiredColumns.filter { !csv.header.contains($0) }
        if !missing.isEmpty {
            throw problem([
                Diagnostic(
                    at: "header", code: "missing_column",
                    "missing column(s): \(missing.joined(separator: ", ")); found: \(csv.header.joined(separator: ", "))"
                )
            ])
        }
        var problems: [Diagnostic] = []
        var voters: [Voter] = []
        var ids: Set<String> = []
        for (i, row) in csv.rows.enumerated() {
            let at = "row \(i + 2)"
            func text(_ k: String) -> String { (row[k] ?? "").trimmingCharacters(in: .whitespaces) }
            func int(_ k: String, required: Bool = false) -> Int {
                let t = text(k)
                if t.isEmpty {
                    if required { problems.append(Diagnostic(at: "\(at).\(k)", code: "missing", "\(k) is empty")) };
                    return 0
                }
                guard let n = Int(t) else {
                    problems.append(
                        Diagnostic(at: "\(at).\(k)", code: "bad_type", "\(k) '\(t)' is not a whole number"));
                    return 0
                }
                return n
            }
            func double(_ k: String) -> Double {
                let t = text(k)
                guard !t.isEmpty else { return 0 }
                guard let d = Double(t), d.isFinite else {
                    problems.append(Diagnostic(at: "\(at).\(k)", code: "bad_type", "\(k) '\(t)' is not a number"));
                    return 0
                }
                return d
            }
            let id = text("voter_id")
            if id.isEmpty { problems.append(Diagnostic(at: "\(at).voter_id", code: "missing", "voter_id is empty")) }
            if !ids.insert(id).inserted {
                problems.append(Diagnostic(at: "\(at).voter_id", code: "duplicate", "voter_id \(id) appears twice"))
            }
            if text("household_id").isEmpty {
                problems.append(Diagnostic(at: "\(at).household_id", code: "missing", "household_id is empty"))
            }
            let party = text("party").uppercased()
            if !party.isEmpty && !CampaignSchema.parties.contains(party) {
                problems.append(
                    Diagnostic(
                        at: "\(at).party", code: "unknown_option",
                        "party '\(party)' is not one of \(CampaignSchema.parties.joined(separator: ", "))"))
            }
            voters.append(
                Voter(
                    voterId: id, householdId: text("household_id"), firstName: text("first_name"),
                    middleName: text("middle_name"),
                    lastName: text("last_name"), suffix: text("suffix"),
                    streetNumber: int("street_number", required: true),
                    streetName: text("street_name"), unit: text("unit"), city: text("city"), state: text("state"),
                    zip: text("zip"),
                    latitude: double("latitude"), longitude: double("longitude"), phone: text("phone"),
                    email: text("email"),
                    party: party.isEmpty ? "NPA" : party, precinct: text("precinct"), ward: int("ward"),
                    birthYear: int("birth_year"),
                    gender: text("gender"), registrationDate: text("registration_date"),
                    voteHistory: text("vote_history")))
        }
        if !problems.isEmpty { throw problem(problems) }
        return voters
    }
}
