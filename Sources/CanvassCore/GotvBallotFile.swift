/// The rules of a vote-history or ballot-return file (`canvass gotv import`): which column holds
/// the voter id and which the status, and what a status code means. A campaign re-imports such a
/// file every day, so reading it is pure and the same file twice changes nothing the second time.
public struct GotvBallotFile: Sendable, Hashable {
    /// What a column can feed (`--map COLUMN=FIELD`).
    public enum Field: String, Sendable, Hashable, CaseIterable {
        case voterID = "voter_id"
        case status
        case ignore
    }

    /// Headers that hold the status, as `VoterFileMapping.normalize` leaves them, in order of
    /// preference. Voter id headers are the voter file's (`VoterFileMapping.synonyms`).
    public static let statusHeaders = [
        "ballotstatus", "ballotreturnstatus", "returnstatus", "absenteestatus", "mailballotstatus", "ballotstate",
        "status", "votestatus", "votedstatus", "voted", "vote",
    ]

    /// What a status cell says.
    public enum Status: Sendable, Hashable {
        /// A ballot status of `CampaignSchema.ballotStatuses`.
        case ballot(String)
        /// Not voted yet (N, No, 0, empty): nothing to record, and an earlier status is kept.
        case notVoted
        /// Not in the table.
        case unknown
    }

    /// The status table, by code as `code` leaves it (upper case, letters and digits only).
    /// Single letters mean what vote-history files mean by them: V voted, Y yes, A accepted; R is
    /// left out on purpose (returned in some states' files, rejected in others): say which with
    /// `--status R=returned`.
    public static let table: [String: String] = {
        var t: [String: String] = [:]
        for c in ["V", "VOTED", "Y", "YES", "TRUE", "T", "1", "X", "EARLYVOTED", "VOTEDEARLY", "INPERSON"] {
            t[c] = "voted"
        }
        for c in ["A", "ACCEPTED", "ACC", "COUNTED", "VERIFIED", "APPROVED"] { t[c] = "accepted" }
        for c in ["RETURNED", "RET", "RECEIVED", "RCVD", "RECD", "BALLOTRECEIVED", "BALLOTRETURNED"] {
            t[c] = "returned"
        }
        for c in ["SENT", "MAILED", "ISSUED", "BALLOTSENT", "BALLOTMAILED"] { t[c] = "sent" }
        for c in ["REQUESTED", "REQ", "APPLIED", "APPLICATION", "PENDING"] { t[c] = "requested" }
        for c in ["REJECTED", "REJ", "CHALLENGED", "SPOILED", "CANCELLED", "CANCELED", "DENIED"] { t[c] = "rejected" }
        return t
    }()

    /// Codes that mean "not voted".
    public static let notVotedCodes: Set<String> = ["", "N", "NO", "FALSE", "F", "0", "NOTVOTED", "NONE"]

    /// A status cell as the table reads it: upper case, letters and digits only.
    public static func code(_ text: String) -> String {
        String(text.uppercased().filter { $0.isASCII && ($0.isLetter || $0.isNumber) })
    }

    /// The header of each column.
    public let header: [String]
    /// The column of the voter id and of the status.
    public let voterIDColumn: Int?
    public let statusColumn: Int?
    /// Status codes given with `--status CODE=STATUS` (`STATUS` may be `none`: not voted), over the table.
    public let statuses: [String: Status]

    /// Resolves the columns from the header and `--map COLUMN=FIELD`, and the extra status codes
    /// from `--status CODE=STATUS`; every problem is returned, located.
    public static func resolve(header: [String], maps: [String], statuses: [String]) -> (
        GotvBallotFile, [Diagnostic]
    ) {
        var problems: [Diagnostic] = []
        var voterID: Int?
        var status: Int?
        var ignored: Set<Int> = []
        let normalized = header.map(VoterFileMapping.normalize)
        for (i, m) in maps.enumerated() {
            let parts = m.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else {
                problems.append(
                    Diagnostic(at: "--map[\(i + 1)]", code: "bad_value", "--map takes COLUMN=FIELD, got '\(m)'"))
                continue
            }
            guard let column = normalized.firstIndex(of: VoterFileMapping.normalize(parts[0])) else {
                problems.append(
                    Diagnostic(
                        at: "--map[\(i + 1)]", code: "unknown_column",
                        "the file has no column '\(parts[0])'; columns: \(header.joined(separator: ", "))"))
                continue
            }
            switch Field(rawValue: parts[1].lowercased()) {
            case .voterID: voterID = column
            case .status: status = column
            case .ignore: ignored.insert(column)
            case nil:
                problems.append(
                    Diagnostic(
                        at: "--map[\(i + 1)]", code: "unknown_field",
                        "'\(parts[1])' is not a field of a ballot file; fields: voter_id, status, ignore"))
            }
        }
        func pick(_ names: [String]) -> Int? {
            for name in names {
                if let i = normalized.indices.first(where: {
                    normalized[$0] == name && !ignored.contains($0) && $0 != voterID && $0 != status
                }) {
                    return i
                }
            }
            return nil
        }
        voterID = voterID ?? pick(VoterFileMapping.synonyms[.voterID] ?? [])
        status = status ?? pick(statusHeaders)
        if voterID == nil {
            problems.append(
                Diagnostic(
                    at: "line 1", code: "missing_column",
                    "no column holds the voter id; name it with --map COLUMN=voter_id (columns: \(header.joined(separator: ", ")))"
                ))
        }
        if status == nil {
            problems.append(
                Diagnostic(
                    at: "line 1", code: "missing_column",
                    "no column holds the ballot status; name it with --map COLUMN=status (columns: \(header.joined(separator: ", ")))"
                ))
        }
        var extra: [String: Status] = [:]
        for (i, s) in statuses.enumerated() {
            let parts = s.split(separator: "=", maxSplits: 1).map(String.init)
            let target = parts.count == 2 ? parts[1].lowercased() : ""
            if parts.count == 2, target == "none" {
                extra[code(parts[0])] = .notVoted
            } else if parts.count == 2, CampaignSchema.ballotStatuses.contains(target) {
                extra[code(parts[0])] = .ballot(target)
            } else {
                problems.append(
                    Diagnostic(
                        at: "--status[\(i + 1)]", code: "bad_value",
                        "--status takes CODE=STATUS with STATUS one of \(CampaignSchema.ballotStatuses.joined(separator: ", ")) or none, got '\(s)'"
                    ))
            }
        }
        return (GotvBallotFile(header: header, voterIDColumn: voterID, statusColumn: status, statuses: extra), problems)
    }

    /// What a status cell means: `--status` codes first, then the table.
    public func status(_ text: String) -> Status {
        let c = Self.code(text)
        if let s = statuses[c] { return s }
        if let s = Self.table[c] { return .ballot(s) }
        if Self.notVotedCodes.contains(c) { return .notVoted }
        return .unknown
    }

    /// One data row: its voter id and what its status says, or nil with the row's problems (an
    /// empty voter id, an unknown status) at `line N, COLUMN`.
    public func read(_ cells: [String], line: Int) -> (row: (voterID: String, status: Status)?, problems: [Diagnostic])
    {
        guard let v = voterIDColumn, let s = statusColumn else { return (nil, []) }
        let id = v < cells.count ? CriteriaField.trim(cells[v]) : ""
        let text = s < cells.count ? CriteriaField.trim(cells[s]) : ""
        let status = status(text)
        var out: [Diagnostic] = []
        if id.isEmpty {
            out.append(Diagnostic(at: "line \(line), \(header[v])", code: "missing", "no voter id; the row is skipped"))
        }
        if status == .unknown {
            let hint =
                Self.code(text) == "R"
                ? "R means returned in some states' files and rejected in others: say which with --status R=returned or --status R=rejected"
                : "known codes: V/voted, A/accepted, returned, sent, requested, rejected, N (not voted); add one with --status \(text)=STATUS"
            out.append(
                Diagnostic(
                    at: "line \(line), \(header[s])", code: "unknown_status",
                    "'\(text)' is not a ballot status the import knows; \(hint)"))
        }
        return (out.isEmpty ? (id, status) : nil, out)
    }
}

/// What a ballot file changes: each row's person found by voter id, and `ballot_status` written
/// where it differs, so importing the same file again writes nothing. A row saying "not voted"
/// writes nothing and keeps an earlier status (a daily file that lags never un-votes anyone).
/// When a voter id repeats, its last row counts (a warning names the earlier one).
public struct GotvImportPlan: Sendable {
    public struct Counts: Sendable, Codable, Hashable {
        /// Good rows whose voter id matched a person here.
        public var matched = 0
        /// Good rows whose voter id matched nobody here (in this campaign).
        public var unknownVoterIDs = 0
        /// People whose `ballot_status` the import writes, and those already holding it.
        public var updated = 0
        public var unchanged = 0
        /// Rows saying not voted (nothing written).
        public var notVoted = 0
        /// Rows repeating an earlier row's voter id (the last counts).
        public var duplicates = 0
        /// People by the status the file gives them.
        public var byStatus: [String: Int] = [:]

        public init() {}

        enum CodingKeys: String, CodingKey {
            case matched, updated, unchanged, duplicates
            case unknownVoterIDs = "unknown_voter_ids"
            case notVoted = "not_voted"
            case byStatus = "by_status"
        }
    }

    public let counts: Counts
    /// `contacts` writes of `ballot_status`.
    public let writes: [(key: RecordKey, values: [String: Value])]
    /// Warnings: repeated voter ids, by line.
    public let problems: [Diagnostic]

    /// - Parameters:
    ///   - rows: the file's good rows.
    ///   - contacts: the people here (contact id, voter id, current `ballot_status`).
    public init(
        rows: [(line: Int, voterID: String, status: GotvBallotFile.Status)],
        contacts: [(id: String, voterID: String, ballotStatus: String?)]
    ) {
        var byVoter: [String: [(id: String, ballotStatus: String?)]] = [:]
        for c in contacts { byVoter[c.voterID, default: []].append((c.id, c.ballotStatus)) }
        var last: [String: (line: Int, status: GotvBallotFile.Status)] = [:]
        var order: [String] = []
        var problems: [Diagnostic] = []
        var counts = Counts()
        for r in rows {
            if let earlier = last[r.voterID] {
                counts.duplicates += 1
                problems.append(
                    Diagnostic(
                        .warning, at: "line \(r.line)", code: "duplicate",
                        "voter id \(r.voterID) is also on line \(earlier.line); this later row counts"))
            } else {
                order.append(r.voterID)
            }
            last[r.voterID] = (r.line, r.status)
        }
        var writes: [(key: RecordKey, values: [String: Value])] = []
        for voter in order {
            guard let people = byVoter[voter] else {
                counts.unknownVoterIDs += 1
                continue
            }
            counts.matched += 1
            guard case .ballot(let status) = last[voter]!.status else {
                counts.notVoted += 1
                continue
            }
            for p in people {
                counts.byStatus[status, default: 0] += 1
                if p.ballotStatus == status {
                    counts.unchanged += 1
                } else {
                    counts.updated += 1
                    writes.append((RecordKey("contacts", p.id), ["ballot_status": .string(status)]))
                }
            }
        }
        self.counts = counts
        self.writes = writes
        self.problems = problems
    }
}
