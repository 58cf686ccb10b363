import CanvassCore
import CanvassProtocol
import CanvassServer
import CanvassTestSupport
import Foundation
import Testing

/// The pure rules of sessions and enrollment: token lifetime, the rate limiter's reservations,
/// who may revoke which device.
@Suite struct SessionRuleTests {
    static let day = TokenLifetime.day
    static let hour = TokenLifetime.hour

    @Test func aTokenExpiresAfterItsIdleDaysAndNeverWithZero() {
        let thirty = TokenLifetime(idleDays: 30)
        let used: Int64 = 1_000_000
        // The recorded use may be an hour old, so the token lives that hour longer, never less.
        #expect(!thirty.isExpired(lastUse: used, now: used))
        #expect(!thirty.isExpired(lastUse: used, now: used + 30 * Self.day))
        #expect(!thirty.isExpired(lastUse: used, now: used + 30 * Self.day + Self.hour))
        #expect(thirty.isExpired(lastUse: used, now: used + 30 * Self.day + Self.hour + 1))
        let never = TokenLifetime(idleDays: 0)
        #expect(never.idleDays == nil)
        #expect(!never.isExpired(lastUse: used, now: used + 10_000 * Self.day))
        // A device that never synced counts from its enrollment.
        #expect(TokenLifetime.lastUse(lastSeen: nil, createdAt: 5) == 5)
        #expect(TokenLifetime.lastUse(lastSeen: 9, createdAt: 5) == 9)
    }

    @Test func aUseIsWrittenAtMostOncePerGranularity() {
        let l = TokenLifetime()
        #expect(l.needsTouch(lastSeen: nil, now: 0))
        #expect(!l.needsTouch(lastSeen: 1_000, now: 1_000 + Self.hour - 1))
        #expect(l.needsTouch(lastSeen: 1_000, now: 1_000 + Self.hour))
    }

    @Test(.freshDatabases, arguments: TestBackend.all)
    func authenticationRefusesAnExpiredTokenAndTouchesHourly(backend: TestBackend) async throws {
        let storage = try await backend.storage()
        let service = SyncService(storage: storage, tokenLifetime: TokenLifetime(idleDays: 30))
        let t0: Int64 = 1_760_000_000_000
        let (_, code) = try await service.addUser(name: "ann", role: .canvasser, now: t0)
        let enrolled = try await service.enroll(EnrollRequest(code: code, deviceName: nil), client: "x", now: t0)
        func lastSeen() async throws -> Int64? {
            try await storage.devices().first { $0.replica == enrolled.replicaID }?.lastSeen
        }

        _ = try await service.authenticate(token: enrolled.token, now: t0 + 10)
        #expect(try await lastSeen() == t0 + 10)
        // Within the hour: no write.
        _ = try await service.authenticate(token: enrolled.token, now: t0 + 30 * 60_000)
        #expect(try await lastSeen() == t0 + 10)
        // After it: written.
        let later = t0 + 2 * Self.hour
        _ = try await service.authenticate(token: enrolled.token, now: later)
        #expect(try await lastSeen() == later)
        // Used within 30 days (and the hour of slack): still fine, and the window slides.
        let stillFine = later + 30 * Self.day + Self.hour
        _ = try await service.authenticate(token: enrolled.token, now: stillFine)
        #expect(try await lastSeen() == stillFine)
        // Unused for longer: 401 unauthorized, saying to log in again; nothing is written.
        do {
            _ = try await service.authenticate(token: enrolled.token, now: stillFine + 30 * Self.day + Self.hour + 1)
            Issue.record("an expired token was accepted")
        } catch let e as ServerError {
            #expect(e.statusCode == 401 && e.body.error.code == "unauthorized")
            #expect(e.body.error.message.contains("log in again"))
        }
        #expect(try await lastSeen() == stillFine)
    }

    @Test func reservationsAreCountedBeforeTheAwaitAndRefundedOnSuccess() {
        let limiter = RateLimiter(perClient: 3, overall: 5, windowMillis: 60_000)
        var held: [RateLimiter.Attempt] = []
        for _ in 0..<3 { if case .granted(let a) = limiter.reserve(client: "a", now: 1_000) { held.append(a) } }
        #expect(held.count == 3)
        // The fourth concurrent attempt is refused although none has finished yet.
        guard case .limited(let retryAfterMillis) = limiter.reserve(client: "a", now: 1_000) else {
            Issue.record("a fourth attempt got a slot"); return
        }
        #expect(retryAfterMillis == 60_000)
        // A right code gives its slot back.
        limiter.refund(held.removeLast())
        guard case .granted = limiter.reserve(client: "a", now: 2_000) else {
            Issue.record("a refunded slot was not free"); return
        }
        // Overall: b gets the last 2 of 5.
        var b = 0
        for _ in 0..<5 { if case .granted = limiter.reserve(client: "b", now: 3_000) { b += 1 } }
        #expect(b == 2)
        // The window passes.
        guard case .granted = limiter.reserve(client: "a", now: 61_001) else {
            Issue.record("the window did not pass"); return
        }
    }

    @Test func concurrentWrongCodesGetExactlyTheLimit() async throws {
        let service = SyncService(storage: try SQLiteServerStorage.inMemory())
        let statuses = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<100 {
                group.addTask {
                    do {
                        _ = try await service.enroll(
                            EnrollRequest(code: "AAAA-AAAA", deviceName: nil), client: "10.0.0.9", now: 5_000)
                        return 200
                    } catch let e as ServerError {
                        return e.statusCode
                    } catch {
                        return 500
                    }
                }
            }
            var counts: [Int: Int] = [:]
            for await s in group { counts[s, default: 0] += 1 }
            return counts
        }
        #expect(statuses == [401: 10, 429: 90])
    }

    @Test(.freshDatabases, arguments: TestBackend.all)
    func aDeviceMayRevokeItselfAndOnlyCoordinatorsOthers(backend: TestBackend) async throws {
        let storage = try await backend.storage()
        let service = SyncService(storage: storage)
        var devices: [String: DeviceIdentity] = [:]
        for (name, role) in [("ann", Role.canvasser), ("bob", .canvasser), ("kim", .coordinator)] {
            let (_, code) = try await service.addUser(name: name, role: role, now: 1)
            let e = try await service.enroll(EnrollRequest(code: code, deviceName: nil), client: name, now: 1)
            devices[name] = try await service.authenticate(token: e.token, now: 2).identity
        }
        let ann = devices["ann"]!, bob = devices["bob"]!, kim = devices["kim"]!
        await #expect(throws: ServerError.self) { try await service.revoke(bob.replica, by: ann, now: 3) }
        try await service.revoke(ann.replica, by: ann, now: 3)
        try await service.revoke(ann.replica, by: ann, now: 4)  // twice is fine
        try await service.revoke(bob.replica, by: kim, now: 5)
        let revoked = try await storage.devices().filter { $0.revokedAt != nil }.map(\.replica)
        #expect(Set(revoked) == [ann.replica, bob.replica])
    }
}
