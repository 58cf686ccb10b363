import CanvassTestSupport
import Foundation
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The campaign report and exports with real processes: a demo server, the real `canvass` binary
/// for two canvassers and a coordinator. The canvassers record results and answers on their walk
/// lists and sync; the coordinator rolls one back, then `report --json` (totals, per canvasser,
/// per list, per day), `--csv`, `--svg DIR` and `export` are checked against numbers this test
/// computes from what it recorded.
@Suite(.serialized) struct CampaignReportEndToEndTests {
    /// What the test recorded.
    struct Recorded {
        let id: String
        let canvasser: String
        let list: String
        let person: String
        let household: String
        let result: String
        let support: Int?
    }

    /// Result codes of the demo's door survey that reach someone, and those that finish a person.
    static let contacted: Set<String> = ["contacted", "refused"]
    static let finishing: Set<String> = ["contacted", "moved"]

    static func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    /// A CSV file's rows as the header names them (test-side reading of a few simple columns;
    /// quoted fields may hold commas).
    static func csvRows(_ text: String) -> [[String: String]] {
        var lines: [[String]] = []
        var field = ""
        var row: [String] = []
        var quoted = false
        var previous: Character?
        for ch in text {
            if quoted {
                if ch == "\"" { quoted = false } else { field.append(ch) }
            } else if ch == "\"" {
                if previous == "\"" { field.append("\"") }
                quoted = true
            } else if ch == "," {
                row.append(field)
                field = ""
            } else if ch == "\n" {
                row.append(field)
                lines.append(row)
                row = []
                field = ""
            } else {
                field.append(ch)
            }
            previous = ch
        }
        guard let header = lines.first else { return [] }
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }

    @Test func reportAndExportsMatchWhatWasRecorded() async throws {
        let dir = try temporaryDirectory("canvass-report")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("server").path
        let server = try ServerProcess(arguments: ["demo"], dataDirectory: data)
        defer { server.stop() }
        func home(_ name: String) -> String { dir.appendingPathComponent(name).path }
        let campaign = "camp-2026"
        let canvassers = [("Ana Diaz", "turf-01", home("ana")), ("Ben Okafor", "turf-02", home("ben"))]
        for (name, list, h) in canvassers {
            let added = try runServerCommand(
                ["user", "add", name, "--role", "canvasser", "--json"], dataDirectory: data)
            let code = try #require(try jsonObject(added.output)["code"] as? String)
            #expect(try runServerCommand(["list", "assign", list, name], dataDirectory: data).status == 0)
            #expect(try await canvass(["login", server.baseURL, code], home: h).status == 0)
        }
        let kim = home("kim")
        #expect(
            try await canvass(["login", server.baseURL, try #require(server.code(for: "coordinator"))], home: kim)
                .status == 0)
        // Done before anyone knocks (people suppressed on the list), from the coordinator's walk view.
        var doneBefore: [String: Set<String>] = [:]
        var people: [String: Int] = [:]
        for (_, list, _) in canvassers {
            let stops = try jsonArray(try await canvass(["walk", list, "--json"], home: kim).out)
            let all = stops.flatMap { $0["people"] as? [[String: Any]] ?? [] }
            people[list] = all.count
            doneBefore[list] = Set(all.filter { $0["done"] as? Bool == true }.compactMap { $0["id"] as? String })
        }

        // Each canvasser records on the first doors of the list: results, and answers on contacts.
        let plans: [String: [(result: String, support: Int?)]] = [
            "Ana Diaz": [("contacted", 5), ("contacted", 2), ("not_home", nil), ("refused", nil)],
            "Ben Okafor": [("contacted", 4), ("not_home", nil), ("moved", nil)],
        ]
        let dayBefore = Self.utcDay(Date())
        var recorded: [Recorded] = []
        for (name, list, h) in canvassers {
            let stops = try jsonArray(try await canvass(["walk", list, "--json"], home: h).out)
            let plan = try #require(plans[name])
            var targets: [(person: String, household: String)] = []
            for stop in stops {
                let hid = stop["household_id"] as? String ?? ""
                for p in stop["people"] as? [[String: Any]] ?? [] where p["done"] as? Bool != true {
                    if let id = p["id"] as? String { targets.append((id, hid)) }
                    break
                }
                if targets.count == plan.count { break }
            }
            try #require(targets.count == plan.count)
            for (target, step) in zip(targets, plan) {
                var args = ["record", target.person, "--list", list, "--result", step.result, "--json"]
                if let s = step.support {
                    args += ["--answer", "willing=yes", "--answer", "support=\(s)", "--answer", "top_issue=housing"]
                }
                let r = try await canvass(args, home: h)
                #expect(r.status == 0, "\(r.err)")
                recorded.append(
                    Recorded(
                        id: try #require(try jsonObject(r.out)["interaction"] as? String), canvasser: name,
                        list: list, person: target.person, household: target.household, result: step.result,
                        support: step.support))
            }
            #expect(try await canvass(["sync"], home: h).status == 0)
        }
        let day = Self.utcDay(Date())
        #expect(try await canvass(["sync"], home: kim).status == 0)

        // The coordinator rolls back Ben's not-home knock: it counts nowhere, but is exported.
        let rolledBack = try #require(recorded.first { $0.canvasser == "Ben Okafor" && $0.result == "not_home" })
        let rb = try await canvass(["review", "rollback", rolledBack.id, "--reason", "wrong street"], home: kim)
        #expect(rb.status == 0, "\(rb.err)")
        let counted = recorded.filter { $0.id != rolledBack.id }

        // Totals, results and IDs by support level.
        let report = try jsonObject(try await canvass(["report", campaign, "--json"], home: kim).out)
        let totals = try #require(report["totals"] as? [String: Any])
        let contacts = counted.filter { Self.contacted.contains($0.result) }.count
        #expect(totals["attempts"] as? Int == counted.count, "\(totals)")
        #expect(totals["doors"] as? Int == Set(counted.map(\.household)).count)
        #expect(totals["contacts"] as? Int == contacts)
        #expect(
            abs((totals["contact_rate"] as? Double ?? -1) - Double(contacts) / Double(counted.count)) < 0.0001)
        #expect(report["rolled_back"] as? Int == 1)
        let results = try #require(report["results"] as? [[String: Any]])
        var byCode: [String: Int] = [:]
        for r in counted { byCode[r.result, default: 0] += 1 }
        #expect(
            Dictionary(uniqueKeysWithValues: results.map { ($0["code"] as? String ?? "", $0["count"] as? Int ?? 0) })
                == byCode)
        var levels = Dictionary(uniqueKeysWithValues: (1...5).map { (String($0), 0) })
        for r in counted { if let s = r.support { levels[String(s), default: 0] += 1 } }
        #expect(report["support"] as? [String: Int] == levels)
        let goals = try #require(report["goals"] as? [String: Any])
        #expect((goals["contacts"] as? [String: Any])?["done"] as? Int == contacts)
        #expect((goals["doors"] as? [String: Any])?["goal"] as? Int == 20_000)
        #expect(report["gotv"] is [String: Any] && report["revenue"] is [String: Any], "\(report.keys.sorted())")

        // Per canvasser, per list, per day.
        let byCanvasser = try #require(report["by_canvasser"] as? [[String: Any]])
        for (name, _, _) in canvassers {
            let mine = counted.filter { $0.canvasser == name }
            let row = try #require(byCanvasser.first { $0["name"] as? String == name }, "\(byCanvasser)")
            #expect(row["attempts"] as? Int == mine.count)
            #expect(row["contacts"] as? Int == mine.filter { Self.contacted.contains($0.result) }.count)
        }
        let byList = try #require(report["by_list"] as? [[String: Any]])
        for (_, list, _) in canvassers {
            let mine = counted.filter { $0.list == list }
            let row = try #require(byList.first { $0["key"] as? String == list })
            #expect(row["doors"] as? Int == Set(mine.map(\.household)).count)
            let finished = Set(mine.filter { Self.finishing.contains($0.result) }.map(\.person))
            #expect(row["done"] as? Int == finished.union(doneBefore[list] ?? []).count, "\(row)")
            #expect(row["total"] as? Int == people[list])
        }
        if day == dayBefore {
            let byDay = try #require(report["by_day"] as? [[String: Any]])
            #expect(byDay.map { $0["key"] as? String } == [day])
            #expect(byDay.first?["attempts"] as? Int == counted.count)
            let outside = try jsonObject(
                try await canvass(["report", campaign, "--by", "day", "--to", "2026-01-01", "--json"], home: kim).out)
            #expect((outside["totals"] as? [String: Any])?["attempts"] as? Int == 0)
            #expect(outside["by_canvasser"] is NSNull, "--by keeps one table")
        }

        let text = try await canvass(["report", campaign], home: kim)
        #expect(
            text.status == 0 && text.out.contains("doors knocked \(Set(counted.map(\.household)).count)"), "\(text.out)"
        )

        // --csv: the table per canvasser.
        let csv = try await canvass(["report", campaign, "--by", "canvasser", "--csv"], home: kim)
        #expect(csv.status == 0, "\(csv.err)")
        let csvRows = Self.csvRows(csv.out)
        for (name, _, _) in canvassers {
            let row = try #require(csvRows.first { $0["name"] == name }, "\(csv.out)")
            #expect(row["attempts"] == String(counted.filter { $0.canvasser == name }.count))
        }

        // --svg DIR: three private files that parse, a titled bar for each result code.
        let charts = dir.appendingPathComponent("charts").path
        let svg = try await canvass(["report", campaign, "--svg", charts], home: kim)
        #expect(svg.status == 0, "\(svg.err)")
        for name in ["results.svg", "lists.svg", "doors.svg"] {
            let path = (charts as NSString).appendingPathComponent(name)
            #expect(try Self.mode(path) == 0o600, "\(name)")
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let titles = try #require(Self.barTitles(text), "\(name) is not XML")
            if name == "results.svg" {
                #expect(titles.count == byCode.count, "\(titles)")
                for (code, n) in byCode { #expect(titles.contains { $0.hasSuffix("(\(code)): \(n)") }, "\(titles)") }
            }
        }

        // Exports: every interaction (the rolled-back one marked), the campaign's people, a donation.
        let interactions = dir.appendingPathComponent("interactions.csv").path
        let exported = try jsonObject(
            try await canvass(
                ["export", campaign, "--what", "interactions", interactions, "--json"], home: kim
            ).out)
        #expect(exported["rows"] as? Int == recorded.count && exported["path"] as? String == interactions)
        #expect(try Self.mode(interactions) == 0o600)
        let rows = Self.csvRows(try String(contentsOfFile: interactions, encoding: .utf8))
        #expect(Set(rows.compactMap { $0["id"] }) == Set(recorded.map(\.id)))
        #expect(rows.filter { $0["rolled_back"] == "true" }.compactMap { $0["id"] } == [rolledBack.id])
        let answered = try #require(rows.first { $0["id"] == recorded.first { $0.support != nil }?.id })
        #expect(answered["answers"]?.contains("\"support\"") == true, "\(answered)")

        let donor = try #require(recorded.first?.person)
        #expect(try await canvass(["donation", "add", donor, "25", "--campaign", campaign], home: kim).status == 0)
        let donations = dir.appendingPathComponent("donations.csv").path
        #expect(try await canvass(["export", campaign, "--what", "donations", donations], home: kim).status == 0)
        let gifts = Self.csvRows(try String(contentsOfFile: donations, encoding: .utf8))
        #expect(gifts.map { $0["amount_cents"] } == ["2500"] && gifts.first?["contact_id"] == donor)

        let contactsFile = dir.appendingPathComponent("contacts.csv").path
        #expect(try await canvass(["export", campaign, "--what", "contacts", contactsFile], home: kim).status == 0)
        let exportedPeople = Set(
            Self.csvRows(try String(contentsOfFile: contactsFile, encoding: .utf8)).compactMap { $0["id"] })
        #expect(Set(recorded.map(\.person)).isSubset(of: exportedPeople))
        #expect(try Self.mode(contactsFile) == 0o600)
    }

    static func utcDay(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd"
        return f.string(from: date)
    }

    /// The `<title>` of each element with class "bar", or nil when the text is not XML.
    static func barTitles(_ svg: String) -> [String]? {
        final class Titles: NSObject, XMLParserDelegate {
            var bars: [String] = []
            var depth = 0
            var text: String?
            func parser(
                _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]
            ) {
                if attributes["class"] == "bar" { depth += 1 }
                if name == "title" && depth > 0 { text = "" }
            }
            func parser(_ parser: XMLParser, foundCharacters string: String) { text? += string }
            func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?)
            {
                if name == "title", let t = text {
                    bars.append(t)
                    text = nil
                }
                if name == "g" && depth > 0 { depth -= 1 }
            }
        }
        let parser = XMLParser(data: Data(svg.utf8))
        let titles = Titles()
        parser.delegate = titles
        return parser.parse() ? titles.bars : nil
    }
}
