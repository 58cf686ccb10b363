import CanvassCore
import CanvassProtocol
import Foundation

/// Finds and checks the repository's `fixtures/` directory: the synthetic voter file and surveys.
public enum Fixtures {
    /// The voter file's name inside `fixtures/`.
    public static let votersFile = "voters.csv"
    /// The survey documents in `fixtures/surveys/`, without the `.yaml` extension.
    public static let surveyNames = ["canvass", "phonebank", "petition"]

    /// The folder holding Package.swift, found by walking up from `file` (pass `#filePath`; the
    /// default is the caller's source file), then from the current directory. Nil if neither works.
    public static func packageRoot(from file: String = #filePath) -> String? {
        let fm = FileManager.default
        let starts = [
            URL(fileURLWithPath: file).deletingLastPathComponent(),
            URL(fileURLWithPath: fm.currentDirectoryPath, isDirectory: true),
        ]
        for start in starts {
            var dir = start.standardizedFileURL
            while true {
                if fm.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) { return dir.path }
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path { break }
                dir = parent
            }
        }
        return nil
    }

    /// `<package root>/fixtures`, or "fixtures" (relative to the current directory) if no root is found.
    public static func directory(from file: String = #filePath) -> String {
        guard let root = packageRoot(from: file) else { return "fixtures" }
        return URL(fileURLWithPath: root).appendingPathComponent("fixtures").path
    }

    /// Path of the committed voter file.
    public static func votersPath(from file: String = #filePath) -> String {
        URL(fileURLWithPath: directory(from: file)).appendingPathComponent(votersFile).path
    }

    /// Path of `fixtures/surveys/<name>.yaml`.
    public static func surveyPath(_ name: String, from file: String = #filePath) -> String {
        URL(fileURLWithPath: directory(from: file)).appendingPathComponent("surveys/\(name).yaml").path
    }

    /// Reads and decodes `fixtures/surveys/<name>.yaml` (throws a `ProtocolError` with code `invalidSurvey` when invalid).
    public static func survey(_ name: String, from file: String = #filePath) throws -> Survey {
        let path = surveyPath(name, from: file)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try SurveyDocument.decode(yaml: text, file: "fixtures/surveys/\(name).yaml")
    }

    /// The committed voter file's text.
    public static func votersCSV(from file: String = #filePath) throws -> String {
        try String(contentsOfFile: votersPath(from: file), encoding: .utf8)
    }

    // MARK: Writing and checking (used by the canvass-fixtures tool)

    /// Writes `voters.csv` into `directory`, creating the directory. Returns the path written.
    @discardableResult
    public static func write(_ generator: VoterFileGenerator, to directory: String) throws -> String {
        let dir = URL(fileURLWithPath: directory, isDirectory: true)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(votersFile)
        try Data(VoterCSV.render(generator.generate()).utf8).write(to: url, options: .atomic)
        return url.path
    }

    /// Problems with the files in `directory`: a voter file that differs from what `generator`
    /// produces, and survey documents that do not decode or check. Empty when all is well.
    public static func check(_ generator: VoterFileGenerator, in directory: String) -> [String] {
        var problems: [String] = []
        let dir = URL(fileURLWithPath: directory, isDirectory: true)
        let votersURL = dir.appendingPathComponent(votersFile)
        if let onDisk = FileManager.default.contents(atPath: votersURL.path) {
            let expected = VoterCSV.render(generator.generate())
            if let difference = firstDifference(expected: expected, actual: onDisk) {
                problems.append(
                    "\(votersURL.path) differs from the generator (seed \(generator.seed), \(generator.households) households): \(difference)"
                )
            }
        } else {
            problems.append("\(votersURL.path) is missing")
        }
        let surveys = dir.appendingPathComponent("surveys")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: surveys.path)) ?? []
        for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            let path = surveys.appendingPathComponent(name).path
            do {
                let text = try String(contentsOfFile: path, encoding: .utf8)
                _ = try SurveyDocument.decode(yaml: text, file: path)
            } catch {
                problems.append("\(error)")
            }
        }
        return problems
    }

    /// Nil when `actual` is byte for byte `expected`; otherwise where they first differ.
    public static func firstDifference(expected: String, actual: Data) -> String? {
        let want = Array(expected.utf8)
        let got = [UInt8](actual)
        if want == got { return nil }
        let wantLines = want.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        let gotLines = got.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        for i in 0..<max(wantLines.count, gotLines.count) {
            let w = i < wantLines.count ? String(decoding: wantLines[i], as: UTF8.self) : "<end of file>"
            let g = i < gotLines.count ? String(decoding: gotLines[i], as: UTF8.self) : "<end of file>"
            if w != g || (i < wantLines.count) != (i < gotLines.count) {
                return "line \(i + 1) differs\n  on disk:   \(g)\n  generated: \(w)"
            }
        }
        return "the bytes differ (\(got.count) on disk, \(want.count) generated), e.g. in line endings or encoding"
    }
}
