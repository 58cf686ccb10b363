import CanvassCampaign
import CanvassCore
import CanvassProtocol
import CanvassStore
import Foundation

// A coordinator's campaign email (issue 12): `mailings` records (a Mustache template sent to a
// segment) written by this device, offline. `mailing send` only records the request
// (`send_requested_at`); the server queues one delivery per person (`MAILING@PERSON`, so a second
// send reaches nobody twice) after `canvass sync`, and the deliveries' statuses come back by sync.

/// A mailing as `mailing create`, `list` and `show` describe it.
public struct MailingSummary: Sendable, Codable, Hashable {
    public let id: String
    public let campaignID: String
    public let name: String
    public let segmentID: String?
    public let subject: String
    public let createdAt: Int64?
    /// When a send was last asked for, and by whom; nil before `mailing send`.
    public let sendRequestedAt: Int64?
    public let requestedBy: String?
    /// Deliveries here by status (`pending`, `delivered`, `failed`), as of the last sync.
    public let deliveries: [String: Int]
    /// For `mailing create`: `created`, `replaced` or `unchanged`; nil elsewhere.
    public let change: String?

    enum CodingKeys: String, CodingKey {
        case id, name, subject, deliveries, change
        case campaignID = "campaign_id"
        case segmentID = "segment_id"
        case createdAt = "created_at"
        case sendRequestedAt = "send_requested_at"
        case requestedBy = "requested_by"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(campaignID, forKey: .campaignID)
        try c.encode(name, forKey: .name)
        try c.encode(segmentID, forKey: .segmentID)
        try c.encode(subject, forKey: .subject)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(sendRequestedAt, forKey: .sendRequestedAt)
        try c.encode(requestedBy, forKey: .requestedBy)
        try c.encode(deliveries, forKey: .deliveries)
        try c.encode(change, forKey: .change)
    }
}

/// `mailing show`: the mailing, its template, and every delivery (failed ones first).
public struct MailingView: Sendable, Codable, Hashable {
    public let mailing: MailingSummary
    public let template: String
    public let deliveries: [AutomationDeliveryRow]
}

/// `mailing send`: who gets it and who does not (a dry run also renders the first message).
public struct MailingSendReport: Sendable, Codable, Hashable {
    public struct Recipient: Sendable, Codable, Hashable {
        public let person: String
        public let name: String?
        public let address: String
        /// Whether a delivery to them is in the outbox already (a second send skips them).
        public let queued: Bool
    }

    public struct Skipped: Sendable, Codable, Hashable {
        public let person: String
        public let name: String?
        public let reason: String
    }

    /// The first message as the server would render it (the unsubscribe link is a placeholder).
    public struct Preview: Sendable, Codable, Hashable {
        public let to: String
        public let subject: String
        public let body: String
    }

    public let mailing: String
    public let dryRun: Bool
    public let recipients: [Recipient]
    public let skipped: [Skipped]
    public let preview: Preview?
    /// Set when the send was recorded (not on a dry run).
    public let requestedAt: Int64?

    enum CodingKeys: String, CodingKey {
        case mailing, recipients, skipped, preview
        case dryRun = "dry_run"
        case requestedAt = "requested_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(mailing, forKey: .mailing)
        try c.encode(dryRun, forKey: .dryRun)
        try c.encode(recipients, forKey: .recipients)
        try c.encode(skipped, forKey: .skipped)
        try c.encode(preview, forKey: .preview)
        try c.encode(requestedAt, forKey: .requestedAt)
    }
}

extension FieldClient {
    /// Creates a mailing of a campaign: a Mustache template (`MailTemplate`, over the contact's
    /// fields and `{{unsubscribe_url}}`) sent to a segment's people. Its id comes from the
    /// campaign and the name. Every problem (template, segment, subject) is reported at once and
    /// nothing is written. The same name again replaces the mailing until it was sent.
    public func createMailing(
        campaign: String, name: String, segment: String, subject: String, template file: String, now: Int64
    ) throws -> MailingSummary {
        try translating {
            let (store, _) = try coordinatorSession("create mailings")
            let campaignID = try Self.findCampaign(campaign, in: store).id
            let template = try Self.readUTF8(file)
            var problems = MailTemplate.check(template).map {
                Diagnostic(
                    $0.severity, at: $0.location.hasPrefix("template") ? file + $0.location.dropFirst(8) : $0.location,
                    code: $0.code, $0.message)
            }
            let clean = name.trimmingCharacters(in: .whitespaces)
            if clean.isEmpty || clean.contains(where: \.isNewline) {
                problems.append(Diagnostic(at: "NAME", code: "bad_value", "a mailing needs a name on one line"))
            }
            let subjectText = subject.trimmingCharacters(in: .whitespaces)
            if subjectText.isEmpty || subjectText.contains(where: \.isNewline) {
                problems.append(
                    Diagnostic(at: "--subject", code: "bad_value", "the subject is one line of text, and not empty"))
            }
            let segments = try store.projected("segments", fields: ["name", "campaign_id"]).filter {
                $0["campaign_id"]?.stringValue == campaignID
            }
            let seg =
                segments.first { $0.key.id == segment }
                ?? segments.first { $0["name"]?.stringValue?.lowercased() == segment.lowercased() }
            if seg == nil {
                let known = segments.map(\.key.id).sorted()
                problems.append(
                    Diagnostic(
                        at: "--segment", code: "unknown_segment",
                        "no segment '\(segment)' in \(campaignID); \(known.isEmpty ? "none yet (canvass segment create CAMPAIGN NAME CRITERIA)" : "segments: \(known.joined(separator: ", "))")"
                    ))
            }
            let key = RecordKey("mailings", "mail-\(TurfCutter.slug(campaignID))-\(TurfCutter.slug(clean))")
            var values: [String: Value] = [
                "campaign_id": .string(campaignID), "name": .string(clean),
                "segment_id": .string(seg?.key.id ?? segment),
                "subject": .string(subjectText), "template": .string(template),
            ]
            let spec = CampaignSchema.standard.collections["mailings"]!
            for (field, value) in values.sorted(by: { $0.key < $1.key }) where problems.isEmpty {
                problems += spec.field(field)?.check(value, at: field) ?? []
            }
            if !problems.isEmpty {
                throw ClientError(
                    .invalid,
                    "no mailing created (\(problems.count) problem\(problems.count == 1 ? "" : "s")); nothing was written",
                    problems: problems)
            }
            var change = "created"
            if let existing = try store.record(key), !existing.isDeleted {
                if values.allSatisfy({ existing[$0.key] == $0.value }) {
                    change = "unchanged"
                } else if existing["send_requested_at"] != nil {
                    throw ClientError(
                        .invalid,
                        "mailing \(key.id) was sent already, so it stays as sent; give the new one another name. Nothing was written"
                    )
                } else {
                    change = "replaced"
                }
            } else {
                values["created_at"] = .int(now)
                values[Record.deletedField] = .bool(false)
            }
            if change != "unchanged" { try store.write([LocalWrite(key, values)], wallclock: now) }
            return try Self.mailingSummary(store, try Self.mailingRecord(store, key.id), change: change)
        }
    }

    /// The mailings here, of one campaign (id or name) or all, by campaign and name.
    public func mailings(campaign: String?) throws -> [MailingSummary] {
        try translating {
            let (store, _) = try coordinatorSession("read mailings")
            let campaignID = try campaign.map { try Self.findCampaign($0, in: store).id }
            return try store.records(in: "mailings").filter {
                !$0.isDeleted && (campaignID == nil || $0["campaign_id"]?.stringValue == campaignID)
            }.map { try Self.mailingSummary(store, $0, change: nil) }
                .sorted { ($0.campaignID, $0.name) < ($1.campaignID, $1.name) }
        }
    }

    /// A mailing with its template and its deliveries (failed first, then pending, then delivered).
    public func mailing(_ id: String) throws -> MailingView {
        try translating {
            let (store, _) = try coordinatorSession("read mailings")
            let record = try Self.mailingRecord(store, id)
            let order = ["failed": 0, "pending": 1, "delivered": 2]
            let rows = (try Self.deliveries(store, mailing: record.key.id)[record.key.id] ?? []).sorted {
                (order[$0.status] ?? 3, $0.id) < (order[$1.status] ?? 3, $1.id)
            }
            return MailingView(
                mailing: try Self.mailingSummary(store, record, change: nil),
                template: record["template"]?.stringValue ?? "", deliveries: rows)
        }
    }

    /// Sends a mailing: records the request (`send_requested_at`, `requested_by`), which the
    /// server carries out after `canvass sync`; or, with `dryRun`, lists who would get it and who
    /// would not (and why) and renders the first message, writing nothing.
    public func sendMailing(_ id: String, dryRun: Bool, now: Int64) throws -> MailingSendReport {
        try translating {
            let (store, s) = try coordinatorSession("send mailings")
            let record = try Self.mailingRecord(store, id)
            let (deliveries, skipped) = try MailingQueue.deliveries(store, mailing: record)
            let queued = Set(
                try store.projected("automation_deliveries", fields: ["mailing_id"]).filter {
                    $0["mailing_id"]?.stringValue == record.key.id
                }.map(\.key.id))
            let wanted = Set(deliveries.compactMap(\.contact) + skipped.map(\.person))
            var contacts: [String: [String: Value]] = [:]
            for c in try store.projected("contacts", fields: ["first_name", "last_name"])
            where wanted.contains(c.key.id) {
                contacts[c.key.id] = c.values
            }
            var preview: MailingSendReport.Preview?
            if dryRun, let first = deliveries.first, let person = first.contact {
                let contact = try store.record(RecordKey("contacts", person))?.values ?? [:]
                let link = s.serverURL.trimmingSuffix("/") + "/v1/unsubscribe/PREVIEW"
                let body: String
                do {
                    body = try MailTemplate.render(
                        record["template"]?.stringValue ?? "", contact: contact, extra: ["unsubscribe_url": link])
                } catch {
                    throw ClientError(
                        .invalid, "mailing \(record.key.id)'s template does not render (\(error)); create it again")
                }
                preview = .init(to: first.target, subject: record["subject"]?.stringValue ?? "", body: body)
            }
            var requestedAt: Int64?
            if !dryRun {
                guard !deliveries.isEmpty else {
                    throw ClientError(
                        .invalid,
                        "mailing \(record.key.id) would reach nobody (\(skipped.count) left out); see `canvass mailing send \(record.key.id) --dry-run`. Nothing was recorded"
                    )
                }
                try store.write(
                    [
                        LocalWrite(
                            record.key, ["send_requested_at": .int(now), "requested_by": .string(s.user.name)])
                    ], wallclock: now)
                requestedAt = now
            }
            return MailingSendReport(
                mailing: record.key.id, dryRun: dryRun,
                recipients: deliveries.map {
                    .init(
                        person: $0.contact ?? "", name: $0.contact.flatMap { contacts[$0] }.flatMap { Self.name($0) },
                        address: $0.target, queued: queued.contains($0.id))
                },
                skipped: skipped.map {
                    .init(person: $0.person, name: contacts[$0.person].flatMap { Self.name($0) }, reason: $0.reason)
                }, preview: preview, requestedAt: requestedAt)
        }
    }

    static func mailingRecord(_ store: ReplicaStore, _ id: String) throws -> CanvassCore.Record {
        if let r = try store.record(RecordKey("mailings", id)), !r.isDeleted { return r }
        let known = try store.projected("mailings", fields: ["name"]).map(\.key.id).sorted()
        throw ClientError(
            .notFound,
            "no mailing '\(id)' here; mailings: \(known.isEmpty ? "none yet (canvass mailing create CAMPAIGN NAME --segment S --subject TEXT --template FILE, or sync)" : known.joined(separator: ", "))"
        )
    }

    static func mailingSummary(_ store: ReplicaStore, _ r: CanvassCore.Record, change: String?) throws -> MailingSummary
    {
        var counts: [String: Int] = [:]
        for d in try deliveries(store, mailing: r.key.id)[r.key.id] ?? [] { counts[d.status, default: 0] += 1 }
        return MailingSummary(
            id: r.key.id, campaignID: r["campaign_id"]?.stringValue ?? "", name: r["name"]?.stringValue ?? r.key.id,
            segmentID: r["segment_id"]?.stringValue, subject: r["subject"]?.stringValue ?? "",
            createdAt: r["created_at"]?.intValue, sendRequestedAt: r["send_requested_at"]?.intValue,
            requestedBy: r["requested_by"]?.stringValue, deliveries: counts, change: change)
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
