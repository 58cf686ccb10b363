import CanvassCore
import CanvassProtocol
import Mustache

/// A campaign email's template (issue 12): Mustache (swift-mustache) over the contact's fields,
/// plus what the sender adds (`unsubscribe_url`). `check` is what `mailing create` refuses a
/// template for; `render` is what the server sends.
///
/// Messages are plain text (`text/plain; charset=utf-8`), so values are inserted as they are:
/// Mustache's HTML escaping would show `O&#39;Brien` in a plain-text mail and protects nothing
/// there. Headers are guarded apart from the body (the sender refuses line breaks in them).
public enum MailTemplate {
    /// Names a template may use besides the contact's fields.
    public static let extraNames: Set<String> = ["unsubscribe_url"]

    /// The names a template may use: every contact field of the schema, and `extraNames`.
    public static var knownNames: Set<String> {
        Set(CampaignSchema.standard.collections["contacts"]?.fields.map(\.name) ?? []).union(extraNames)
    }

    /// Every problem of a template, each located as `template:LINE:COLUMN`: a syntax error (the
    /// Mustache parser stops at the first one), else each name that is neither a contact field
    /// nor in `known` (it would always render empty). An empty result means it renders.
    public static func check(_ template: String, known: Set<String> = knownNames) -> [Diagnostic] {
        if template.allSatisfy(\.isWhitespace) {
            return [Diagnostic(at: "template", code: "empty_template", "the template is empty; write the message body")]
        }
        let parsed: MustacheTemplate
        switch parse(template) {
        case .parsed(let t): parsed = t
        case .invalid(let problem): return [problem]
        }
        let unknown = names(parsed).subtracting(known).sorted()
        let fields = known.sorted().joined(separator: ", ")
        return unknown.map { name in
            let (line, column) = position(of: name, in: template)
            return Diagnostic(
                at: "template:\(line):\(column)", code: "unknown_field",
                "{{\(name)}} is not a contact field and would always be empty; fields: \(fields)")
        }
    }

    /// The template rendered for one contact: each field as display text (numbers as written,
    /// booleans true for sections, a multiple choice joined with ", "), then `extra`, which wins
    /// over a field of the same name. Names with no value render empty.
    /// - Throws: `ProtocolError.invalidTemplate` when the template does not parse.
    public static func render(_ template: String, contact: [String: Value], extra: [String: String]) throws -> String {
        // The pragma switches escaping off for this plain-text body (see the type's comment).
        let parsed: MustacheTemplate
        do {
            parsed = try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + template)
        } catch {
            let problems = check(template).map { ProtocolError.Problem($0) }
            throw ProtocolError.invalidTemplate(file: nil, problems: problems)
        }
        return parsed.render(context(contact: contact, extra: extra))
    }

    /// The values a template sees for a contact.
    public static func context(contact: [String: Value], extra: [String: String]) -> [String: Any] {
        var out: [String: Any] = [:]
        for (name, value) in contact {
            if let shown = display(value) { out[name] = shown }
        }
        for (name, value) in extra { out[name] = value }
        return out
    }

    /// A field's value as a template shows it; nil for no value (`null`, an object).
    static func display(_ value: Value) -> Any? {
        switch value {
        case .string(let s): return s
        case .int(let n): return String(n)
        case .double(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .bool(let b): return b
        case .array(let a):
            let items = a.compactMap { display($0).map { "\($0)" } }
            return items.isEmpty ? nil : items.joined(separator: ", ")
        case .null, .object: return nil
        }
    }

    enum Parsed {
        case parsed(MustacheTemplate)
        case invalid(Diagnostic)
    }

    /// Parses, or the parser's error as a located diagnostic.
    static func parse(_ template: String) -> Parsed {
        do {
            return .parsed(try MustacheTemplate(string: template))
        } catch let e as MustacheTemplate.ParserError {
            let (code, message) = explain(e.error)
            return .invalid(
                Diagnostic(at: "template:\(e.context.lineNumber):\(e.context.columnNumber)", code: code, message))
        } catch {
            return .invalid(
                Diagnostic(at: "template", code: "template_syntax", "the template does not parse: \(error)"))
        }
    }

    /// A parser error in words, with what to do.
    static func explain(_ error: any Error) -> (code: String, message: String) {
        guard let e = error as? MustacheTemplate.Error else {
            return ("template_syntax", "a tag is not closed: end it with }}")
        }
        switch e {
        case .sectionCloseNameIncorrect:
            return (
                "section_mismatch", "this {{/name}} does not close the section opened last; close sections in order"
            )
        case .unfinishedName: return ("unfinished_tag", "a tag is not finished: end it with }}")
        case .expectedSectionEnd:
            return ("unclosed_section", "a section {{#name}} or {{^name}} is never closed; end it with {{/name}}")
        case .invalidSetDelimiter: return ("bad_delimiter", "a {{=<% %>=}} delimiter change is badly written")
        case .unrecognisedConfigVariable, .invalidConfigVariableSyntax:
            return ("bad_pragma", "only the pragma {{% CONTENT_TYPE: TEXT}} or {{% CONTENT_TYPE: HTML}} is known")
        case .transformAppliedToInheritanceSection, .illegalTokenInsideInheritSection, .textInsideInheritSection:
            return ("bad_inheritance", "partials and their inheritance are not available in campaign email")
        }
    }

    /// Every name the template looks up at its top level: rendered once with every name present
    /// (sections open) and once with none (inverted sections open), recording the lookups.
    static func names(_ template: MustacheTemplate) -> Set<String> {
        var found = Set<String>()
        for present in [true, false] {
            let probe = NameProbe(present: present)
            _ = template.render(probe)
            found.formUnion(probe.names)
        }
        return found
    }

    /// Line and column (1-based) of the first tag naming `name`, for a diagnostic; 1:1 if none
    /// is found (a name built by a changed delimiter).
    static func position(of name: String, in template: String) -> (Int, Int) {
        let chars = Array(template)
        let target = Array(name)
        var line = 1
        var column = 1
        var i = 0
        while i < chars.count {
            if chars[i] == "{", i + 1 < chars.count, chars[i + 1] == "{" {
                var j = i + 2
                while j < chars.count, "{#^/&".contains(chars[j]) || chars[j] == " " { j += 1 }
                if j + target.count <= chars.count, Array(chars[j..<j + target.count]) == target {
                    let after = j + target.count < chars.count ? chars[j + target.count] : " "
                    if after == " " || after == "}" || after == "." || after == "|" { return (line, column) }
                }
            }
            if chars[i] == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
            i += 1
        }
        return (1, 1)
    }
}

/// Answers every lookup with a value (or with none) and writes down the names asked for.
private final class NameProbe: MustacheParent {
    let present: Bool
    var names = Set<String>()

    init(present: Bool) { self.present = present }

    func child(named name: String) -> Any? {
        names.insert(name)
        return present ? "" : nil
    }
}
