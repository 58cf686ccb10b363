import CanvassCampaign
import CanvassCore
import CanvassProtocol
import Testing

/// Campaign email templates, table-driven: what renders, and every problem with where it is.
@Suite struct MailTemplateTests {
    static let ana: [String: Value] = [
        "first_name": "Ana", "last_name": "O'Brien & Co", "ward": 3, "do_not_call": true, "voted": false,
        "email": "ana@example.org",
    ]

    @Test(arguments: [
        ("Hello {{first_name}}!", "Hello Ana!"),
        // Plain text: no HTML escaping of a name with an apostrophe or an ampersand.
        ("{{last_name}}", "O'Brien & Co"),
        ("ward {{ward}}", "ward 3"),
        ("{{#voted}}thanks for voting{{/voted}}{{^voted}}please vote{{/voted}}", "please vote"),
        ("{{#do_not_call}}no calls{{/do_not_call}}", "no calls"),
        ("{{middle_name}}|", "|"),
        ("Stop: {{unsubscribe_url}}", "Stop: https://x.test/u/T"),
        ("{{#first_name}}Dear {{first_name}},{{/first_name}}{{^first_name}}Friend,{{/first_name}}", "Dear Ana,"),
    ])
    func renders(_ c: (String, String)) throws {
        let out = try MailTemplate.render(c.0, contact: Self.ana, extra: ["unsubscribe_url": "https://x.test/u/T"])
        #expect(out == c.1)
    }

    @Test func extraWinsOverAContactField() throws {
        let out = try MailTemplate.render("{{first_name}}", contact: Self.ana, extra: ["first_name": "Friend"])
        #expect(out == "Friend")
    }

    @Test func aGoodTemplateHasNoProblems() {
        let text = "Dear {{first_name}},\n{{#voted}}Thanks!{{/voted}}\nStop: {{unsubscribe_url}}\n"
        #expect(MailTemplate.check(text) == [])
    }

    /// Each bad template: the code and the location (`template:LINE:COLUMN`) of its problems.
    @Test(arguments: [
        ("Dear {{frist_name}},", [("unknown_field", "template:1:6")]),
        (
            "Hi {{first_name}}\n{{#nickname}}x{{/nickname}} {{^zip}}y{{/zip}}",
            [
                ("unknown_field", "template:2:1"), ("unknown_field", "template:2:29"),
            ]
        ),
        ("Hi\n{{#voted}}thanks", [("unclosed_section", "")]),
        ("{{#voted}}x{{/deceased}}", [("section_mismatch", "template:1:")]),
        ("Hi {{first_name", [("", "template:")]),
        ("  \n", [("empty_template", "template")]),
    ])
    func problemsAreLocated(_ c: (String, [(String, String)])) {
        let found = MailTemplate.check(c.0)
        #expect(found.count == c.1.count, "\(found)")
        for (d, want) in zip(found, c.1) {
            if !want.0.isEmpty { #expect(d.code == want.0, "\(d)") }
            #expect(d.location.hasPrefix(want.1), "\(d)")
            #expect(d.location == "template" || d.location.split(separator: ":").count == 3, "\(d)")
        }
    }

    @Test func renderingABrokenTemplateThrowsItsProblems() {
        #expect {
            _ = try MailTemplate.render("{{#voted}}", contact: [:], extra: [:])
        } throws: { error in
            guard let e = error as? ProtocolError else { return false }
            return e.code == .invalidTemplate && e.problems.count == 1
        }
    }
}
