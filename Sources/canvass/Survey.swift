import ArgumentParser
import CanvassClient
import CanvassCore
import Foundation

struct SurveyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "survey", abstract: "The script of a list: result codes, questions, options.")
    @OptionGroup var options: Options
    @Argument(help: "List id.") var list: String

    func run() async throws {
        let survey = try options.client.survey(list)
        if options.json { return try options.emit(survey) }
        print("\(survey.title)  [\(survey.id)]")
        if let intro = survey.intro { print(intro.trimmingCharacters(in: .whitespacesAndNewlines)) }
        print("\nresult codes:")
        table(
            ["CODE", "LABEL", "REACHED"], survey.resultCodes.map { [$0.code, $0.label, $0.contacted ? "yes" : "no"] })
        print("\nquestions (answer with --answer ID=VALUE):")
        table(
            ["ID", "TYPE", "ALLOWED", "QUESTION"],
            survey.questions.map {
                [
                    $0.id, $0.kind.rawValue, $0.allowedDescription,
                    $0.text.trimmingCharacters(in: .whitespacesAndNewlines),
                ]
            })
    }
}
