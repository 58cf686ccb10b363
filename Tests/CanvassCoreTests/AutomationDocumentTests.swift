import CanvassCore
import CanvassProtocol
import Testing

/// Automation rule files: a good file decodes into the rule; a broken one reports every problem in
/// one run, each with its line and column.
@Suite struct AutomationDocumentTests {
    static let good = """
        id: chase-undecided
        campaign: C1
        name: Call back the undecided
        entry: { segment: "support=3" }
        reentry: true
        steps:
          - id: wait
            trigger: { kind: delay, duration: 3d, after: entry }
            window: { hours: "09:00-17:00", days: [mon, tue, wed, thu, fri] }
            conditions: "voted=no"
            decision:
              wait_for: { kind: result, code: contacted }
              within: 2d
              yes: [{ engagement_points: 1 }]
              no: [{ add_to_list: call-followup }, { add_to_group: hard }]
          - id: thanks
            trigger: { kind: donation }
            actions:
              - send_email: thank-you
              - webhook: "https://example.org/hook"
              - set_field: { field: notes, value: gave }
              - do_not_contact: phone
          - id: later
            trigger: { kind: at, at: "2026-11-03T09:00:00-05:00" }
            actions: [{ remove_from_group: hard }, { engagement_level: 4 }]
        """

    @Test func goodFileDecodes() throws {
        let rule = try AutomationDocument.decode(yaml: Self.good, file: "rule.yaml")
        #expect(rule.id == "chase-undecided")
        #expect(rule.campaign == "C1")
        #expect(rule.reentry)
        #expect(rule.entry == .segment(try #require(Self.criteria("support=3"))))
        #expect(rule.steps.map(\.id) == ["wait", "thanks", "later"])
        let wait = rule.steps[0]
        #expect(wait.trigger == .delayAfterEntry(3 * 86_400_000))
        #expect(wait.window == AutomationWindow(start: 540, end: 1020, weekdays: [1, 2, 3, 4, 5]))
        #expect(wait.conditions.text == "voted=no")
        #expect(
            wait.decision
                == AutomationDecision(
                    awaiting: .result("contacted"), within: 2 * 86_400_000, yes: [.engagementPoints(1)],
                    no: [.addToList("call-followup"), .addToGroup("hard")]))
        #expect(rule.steps[1].trigger == .donation)
        #expect(
            rule.steps[1].actions == [
                .sendEmail("thank-you"), .webhook("https://example.org/hook"), .setField("notes", "gave"),
                .doNotContact("phone"),
            ])
        #expect(rule.steps[2].trigger == .at(1_793_714_400_000))
        #expect(rule.steps[2].actions == [.removeFromGroup("hard"), .engagementLevel(4)])
    }

    static func criteria(_ text: String) -> Criteria? {
        if case .valid(let c) = Criteria.parse(text) { return c }
        return nil
    }

    @Test func durationsAndHours() {
        let durations: [(String, Int64?)] = [
            ("30m", 1_800_000), ("12h", 43_200_000), ("3d", 259_200_000), ("2w", 1_209_600_000),
            ("3", nil), ("d", nil), ("3 days", nil), ("0d", nil), ("-1d", nil), ("+1d", nil), ("1.5h", nil),
        ]
        for (text, ms) in durations { #expect(AutomationDocument.duration(text) == ms, "\(text)") }
        let hours: [(String, [Int]?)] = [
            ("09:00-17:00", [540, 1020]), ("00:00-24:00", [0, 1440]), ("17:00-09:00", nil), ("9:00-17:00", nil),
            ("09:00-25:00", nil), ("09:60-17:00", nil), ("09:00", nil), ("24:00-24:00", nil),
        ]
        for (text, range) in hours {
            #expect(AutomationDocument.hours(text).map { [$0.start, $0.end] } == range, "\(text)")
        }
    }

    @Test func brokenFileListsEveryProblemWithLineAndColumn() throws {
        let broken = """
            id: bad
            campain: C1
            entry: { group: volunteers, segment: "x=1" }
            steps:
              - id: one
                trigger: { kind: dealy, duration: 3d }
                actions: [{ add_to_group: x }]
              - id: two
                trigger: { kind: delay, duration: 3days }
                window: { hours: "9-17", days: [mon, funday] }
                actions: [{ add_to_gruop: x }, { engagement_level: 9 }]
              - id: three
                trigger: { kind: result, code: contacted, cdoe: x }
                conditions: "support<=2 colour=red"
                decision:
                  wait_for: { kind: delay, duration: 1d }
                  within: 12x
                  no: [{ webhook: "ftp://x" }]
            """
        let error = try #require(throws: ProtocolError.self) {
            try AutomationDocument.decode(yaml: broken, file: "r.yaml")
        }
        #expect(error.code == .invalidAutomation)
        let got = error.problems.map { "\($0.line ?? 0):\($0.column ?? 0) \($0.diagnostic.code)" }
        #expect(
            got == [
                "1:1 missing",  // campaign (the typo is reported too)
                "2:1 unknown_key",
                "3:8 bad_entry",
                "6:22 bad_trigger",
                "9:39 bad_duration",
                "10:22 bad_window",
                "10:42 bad_weekday",
                "11:17 unknown_key",
                "11:56 bad_value",
                "13:47 unknown_key",
                "14:29 unknown_field",
                "16:25 bad_trigger",
                "17:15 bad_duration",
                "18:23 bad_url",
            ])
        let text = error.description
        #expect(text.contains("r.yaml:2:1"))
        #expect(text.contains("did you mean 'campaign'?"))
        #expect(text.contains("did you mean 'delay'?"))
        #expect(text.contains("did you mean 'add_to_group'?"))
        #expect(text.contains("did you mean 'mon'?") || text.contains("valid days"))
        #expect(text.contains("a decision waits for a contact's event"))
    }

    @Test func emptyAndSyntaxErrorsAreReported() {
        for yaml in ["", "id: [unclosed"] {
            #expect(throws: ProtocolError.self) { try AutomationDocument.decode(yaml: yaml) }
        }
    }
}
