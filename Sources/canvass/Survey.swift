import ArgumentParser
import CanvassClient
import CanvassCore
import Foundation

struct SurveyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "survey",
        abstract: "Surveys, phone scripts and petitions: show one (the default), list them, create one from YAML.",
        discussion: """
            canvass survey LIST shows the survey of a list, as before; canvass survey show SURVEY takes a survey id too.
            """,
        subcommands: [SurveyShow.self, SurveyList.self, SurveyCreate.self], defaultSubcommand: SurveyShow.self)
}

struct SurveyShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "The script of a survey or a list: result codes, questions, options, branches.")
    @OptionGroup var options: Options
    @Argument(help: "A survey id, or a list id (its survey).") var survey: String

    func run() async throws {
        let survey = try options.client.showSurvey(survey)
        if options.json { return try options.emit(survey) }
        print("\(survey.title)  [\(survey.id), \(survey.kind.rawValue)]")
        if let intro = survey.intro { print(intro.trimmingCharacters(in: .whitespacesAndNewlines)) }
        if let p = survey.petition {
            print("\npetition statement: \(p.statement.trimmingCharacters(in: .whitespacesAndNewlines))")
            print(
                "signature: yes to '\(p.signature)'" + (p.consent.map { "; consent to contact: yes to '\($0)'" } ?? ""))
        }
        print("\nresult codes:")
        table(
            ["CODE", "LABEL", "REACHED", "EFFECT", "RECONTACT"],
            survey.resultCodes.map {
                [
                    $0.code, $0.label, $0.contacted ? "yes" : "no", $0.effect == .none ? "" : $0.effect.rawValue,
                    $0.recontactDays.map { "\($0) d" } ?? "",
                ]
            })
        print("\nquestions (answer with --answer ID=VALUE):")
        table(
            ["ID", "TYPE", "ALLOWED", "THEN", "QUESTION"],
            survey.questions.map { q in
                let branches = q.options.compactMap { o in o.next.map { "\(o.value)→\($0)" } }
                let then = (branches + (q.next.map { ["→\($0)"] } ?? [])).joined(separator: " ")
                return [
                    q.id + (q.required ? "*" : ""), q.kind.rawValue, q.allowedDescription, then,
                    q.text.trimmingCharacters(in: .whitespacesAndNewlines),
                ]
            })
    }
}

struct SurveyList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "The surveys here, of one campaign or all, with the lists that use them.")
    @OptionGroup var options: Options
    @Argument(help: "Only this campaign's surveys.") var campaign: String?

    func run() async throws {
        let surveys = try options.client.surveys(campaign: campaign)
        if options.json { return try options.emit(surveys) }
        if surveys.isEmpty { return print("no surveys yet: canvass survey create CAMPAIGN FILE.yaml") }
        table(
            ["SURVEY", "KIND", "CAMPAIGN", "QUESTIONS", "CODES", "LISTS", "TITLE"],
            surveys.map {
                [
                    $0.id, $0.kind, $0.campaignID ?? "", "\($0.questions)", "\($0.resultCodes)", "\($0.lists.count)",
                    $0.title,
                ]
            })
    }
}

struct SurveyCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a survey, phone script or petition in a campaign from a YAML file (coordinators).",
        discussion: """
            The file's format is that of fixtures/surveys/*.yaml: id, title, kind (canvass, phone, petition), intro, result_codes (code, label, contacted, effect, recontact_days), questions (id, text, type, options, min, max, required, next) and, for a petition, petition (statement, signature, consent).

            An invalid file is refused with every problem and its line and column (exit 65), and nothing is written. The survey is written on this device and reaches the server on the next canvass sync.
            """)
    @OptionGroup var options: Options
    @Argument(help: "Campaign id.") var campaign: String
    @Argument(help: "The YAML file.") var file: String
    @Flag(help: "Overwrite a survey with the same id and another definition.") var replace = false

    func run() async throws {
        let summary = try options.client.createSurvey(
            campaign: campaign, file: file, replace: replace, now: FieldClient.now())
        if options.json { return try options.emit(summary) }
        let what = summary.change == "unchanged" ? "unchanged: survey" : "\(summary.change ?? "created") survey"
        print(
            "\(what) \(summary.id) (\(summary.kind), \(summary.questions) questions, \(summary.resultCodes) result codes) in \(campaign)"
        )
        if summary.change != "unchanged" { print("it reaches the server on the next `canvass sync`") }
    }
}
