import CanvassClient
import CanvassCore
import CanvassProtocol
import CanvassServer
import CanvassStore
import CanvassTestSupport
import Foundation
import Testing

private let T0: Int64 = 1_780_000_000_000
private let day: Int64 = 86_400_000

/// Automation rules and mailings through the coordinator's façade: a bad file or a rule naming
/// what the campaign lacks writes nothing and says where; pause and resume are replicated writes;
/// simulate and a mailing's dry run write nothing at all; the engine's log reads back by sync.
@Suite struct AutomationClientTests {
    static func write(_ text: String, _ dir: URL, _ name: String) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// What the store holds: a write of any kind (a record, an outbox entry) moves one of these.
    static func footprint(_ store: ReplicaStore) throws -> [Int64] {
        let c = try store.counts()
        return [try store.lastSeq(), Int64(c.records), Int64(c.pending), Int64(c.rejected), Int64(c.conflicts)]
    }

    @Test func aBadFileWritesNothingAndSaysWhereEveryProblemIs() async throws {
        let (client, store, _, dir) = try await CoordinatorSetUpTests.home(role: .coordinator)
        defer { try? FileManager.default.removeItem(at: dir) }
        let before = try Self.footprint(store)
        let bad = try Self.write(
            """
            id: r1
            campaign: camp-2026
            entry: { interaction: some }
            steps:
              - id: s1
                trigger: { kind: reslt, code: contacted }
                actions: [{ add_to_grup: x }]
            """, dir, "bad.yaml")
        let e = try #require(throws: ClientError.self) {
            try client.addAutomationRule(campaign: "camp-2026", file: bad, now: T0)
        }
        #expect(e.code == .invalid)
        for at in ["bad.yaml:3:23", "bad.yaml:6:22", "bad.yaml:7:17"] {
            #expect(e.message.contains(at), "\(at) in \(e.message)")
        }
        #expect(try Self.footprint(store) == before, "nothing written")
    }

    @Test func aRuleNamingWhatTheCampaignLacksIsRefusedThenAddedAndReplaced() async throws {
        let (client, store, service, dir) = try await CoordinatorSetUpTests.home(role: .coordinator)
        defer { try? FileManager.default.removeItem(at: dir) }
        let rule = """
            id: thank-contacted
            campaign: camp-2026
            name: Tag the contacted
            entry: { interaction: any }
            steps:
              - id: tag
                trigger: { kind: result, code: contacted }
                conditions: "group=grp-camp-2026-donors"
                actions: [{ add_to_group: grp-camp-2026-contacted }, { add_to_list: walk-9 }]
            """
        let file = try Self.write(rule, dir, "rule.yaml")
        let before = try Self.footprint(store)
        let e = try #require(throws: ClientError.self) {
            try client.addAutomationRule(campaign: "camp-2026", file: file, now: T0)
        }
        #expect(e.message.contains("rule.yaml:8:24: error: rule.steps[0].conditions: no group"), "\(e.message)")
        #expect(e.message.contains("rule.yaml:9:31") && e.message.contains("grp-camp-2026-contacted"), "\(e.message)")
        #expect(e.message.contains("rule.yaml:9:73") && e.message.contains("no list 'walk-9'"), "\(e.message)")
        #expect(try Self.footprint(store) == before, "nothing written")

        _ = try client.createGroup(campaign: "camp-2026", name: "Contacted", now: T0)
        _ = try client.createGroup(campaign: "camp-2026", name: "Donors", now: T0)
        let byName = try Self.write(
            rule.replacingOccurrences(of: "grp-camp-2026-contacted", with: "Contacted"), dir, "n.yaml")
        let named = try #require(throws: ClientError.self) {
            try client.addAutomationRule(campaign: "camp-2026", file: byName, now: T0)
        }
        #expect(named.message.contains("write 'grp-camp-2026-contacted'"), "rules name groups by id: \(named.message)")

        try rule.replacingOccurrences(of: "walk-9", with: "walk-0").write(
            toFile: file, atomically: true, encoding: .utf8)
        let added = try client.addAutomationRule(campaign: "camp-2026", file: file, now: T0)
        #expect(added.change == "created" && added.steps == 1 && !added.paused, "\(added)")
        #expect(try store.record(RecordKey("automation_rules", "thank-contacted"))?["source"]?.stringValue != nil)
        #expect(try client.addAutomationRule(campaign: "camp-2026", file: file, now: T0).change == "unchanged")
        let wrong = try #require(throws: ClientError.self) {
            _ = try client.createCampaign(
                name: "Other", type: nil, status: nil, start: nil, end: nil, goals: [], parent: nil, timeZone: nil,
                now: T0)
            return try client.addAutomationRule(campaign: "Other", file: file, now: T0)
        }
        #expect(wrong.message.contains("rule.yaml:2:11") && wrong.message.contains("not '"), "\(wrong.message)")

        // Pause and resume are replicated writes; a replaced rule stays paused.
        #expect(try client.setAutomationRulePaused("thank-contacted", paused: true, now: T0).change == "paused")
        #expect(try client.setAutomationRulePaused("thank-contacted", paused: true, now: T0).change == "unchanged")
        #expect(try client.automationRules(campaign: "camp-2026").map(\.paused) == [true])
        try rule.replacingOccurrences(of: "walk-9", with: "walk-1").write(
            toFile: file, atomically: true, encoding: .utf8)
        let replaced = try client.addAutomationRule(campaign: "camp-2026", file: file, now: T0)
        #expect(replaced.change == "replaced" && replaced.paused)
        #expect(try client.setAutomationRulePaused("thank-contacted", paused: false, now: T0).change == "resumed")
        let shown = try client.automationRule("thank-contacted")
        #expect(!shown.rule.paused && shown.rule.entry == "anyone with an interaction in the campaign")
        #expect(shown.steps.first?.trigger == "when result 'contacted' is recorded")
        #expect(shown.steps.first?.actions == ["add to group grp-camp-2026-contacted", "add to list walk-1"])
        #expect(throws: ClientError.self) { try client.automationRule("nope") }

        let report = try await CoordinatorSetUpTests.push(store, service)
        #expect(report.rejected == 0, "the server accepts the rule and its pauses")
    }

    @Test func simulateForeseesADelayAndWritesNothing() async throws {
        let (client, store, _, dir) = try await CoordinatorSetUpTests.home(role: .coordinator)
        defer { try? FileManager.default.removeItem(at: dir) }
        let people = try store.records(in: "contacts").map(\.key.id).sorted()
        let group = try client.createGroup(campaign: "camp-2026", name: "New volunteers", now: T0)
        _ = try client.addToGroup(group.id, people: Array(people.prefix(3)), now: T0)
        let file = try Self.write(
            """
            id: welcome
            campaign: camp-2026
            entry: { group: \(group.id) }
            steps:
              - id: follow-up
                trigger: { kind: delay, duration: 2d, after: entry }
                actions: [{ engagement_points: 5 }, { webhook: "https://example.org/hook" }]
            """, dir, "welcome.yaml")
        let before = try Self.footprint(store)
        let soon = try client.simulateAutomation(campaign: "camp-2026", file: file, days: 1, now: T0)
        #expect(soon.fired == 0 && soon.days.isEmpty, "a 2-day delay fires nothing in 1 day")
        let later = try client.simulateAutomation(campaign: "camp-2026", file: file, days: 5, now: T0, shown: 2)
        #expect(later.fired == 3 && later.days.map { $0.steps["follow-up"] } == [3], "\(later.days)")
        #expect(later.firings.count == 2 && later.firings.allSatisfy { $0.at == T0 + 2 * day })
        let f = try #require(later.firings.first)
        #expect(f.actions == ["+5 engagement points", "POST to https://example.org/hook"], "\(f)")
        #expect(f.writes.contains { $0.hasPrefix("contacts/\(f.person) engagement_points=") }, "\(f.writes)")
        #expect(f.deliveries == ["webhook to https://example.org/hook"])
        #expect(try Self.footprint(store) == before, "simulate writes nothing")
        #expect(try store.records(in: "automation_rules").isEmpty)
    }

    @Test func theEnginesLogReadsBackBySyncWithFailedDeliveriesCounted() async throws {
        let (client, store, service, dir) = try await CoordinatorSetUpTests.home(role: .coordinator)
        defer { try? FileManager.default.removeItem(at: dir) }
        let person = try #require(try store.records(in: "contacts").map(\.key.id).sorted().first)
        let firing = "welcome@\(person)@1@follow-up"
        try await service.storage.write(
            [
                LocalWrite(
                    RecordKey("automation_log", firing),
                    [
                        "rule_id": "welcome", "campaign_id": "camp-2026", "contact_id": .string(person), "rotation": 1,
                        "step": "follow-up", "outcome": "fired", "due_at": .int(T0), "fired_at": .int(T0 + 1000),
                        "reason": "delay after entry", "actions": .array(["+5 engagement points"]),
                    ]),
                LocalWrite(
                    RecordKey("automation_deliveries", "\(firing)#1"),
                    [
                        "kind": "webhook", "firing": .string(firing), "campaign_id": "camp-2026",
                        "contact_id": .string(person), "target": "https://example.org/hook", "status": "failed",
                        "attempts": 8, "last_error": "HTTP 500",
                    ]),
            ], wallclock: T0)
        #expect(try client.automationLog(campaign: nil, rule: nil, person: nil, limit: nil).entries.isEmpty)
        _ = try await CoordinatorSetUpTests.push(store, service)
        let log = try client.automationLog(campaign: "camp-2026", rule: "welcome", person: person, limit: 10)
        #expect(log.total == 1 && log.failedDeliveries == 1, "\(log)")
        let e = try #require(log.entries.first)
        #expect(
            e.id == firing && e.name != nil && e.reason == "delay after entry" && e.actions == ["+5 engagement points"])
        #expect(e.deliveries.map(\.status) == ["failed"] && e.deliveries.first?.lastError == "HTTP 500")
        #expect(try client.automationLog(campaign: nil, rule: "other", person: nil, limit: nil).total == 0)
        #expect(throws: ClientError.self) { try client.automationLog(campaign: nil, rule: nil, person: nil, limit: 0) }
    }

    @Test func aMailingIsCheckedPreviewedWithoutWritingAndSentByRequest() async throws {
        let (client, store, service, dir) = try await CoordinatorSetUpTests.home(role: .coordinator)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = try Self.write("Hello {{first_nam}},\n{{#x}}\n", dir, "bad.mustache")
        let before = try Self.footprint(store)
        let e = try #require(throws: ClientError.self) {
            try client.createMailing(
                campaign: "camp-2026", name: "Thanks", segment: "nope", subject: "Thank you", template: bad, now: T0)
        }
        #expect(e.problems.map(\.location).contains("--segment"), "\(e.problems)")
        #expect(e.problems.contains { $0.location.hasPrefix(bad) }, "the template's problem at its file: \(e.problems)")
        #expect(try Self.footprint(store) == before, "nothing written")

        let segment = try client.createSegment(
            campaign: "camp-2026", name: "Democrats", criteria: "party=DEM", replace: false, now: T0)
        let good = try Self.write("Hello {{first_name}},\nthank you.\n", dir, "good.mustache")
        let m = try client.createMailing(
            campaign: "camp-2026", name: "Thanks", segment: "Democrats", subject: "Thank you", template: good, now: T0)
        #expect(m.change == "created" && m.segmentID == segment.id)
        let written = try Self.footprint(store)
        let dry = try client.sendMailing(m.id, dryRun: true, now: T0)
        #expect(try Self.footprint(store) == written, "a dry run writes nothing")
        #expect(dry.recipients.count + dry.skipped.count == segment.count, "\(dry.recipients.count) \(dry.skipped)")
        let preview = try #require(dry.preview)
        #expect(
            preview.subject == "Thank you" && preview.body.hasPrefix("Hello ")
                && preview.to == dry.recipients[0].address)
        let sent = try client.sendMailing(m.id, dryRun: false, now: T0 + 5)
        #expect(sent.requestedAt == T0 + 5)
        #expect(try client.mailing(m.id).mailing.sendRequestedAt == T0 + 5)
        #expect(throws: ClientError.self) {
            try client.createMailing(
                campaign: "camp-2026", name: "Thanks", segment: "Democrats", subject: "Changed", template: good, now: T0
            )
        }

        let person = try #require(dry.recipients.first?.person)
        let gift = try client.addDonation(
            person: person, amount: "25", pledge: false, campaign: "camp-2026", on: nil, method: nil, note: nil,
            mailing: m.id, now: T0)
        #expect(try store.record(RecordKey("donations", gift.donation.id))?["mailing_id"] == .string(m.id))
        #expect(throws: ClientError.self) {
            try client.addDonation(
                person: person, amount: "25", pledge: false, campaign: "camp-2026", on: nil, method: nil, note: nil,
                mailing: "mail-nope", now: T0)
        }
        #expect(try await CoordinatorSetUpTests.push(store, service).rejected == 0)
    }
    /// The README's full example reads, with every step, trigger kind and action it documents.
    @Test func theReadmeExampleReads() throws {
        let readme = try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
                "../../README.md"), encoding: .utf8)
        let start = try #require(readme.range(of: "```yaml\nid: chase-undecided"))
        let end = try #require(readme.range(of: "```", range: start.upperBound..<readme.endIndex))
        let yaml = String(readme[readme.index(start.lowerBound, offsetBy: 8)..<end.lowerBound])
        let rule = try AutomationDocument.decode(yaml: yaml, file: "README.md")
        #expect(rule.steps.map(\.id) == ["wait", "supporter", "opted-out"])
        let actions: [AutomationAction] = rule.steps.flatMap { step -> [AutomationAction] in
            let decided: [AutomationAction] = step.decision.map { $0.yes + $0.no } ?? []
            return step.actions + decided
        }
        #expect(actions.count == 9, "\(actions)")
    }
}
