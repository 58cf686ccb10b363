import CanvassCore
import Foundation
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The report's charts: well-formed SVG with a titled bar per result code and per list, names
/// escaped, and a doors axis over the campaign's days.
struct ReportChartTests {
    static func report() -> CampaignReport {
        let survey = Survey(id: "s", title: "S", kind: .canvass, resultCodes: ResultCode.standard, questions: [])
        let facts = CampaignReport.Facts(
            campaign: "c", name: "Rivera <2026> & co", goalDoors: 40, startDate: "2028-02-27", endDate: "2028-03-02",
            interactions: [
                .init(
                    id: "1", person: "p1", household: "h1", list: "L", channel: "door", result: "contacted",
                    day: "2028-02-28"),
                .init(
                    id: "2", person: "p2", household: "h2", list: "L", channel: "door", result: "not_home",
                    day: "2028-02-29"),
                .init(
                    id: "3", person: "p3", household: "h3", list: "L", channel: "door", result: "not_home",
                    day: "2028-03-01"),
            ],
            surveys: ["s": survey],
            lists: [.init(id: "L", name: "Oak & \"Elm\"", survey: "s", people: ["p1", "p2", "p3"])])
        return CampaignReport.build(facts)
    }

    /// The `<title>` texts of the elements with class "bar", read by an XML parser.
    final class Titles: NSObject, XMLParserDelegate {
        var bars: [String] = []
        var inBar = 0
        var text: String?
        func parser(
            _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            if attributes["class"] == "bar" { inBar += 1 }
            if name == "title" && inBar > 0 { text = "" }
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) { text? += string }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if name == "title", let t = text {
                bars.append(t)
                text = nil
            }
            if name == "g" && inBar > 0 { inBar -= 1 }
        }
    }

    static func bars(_ svg: String) -> [String]? {
        let parser = XMLParser(data: Data(svg.utf8))
        let titles = Titles()
        parser.delegate = titles
        return parser.parse() ? titles.bars : nil
    }

    @Test func chartsParseWithATitledBarForEachCodeListAndDay() {
        let r = Self.report()
        let charts = Dictionary(uniqueKeysWithValues: ReportChart.all(r).map { ($0.name, $0.svg) })
        #expect(Self.bars(charts["results.svg"]!) == ["Not home (not_home): 2", "Contacted (contacted): 1"])
        #expect(Self.bars(charts["lists.svg"]!) == ["Oak & \"Elm\": 1 of 3 done"])
        #expect(
            Self.bars(charts["doors.svg"]!) == [
                "2028-02-28: 1 doors, 1 so far", "2028-02-29: 1 doors, 2 so far", "2028-03-01: 1 doors, 3 so far",
            ])
        // The pace line runs over the campaign's days, leap day included, from the start to the goal.
        #expect(charts["doors.svg"]!.contains("pace to the goal of 40 doors by 2028-03-02"))
        #expect(charts["results.svg"]!.contains("Rivera &lt;2026&gt; &amp; co"))
        // The running total runs from the first day to the last day knocked (03-01), not on to the end.
        let running = charts["doors.svg"]!.split(separator: "\n").first { $0.contains("class=\"running\"") }
        let points = running?.split(separator: "\"").dropFirst(3).first?.split(separator: " ")
        #expect(points?.count == 4, "\(String(describing: running))")
    }

    @Test func withoutTheDayTableThereIsNoDoorsChart() {
        #expect(ReportChart.all(Self.report().keeping(.list)).map(\.name) == ["results.svg", "lists.svg"])
    }
}
