import ArgumentParser
import CanvassFixtures
import Foundation

/// Writes (or checks) the synthetic campaign fixtures. The logic lives in CanvassFixtures.
@main
struct CanvassFixturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "canvass-fixtures",
        abstract: "Generate the synthetic voter file (fixed seed, no real people) into the fixtures directory.",
        discussion: """
            Writes <out>/voters.csv. With --check, writes nothing: it exits non-zero if <out>/voters.csv \
            differs from what the generator produces or a survey in <out>/surveys/ does not decode.
            """)

    @Option(name: .long, help: ArgumentHelp("Fixtures directory.", valueName: "dir"))
    var out: String = "fixtures"

    @Option(name: .long, help: "Generator seed.")
    var seed: UInt64 = 20261103

    @Option(name: .long, help: "Number of households.")
    var households: Int = 2000

    @Flag(name: .long, help: "Check the files on disk instead of writing them.")
    var check = false

    func validate() throws {
        if households < 0 { throw ValidationError("--households must be 0 or more") }
    }

    func run() throws {
        let generator = VoterFileGenerator(seed: seed, households: households)
        if check {
            let problems = Fixtures.check(generator, in: out)
            guard problems.isEmpty else {
                var message = problems.joined(separator: "\n") + "\n"
                message += "Regenerate with: swift run canvass-fixtures --out \(out)"
                if seed != 20261103 { message += " --seed \(seed)" }
                if households != 2000 { message += " --households \(households)" }
                FileHandle.standardError.write(Data((message + "\n").utf8))
                throw ExitCode.failure
            }
            print("\(out): up to date")
            return
        }
        let path = try Fixtures.write(generator, to: out)
        print("wrote \(path)")
    }
}
