import CanvassCore
import CanvassFixtures
import CanvassProtocol
import CanvassServer
import Foundation

/// What `canvass-server demo` set up.
struct DemoSetup: Sendable {
    let coordinatorCode: String
    let canvasserCodes: [(name: String, code: String)]
    let sharedList: String
    let lists: Int
    let people: Int
}

/// The README's demo, kept with the executable so the server library does not depend on the
/// fixture generator: the voter file goes through the production import, the lists are cut the
/// way the fixtures describe.
extension ServerAdmin {
    /// Imports a voter file and the three fixture surveys, and cuts walk and call lists.
    /// Safe to run twice: it only loads into an empty store.
    func loadFixtureCampaign(fixtures directory: String, now: Int64) async throws {
        if try await exists(RecordKey("campaigns", CampaignSeed.campaignID)) { return }
        let csv = try String(
            contentsOfFile: (directory as NSString).appendingPathComponent("voters.csv"), encoding: .utf8)
        let plan = try await importVoterFile(csv: csv, campaign: CampaignSeed.campaignID)
        let voters = plan.placed.map(Voter.init)
        var writes = [CampaignSeed.campaign()] + plan.writes
        var surveys: [Survey] = []
        for name in Fixtures.surveyNames {
            let path = (directory as NSString).appendingPathComponent("surveys/\(name).yaml")
            surveys.append(
                try SurveyDocument.decode(yaml: try String(contentsOfFile: path, encoding: .utf8), file: path))
        }
        for s in surveys { writes.append(try CampaignSeed.survey(s)) }
        let door = surveys.first { $0.kind == .canvass }!
        let phone = surveys.first { $0.kind == .phone }!
        let turfs = CampaignSeed.turfs(voters, households: 50)
        for (i, turf) in turfs.enumerated() {
            writes += CampaignSeed.list(
                id: String(format: "turf-%02d", i + 1), name: "Turf \(i + 1): \(turf[0].streetName)", kind: "walk",
                surveyID: door.id, people: turf)
        }
        let callable = voters.filter { !$0.phone.isEmpty }
        for (i, chunk) in stride(from: 0, to: min(callable.count, 600), by: 150).enumerated() {
            writes += CampaignSeed.list(
                id: "calls-\(i + 1)", name: "Phone bank \(i + 1)", kind: "call", surveyID: phone.id,
                people: Array(callable[chunk..<min(chunk + 150, callable.count)]))
        }
        try await load(writes, now: now)
    }

    /// The fixture campaign, a coordinator and two canvassers sharing one walk list (so their
    /// turf overlaps), each with a fresh one-time code.
    func setUpDemo(fixtures directory: String, now: Int64) async throws -> DemoSetup {
        try await loadFixtureCampaign(fixtures: directory, now: now)
        func code(_ name: String, _ role: Role) async throws -> String {
            if let u = try await service.storage.user(named: name) {
                return try await service.issueCode(for: u, now: now)
            }
            return try await service.addUser(name: name, role: role, now: now).code
        }
        let coordinator = try await code("coordinator", .coordinator)
        var canvassers: [(String, String)] = []
        for name in ["canvasser-a", "canvasser-b"] {
            canvassers.append((name, try await code(name, .canvasser)))
            try await assign(list: "turf-01", to: name, now: now)
        }
        return DemoSetup(
            coordinatorCode: coordinator, canvasserCodes: canvassers, sharedList: "turf-01",
            lists: try await lists().count,
            people: try await count("contacts"))
    }
}

extension Voter {
    /// A person the demo's import placed, as the fixture helpers that cut lists take them.
    init(_ p: VoterFilePlan.Placed) {
        let c = p.person.contact
        let h = p.person.household
        func text(_ v: Value?) -> String { v?.stringValue ?? "" }
        self.init(
            voterId: p.person.voterID ?? String(p.contactID.dropFirst(2)), householdId: p.householdID,
            firstName: text(c["first_name"]), middleName: text(c["middle_name"]), lastName: text(c["last_name"]),
            suffix: text(c["suffix"]), streetNumber: p.person.address.number, streetName: p.person.address.street,
            unit: p.person.address.unit, city: p.person.city, state: text(h["state"]), zip: p.person.zip,
            latitude: h["latitude"]?.doubleValue ?? 0, longitude: h["longitude"]?.doubleValue ?? 0,
            phone: text(c["phone"]), email: text(c["email"]), party: text(c["party"]), precinct: text(c["precinct"]),
            ward: Int(c["ward"]?.intValue ?? 0), birthYear: Int(c["birth_year"]?.intValue ?? 0),
            gender: text(c["gender"]), registrationDate: text(c["registration_date"]),
            voteHistory: text(c["vote_history"]))
    }
}
