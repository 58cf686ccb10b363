import CanvassCore
import CanvassProtocol
import CanvassStore
import Foundation

/// What a device does when the server says it was revoked: voter data is PII, and a revoked
/// laptop (lost, stolen, or a volunteer who left) must not keep it.
public enum Revocation {
    public static let serverCode = "device_revoked"

    /// Discards every synced record and the checkpoint in one transaction, keeping only this
    /// device's writes the server never accepted, then compacts the file so the deleted data does
    /// not linger in it. Returns the error to show: what was kept and what to do with it.
    public static func discardSyncedData(_ store: ReplicaStore) throws -> ClientError {
        let result = try store.transaction { tx -> DiscardResult in
            let result = try tx.discardSynced()
            if var session = try Session.load(tx) {
                session.checkpoint = nil
                try session.save(tx)
            }
            return result
        }
        try store.scrub()
        var message =
            "this device was revoked by a coordinator; its synced voter data (\(result.discarded) record(s)) was deleted from this computer."
        if result.kept.isEmpty {
            message += " Nothing unsynced was kept. Run `canvass logout --wipe` to remove the rest."
        } else {
            message +=
                " Kept \(result.kept.count) record(s) with changes the server never accepted (below): run `canvass export-unsynced FILE` and give FILE to your coordinator (`canvass import-unsynced FILE`), then `canvass logout --wipe --force`."
        }
        let shown = result.kept.prefix(20).map {
            Diagnostic(.warning, at: $0.description, code: "kept", "kept: never pushed")
        }
        var problems = Array(shown)
        if result.kept.count > shown.count {
            problems.append(Diagnostic(.warning, at: "…", code: "kept", "and \(result.kept.count - shown.count) more"))
        }
        return ClientError(.revoked, message, problems: problems)
    }
}

/// What `canvass logout` did.
public struct SignOutReport: Codable, Sendable, Equatable {
    public var server: String?
    public var replica: String?
    /// Whether the server confirmed the token is dead (204, or 401: already revoked or unknown).
    public var revokedOnServer: Bool
    /// Why not, when not.
    public var serverAnswer: String?
    /// The command a coordinator runs to revoke the device when this device could not.
    public var revokeCommand: String?
    public var wiped: Bool
    /// Changes the server never accepted: left in the kept store, or lost with a forced wipe.
    public var unsynced: Int
    public var rejected: Int

    enum CodingKeys: String, CodingKey {
        case server, replica, wiped, unsynced, rejected
        case revokedOnServer = "revoked_on_server"
        case serverAnswer = "server_answer"
        case revokeCommand = "revoke_command"
    }

    /// Every key, with null where there is nothing to say (`revoke_command` when revoked).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(server, forKey: .server)
        try c.encode(replica, forKey: .replica)
        try c.encode(revokedOnServer, forKey: .revokedOnServer)
        try c.encode(serverAnswer, forKey: .serverAnswer)
        try c.encode(revokeCommand, forKey: .revokeCommand)
        try c.encode(wiped, forKey: .wiped)
        try c.encode(unsynced, forKey: .unsynced)
        try c.encode(rejected, forKey: .rejected)
    }
}

/// Ending a session: the device revokes its own token on the server, then forgets it (and with
/// `wipe`, deletes the store).
public enum SignOut {
    /// - Parameters:
    ///   - wipe: delete the store files too. Refused while changes are unsynced or rejected,
    ///     unless `force`: they would be lost.
    ///   - transport: how to reach the session's server; nil when it cannot be built.
    public static func signOut(
        store: ReplicaStore, wipe: Bool, force: Bool, transport: (any DeviceRevoking)?
    ) async throws -> SignOutReport {
        let session = try Session.load(from: store)
        guard session != nil || wipe else {
            throw ClientError(
                .notLoggedIn, "not logged in: nothing to sign out of (`canvass logout --wipe` deletes the local store)")
        }
        let counts = try store.counts()
        if wipe && counts.pending + counts.rejected > 0 && !force {
            throw ClientError(
                .unsynced,
                "\(counts.pending) unsynced and \(counts.rejected) rejected change(s) would be lost: run `canvass sync` (and see `canvass status`), or `canvass export-unsynced FILE` for your coordinator, or add --force"
            )
        }
        var report = SignOutReport(
            server: session?.serverURL, replica: try store.replicaID()?.rawValue, revokedOnServer: false, wiped: wipe,
            unsynced: counts.pending, rejected: counts.rejected)
        if let session {
            (report.revokedOnServer, report.serverAnswer) = await revoke(session, transport)
            if !report.revokedOnServer {
                report.revokeCommand = "canvass device revoke \(session.replicaID.rawValue)"
            }
            try Session.clear(store)
        } else {
            report.serverAnswer = "this store had already signed out"
        }
        if wipe { try store.deleteFiles() }
        return report
    }

    /// Revokes the session's own device. 204 means revoked; 401 (`device_revoked` or
    /// `unauthorized`) means the token is already dead. Anything else leaves it live.
    static func revoke(_ session: Session, _ transport: (any DeviceRevoking)?) async -> (Bool, String?) {
        guard let transport else { return (false, "the server address \(session.serverURL) is not usable") }
        do {
            try await transport.revoke(session.replicaID, token: session.token)
            return (true, nil)
        } catch let error as ClientError where error.status == 401 {
            return (true, "the token was already dead (\(error.serverCode ?? ""))")
        } catch let error as ClientError {
            return (false, error.isRetryable ? "the server could not be reached" : "\(error)")
        } catch {
            return (false, "\(error)")
        }
    }
}
