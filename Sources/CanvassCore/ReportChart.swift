/// A campaign report's charts as SVG text (`canvass report --svg DIR`): results by code (bars),
/// progress per list (horizontal bars, done of total), and doors per day with their running total
/// against the doors goal (the pace line from nothing on the first day to the goal on the last).
/// Pure, like `TurfMap`: no library, every text escaped, each bar with a `<title>` naming it.
public enum ReportChart {
    /// The charts of a report by file name. The doors chart needs the per-day table (`byDay`).
    public static func all(_ report: CampaignReport) -> [(name: String, svg: String)] {
        var out = [("results.svg", results(report)), ("lists.svg", lists(report))]
        if report.byDay != nil { out.append(("doors.svg", doors(report))) }
        return out
    }

    static let palette = ["#1f6fb4", "#2ca02c", "#ff7f0e", "#9467bd", "#d62728", "#17becf", "#8c564b", "#7f7f7f"]

    /// Results by code: one vertical bar per code, most first, contacted codes in green.
    public static func results(_ report: CampaignReport) -> String {
        let title = "\(report.name): results by code"
        let width = max(420, 80 + report.results.count * 70)
        let height = 340
        let top = 50.0
        let bottom = Double(height) - 70
        let most = max(1, report.results.map(\.count).max() ?? 1)
        var out = header(title: title, width: width, height: height)
        out.append(axis(x1: 50, y1: bottom, x2: Double(width) - 20, y2: bottom))
        if report.results.isEmpty { out.append(note("no results recorded", x: 60, y: top + 40)) }
        for (k, r) in report.results.enumerated() {
            let h = (bottom - top) * Double(r.count) / Double(most)
            let x = 60.0 + Double(k) * 70
            let fill = r.contacted ? "#2ca02c" : "#1f6fb4"
            out.append(
                ##"<g class="bar" data-code="\##(escape(r.code))"><title>\##(escape(r.label)) (\##(escape(r.code))): \##(r.count)</title><rect x="\##(n(x))" y="\##(n(bottom - h))" width="50" height="\##(n(h))" fill="\##(fill)"/><text x="\##(n(x + 25))" y="\##(n(bottom - h - 4))" font-size="11" text-anchor="middle">\##(r.count)</text><text x="\##(n(x + 25))" y="\##(n(bottom + 14))" font-size="10" text-anchor="middle">\##(escape(short(r.label)))</text></g>"##
            )
        }
        out.append(note("green: reached someone (contacted)", x: 50, y: Double(height) - 20))
        return footer(out)
    }

    /// Progress per list: one horizontal bar per list, done of total people.
    public static func lists(_ report: CampaignReport) -> String {
        let rows = report.byList ?? []
        let title = "\(report.name): progress per list"
        let width = 640
        let height = max(140, 70 + rows.count * 30)
        let left = 180.0
        let span = Double(width) - left - 90
        var out = header(title: title, width: width, height: height)
        if rows.isEmpty { out.append(note("no lists", x: 40, y: 60)) }
        for (k, r) in rows.enumerated() {
            let y = 50.0 + Double(k) * 30
            let total = r.total ?? 0
            let done = r.done ?? 0
            let part = total > 0 ? Double(done) / Double(total) : 0
            out.append(
                ##"<g class="bar" data-list="\##(escape(r.key))"><title>\##(escape(r.name)): \##(done) of \##(total) done</title><text x="\##(n(left - 8))" y="\##(n(y + 14))" font-size="12" text-anchor="end">\##(escape(short(r.name, 26)))</text><rect x="\##(n(left))" y="\##(n(y))" width="\##(n(span))" height="20" fill="#e4e4e4"/><rect x="\##(n(left))" y="\##(n(y))" width="\##(n(span * part))" height="20" fill="#2ca02c"/><text x="\##(n(left + span + 6))" y="\##(n(y + 14))" font-size="12">\##(done)/\##(total)</text></g>"##
            )
        }
        return footer(out)
    }

    /// Doors per day (bars), their running total (line) and the goal: a pace line from the
    /// campaign's first day to the goal on its last, or a flat line at the goal without dates.
    public static func doors(_ report: CampaignReport) -> String {
        let perDay = (report.byDay ?? []).filter { !$0.key.isEmpty }
        var first = perDay.first?.key
        var last = perDay.last?.key
        if let s = report.startDate, first.map({ s < $0 }) ?? true { first = s }
        if let e = report.endDate, last.map({ e > $0 }) ?? true { last = e }
        let days = CivilDay.range(first, last)
        let goal = report.goals.doors.goal
        let title = "\(report.name): doors per day against the goal"
        let width = max(480, 100 + days.count * 14)
        let height = 360
        let left = 60.0
        let top = 50.0
        let bottom = Double(height) - 60
        let right = Double(width) - 30
        let byDay = Dictionary(perDay.map { ($0.key, $0.tally.doors) }, uniquingKeysWith: +)
        var running: [Int] = []
        var sum = 0
        for d in days {
            sum += byDay[d] ?? 0
            running.append(sum)
        }
        let most = Double(max(1, Int(goal ?? 0), sum))
        let step = days.count > 1 ? (right - left) / Double(days.count - 1) : 0
        func x(_ k: Int) -> Double { days.count > 1 ? left + Double(k) * step : (left + right) / 2 }
        func y(_ v: Double) -> Double { bottom - (bottom - top) * v / most }
        var out = header(title: title, width: width, height: height)
        out.append(axis(x1: left, y1: bottom, x2: right, y2: bottom))
        out.append(axis(x1: left, y1: top, x2: left, y2: bottom))
        out.append(
            ##"<text x="\##(n(left - 6))" y="\##(n(y(most) + 4))" font-size="10" text-anchor="end">\##(Int(most))</text>"##
        )
        if days.isEmpty { out.append(note("no doors knocked", x: left + 10, y: top + 40)) }
        let barWidth = max(2, min(24, step * 0.6))
        for (k, d) in days.enumerated() {
            let v = byDay[d] ?? 0
            guard v > 0 else { continue }
            out.append(
                ##"<g class="bar" data-day="\##(d)"><title>\##(d): \##(v) doors, \##(running[k]) so far</title><rect x="\##(n(x(k) - barWidth / 2))" y="\##(n(y(Double(v))))" width="\##(n(barWidth))" height="\##(n(bottom - y(Double(v))))" fill="#9ecae1"/></g>"##
            )
        }
        // The running total stops at the last day knocked, not at the campaign's end.
        let knocked = days.lastIndex { (byDay[$0] ?? 0) > 0 } ?? -1
        if knocked > 0 {
            let line = (0...knocked).map { "\(n(x($0))),\(n(y(Double(running[$0]))))" }.joined(separator: " ")
            out.append(
                ##"<polyline class="running" points="\##(line)" fill="none" stroke="#1f6fb4" stroke-width="2"><title>doors so far</title></polyline>"##
            )
        }
        if let goal {
            let g = Double(goal)
            if let s = report.startDate, let e = report.endDate, let a = days.firstIndex(of: s),
                let b = days.firstIndex(of: e), b > a
            {
                out.append(
                    ##"<line class="goal" x1="\##(n(x(a)))" y1="\##(n(y(0)))" x2="\##(n(x(b)))" y2="\##(n(y(g)))" stroke="#d62728" stroke-width="2" stroke-dasharray="6 4"><title>pace to the goal of \##(goal) doors by \##(e)</title></line>"##
                )
            } else {
                out.append(
                    ##"<line class="goal" x1="\##(n(left))" y1="\##(n(y(g)))" x2="\##(n(right))" y2="\##(n(y(g)))" stroke="#d62728" stroke-width="2" stroke-dasharray="6 4"><title>goal: \##(goal) doors</title></line>"##
                )
            }
        }
        if let f = days.first, let l = days.last {
            out.append(##"<text x="\##(n(left))" y="\##(n(bottom + 16))" font-size="10">\##(f)</text>"##)
            out.append(
                ##"<text x="\##(n(right))" y="\##(n(bottom + 16))" font-size="10" text-anchor="end">\##(l)</text>"##)
        }
        out.append(
            note(
                "bars: doors each day; blue line: running total; red dashes: \(goal.map { "goal \($0)" } ?? "no goal set")",
                x: left, y: Double(height) - 20))
        return footer(out)
    }

    // MARK: drawing

    static func header(title: String, width: Int, height: Int) -> [String] {
        [
            ##"<?xml version="1.0" encoding="UTF-8"?>"##,
            ##"<svg xmlns="http://www.w3.org/2000/svg" width="\##(width)" height="\##(height)" viewBox="0 0 \##(width) \##(height)" font-family="sans-serif">"##,
            "<title>\(escape(title))</title>",
            ##"<rect width="100%" height="100%" fill="#ffffff"/>"##,
            ##"<text x="20" y="26" font-size="15" fill="#222">\##(escape(title))</text>"##,
        ]
    }

    static func footer(_ lines: [String]) -> String { (lines + ["</svg>"]).joined(separator: "\n") + "\n" }

    static func axis(x1: Double, y1: Double, x2: Double, y2: Double) -> String {
        ##"<line x1="\##(n(x1))" y1="\##(n(y1))" x2="\##(n(x2))" y2="\##(n(y2))" stroke="#333" stroke-width="1"/>"##
    }

    static func note(_ text: String, x: Double, y: Double) -> String {
        ##"<text x="\##(n(x))" y="\##(n(y))" font-size="11" fill="#666">\##(escape(text))</text>"##
    }

    static func short(_ text: String, _ limit: Int = 11) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }

    static func escape(_ text: String) -> String { TurfMap.escape(text) }
    static func n(_ v: Double) -> String { TurfMap.n(v) }
}

/// Days of the proleptic Gregorian calendar as "YYYY-MM-DD", counted without a calendar library
/// (days from civil, H. Hinnant's algorithm), for the axis of a chart.
enum CivilDay {
    /// Every day from `first` to `last` inclusive (empty when either is missing or not a day;
    /// at most 1,000 days).
    static func range(_ first: String?, _ last: String?) -> [String] {
        guard let first, let last, let a = number(first), let b = number(last), a <= b else {
            return [first, last].compactMap { $0 }.filter { number($0) != nil }.reduce(into: []) { out, d in
                if !out.contains(d) { out.append(d) }
            }
        }
        return (a...min(b, a + 999)).map(text)
    }

    static func number(_ day: String) -> Int? {
        let parts = day.split(separator: "-")
        guard parts.count == 3, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
            (1...12).contains(m),
            (1...31).contains(d)
        else { return nil }
        let yy = m <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func text(_ n: Int) -> String {
        let z = n + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp + (mp < 10 ? 3 : -9)
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        func pad(_ v: Int, _ w: Int) -> String {
            String(repeating: "0", count: max(0, w - String(v).count)) + String(v)
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }
}
