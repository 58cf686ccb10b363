import CanvassTestSupport
import Foundation
import Testing

/// A coordinator's accounts through the real binaries: users added from the CLI, a walk list
/// assigned to two of them (offline-capable writes), both canvassers holding disjoint door
/// checkouts, a share code that logs a third volunteer straight into the list, a revocation, and
/// the online-only commands refusing clearly when the server is gone.
@Suite(.serialized) struct CoordinatorAccountsTests {
    static func json(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    static func array(_ text: String) -> [[String: Any]] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [[String: Any]] ?? []
    }

    /// The households of `list` checked out to this device, and those held by others.
    static func held(_ list: String, home: String) async throws -> (mine: Set<String>, taken: Set<String>) {
        let walk = try await canvass(["walk", list, "--json"], home: home)
        #expect(walk.status == 0, "\(walk.err)")
        let stops = array(walk.out)
        func ids(_ hold: String) -> Set<String> {
            Set(stops.filter { $0["checkout"] as? String == hold }.compactMap { $0["household_id"] as? String })
        }
        return (ids("mine"), ids("taken"))
    }

    @Test func aCoordinatorAddsCanvassersAssignsASharedListAndSharesIt() async throws {
        let dir = try temporaryDirectory("canvass-accounts")
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try ServerProcess(
            arguments: ["demo"], dataDirectory: dir.appendingPathComponent("server").path,
            environment: ["CANVASS_CHECKOUT_BATCH": "10"])
        defer { server.stop() }
        func home(_ name: String) -> String { dir.appendingPathComponent(name).path }
        let coordinator = home("coordinator")
        let login = try await canvass(
            ["login", server.baseURL, try #require(server.code(for: "coordinator"))], home: coordinator)
        #expect(login.status == 0, "\(login.err)")

        // Two canvassers from the command line; each printed code is theirs.
        var codes: [String: String] = [:]
        for name in ["Ana Diaz", "Ben Okafor"] {
            let added = try await canvass(["user", "add", name, "--role", "canvasser", "--json"], home: coordinator)
            #expect(added.status == 0, "\(added.err)")
            let report = Self.json(added.out)
            #expect((report["user"] as? [String: Any])?["role"] as? String == "canvasser")
            #expect(report["directory_updated"] as? Bool == true)
            codes[name] = report["code"] as? String
        }
        let twice = try await canvass(["user", "add", "Ana Diaz"], home: coordinator)
        #expect(twice.status == 77 && twice.err.contains("already exists"), "\(twice.err)")
        let admin = try await canvass(["user", "add", "Boss", "--role", "admin"], home: coordinator)
        #expect(admin.status == 77 && admin.err.contains("forbidden"), "only an admin adds an admin: \(admin.err)")
        #expect(try await canvass(["user", "add", "X", "--role", "chief"], home: coordinator).status == 64)

        // The list goes to both, through the directory (a name in any case), then one sync.
        let assigned = try await canvass(["list", "assign", "turf-02", "Ana Diaz", "--json"], home: coordinator)
        #expect(assigned.status == 0, "\(assigned.err)")
        #expect(Self.json(assigned.out)["change"] as? String == "assigned")
        #expect(try await canvass(["list", "assign", "turf-02", "ben okafor"], home: coordinator).status == 0)
        let nobody = try await canvass(["list", "assign", "turf-02", "Nobody"], home: coordinator)
        #expect(nobody.status == 65 && nobody.err.contains("canvass user add"))
        #expect(try await canvass(["sync"], home: coordinator).status == 0)

        // Both log in with their printed codes and sync: disjoint batches of ten doors.
        for name in ["Ana Diaz", "Ben Okafor"] {
            let h = home(name)
            let l = try await canvass(["login", server.baseURL, try #require(codes[name])], home: h)
            #expect(l.status == 0 && l.out.contains("turf-02"), "\(l.err)")
        }
        #expect(try await canvass(["sync"], home: home("Ana Diaz")).status == 0)
        let ana = try await Self.held("turf-02", home: home("Ana Diaz"))
        let ben = try await Self.held("turf-02", home: home("Ben Okafor"))
        #expect(ana.mine.count == 10 && ben.mine.count == 10)
        #expect(ana.mine.isDisjoint(with: ben.mine))
        #expect(ana.taken == ben.mine, "Ana sees Ben's doors as taken")

        // A share code logs a third volunteer straight into the list, with a batch of her own.
        let share = try await canvass(["list", "share", "turf-02", "--expires", "8", "--json"], home: coordinator)
        #expect(share.status == 0, "\(share.err)")
        let shareCode = try #require(Self.json(share.out)["code"] as? String)
        let cy = home("cy")
        let joined = try await canvass(
            ["login", server.baseURL, shareCode, "--name", "Cy Volunteer", "--json"], home: cy)
        #expect(joined.status == 0, "\(joined.err)")
        let report = Self.json(joined.out)
        #expect((report["user"] as? [String: Any])?["name"] as? String == "Cy Volunteer")
        #expect(((report["lists"] as? [[String: Any]]) ?? []).map { $0["id"] as? String } == ["turf-02"])
        let third = try await Self.held("turf-02", home: cy)
        #expect(third.mine.count == 10 && third.mine.isDisjoint(with: ana.mine.union(ben.mine)))

        // Users and devices, online; Ben's laptop revoked stops syncing.
        let users = Self.array(try await canvass(["user", "list", "--json"], home: coordinator).out)
        #expect(
            Set(users.compactMap { $0["name"] as? String }).isSuperset(of: ["Ana Diaz", "Ben Okafor", "Cy Volunteer"]))
        let devices = Self.array(try await canvass(["device", "list", "--json"], home: coordinator).out)
        let bens = try #require(devices.first { $0["user_name"] as? String == "Ben Okafor" }?["replica_id"] as? String)
        let newCode = try await canvass(["user", "code", "ben okafor", "--json"], home: coordinator)
        #expect(newCode.status == 0 && Self.json(newCode.out)["code"] is String, "\(newCode.err)")
        #expect(try await canvass(["device", "revoke", bens], home: coordinator).status == 0)
        #expect(try await canvass(["sync"], home: home("Ben Okafor")).status == 77)
        let canvasserTries = try await canvass(["user", "list"], home: home("Ana Diaz"))
        #expect(canvasserTries.status == 77 && canvasserTries.err.contains("forbidden"))

        // Offline: the online commands say so and exit 69; assignments still work.
        server.stop()
        let offline = try await canvass(["user", "list"], home: coordinator)
        #expect(offline.status == 69 && offline.err.contains("needs a connection"), "\(offline.err)")
        #expect(try await canvass(["list", "share", "turf-02"], home: coordinator).status == 69)
        let unassigned = try await canvass(["list", "unassign", "turf-02", "Ana Diaz", "--json"], home: coordinator)
        #expect(unassigned.status == 0 && Self.json(unassigned.out)["change"] as? String == "unassigned")
    }
}
