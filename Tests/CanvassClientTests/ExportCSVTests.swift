import CanvassClient
import CanvassTestSupport
import Foundation
import Testing

/// The one CSV writer: fields are quoted only when they must be, quotes doubled, and files
/// are private and replaced whole.
struct ExportCSVTests {
    @Test func quotesOnlyWhatNeedsQuoting() throws {
        let data = try CSVText.data(
            header: ["id", "note"],
            rows: [["a", "plain"], ["b", "Smith, Jo"], ["c", "said \"hi\""], ["d", "two\nlines"], ["e", ""]])
        #expect(
            String(decoding: data, as: UTF8.self)
                == "id,note\na,plain\nb,\"Smith, Jo\"\nc,\"said \"\"hi\"\"\"\nd,\"two\nlines\"\ne,\n")
    }

    @Test func filesArePrivateAndReplacedWhole() throws {
        let dir = try temporaryDirectory("canvass-export")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("out.csv").path
        try "old contents that are longer than the new ones\n".write(toFile: path, atomically: false, encoding: .utf8)
        try CSVText.write(header: ["id"], rows: [["1"]], to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "id\n1\n")
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["out.csv"], "no temporary file left")
    }
}
