/// A turf drawn as SVG text: each household a numbered point in walk order, the route as a line
/// from the first door (green) to the last (red), and each street as a grey band with its name,
/// so a coordinator can look at a turf instead of reading it. Pure: no library, every text escaped.
public enum TurfMap {
    /// A door on the map.
    public struct Door: Sendable, Hashable {
        /// 1, 2, 3, … in walk order.
        public let number: Int
        /// The address, shown when hovering.
        public let label: String
        public let street: String
        public let latitude: Double
        public let longitude: Double

        public init(number: Int, label: String, street: String, latitude: Double, longitude: Double) {
            self.number = number
            self.label = label
            self.street = street
            self.latitude = latitude
            self.longitude = longitude
        }
    }

    /// The SVG document for a list's doors (in walk order), `size` pixels on the longer side.
    public static func svg(title: String, doors: [Door], size: Int = 800) -> String {
        let margin = 40.0
        let header = 30.0
        let lats = doors.map(\.latitude)
        let lngs = doors.map(\.longitude)
        let (minLat, maxLat) = (lats.min() ?? 0, lats.max() ?? 0)
        let (minLng, maxLng) = (lngs.min() ?? 0, lngs.max() ?? 0)
        let scaleX = TurfGeometry.cosine(degrees: (minLat + maxLat) / 2)
        let spanX = max((maxLng - minLng) * scaleX, 1e-5)
        let spanY = max(maxLat - minLat, 1e-5)
        let inner = Double(size) - 2 * margin
        let k = inner / max(spanX, spanY)
        let width = spanX * k + 2 * margin
        let height = spanY * k + 2 * margin + header

        func project(_ d: Door) -> (x: Double, y: Double) {
            (margin + (d.longitude - minLng) * scaleX * k, header + margin + (maxLat - d.latitude) * k)
        }
        // Doors at one spot (units of a building) are fanned out so that every number shows.
        var seen: [String: Int] = [:]
        let points = doors.map { d -> (x: Double, y: Double) in
            let p = project(d)
            let key = "\(d.latitude),\(d.longitude)"
            let n = seen[key, default: 0]
            seen[key] = n + 1
            return (p.x + Double(n % 4) * 9, p.y + Double(n / 4) * 9)
        }

        var out: [String] = []
        out.append(##"<?xml version="1.0" encoding="UTF-8"?>"##)
        out.append(
            ##"<svg xmlns="http://www.w3.org/2000/svg" width="\##(n(width))" height="\##(n(height))" viewBox="0 0 \##(n(width)) \##(n(height))" font-family="sans-serif">"##
        )
        out.append("<title>\(escape(title))</title>")
        out.append(##"<rect width="100%" height="100%" fill="#ffffff"/>"##)
        let route = TurfRoute.length(coordinates: doors.map { ($0.latitude, $0.longitude) })
        out.append(
            ##"<text x="\##(n(margin))" y="22" font-size="15" fill="#222">\##(escape(title)) — \##(doors.count) doors, route about \##(Int(route.rounded())) m</text>"##
        )

        // Streets: a band through the two doors of each street farthest apart, and its name along it.
        var streets: [String] = []
        for d in doors where !streets.contains(d.street) { streets.append(d.street) }
        for (s, street) in streets.enumerated() {
            let on = doors.indices.filter { doors[$0].street == street }
            var ends = (on[0], on[0])
            var far = -1.0
            for a in on {
                for b in on {
                    let dx = points[a].x - points[b].x
                    let dy = points[a].y - points[b].y
                    if dx * dx + dy * dy > far {
                        far = dx * dx + dy * dy
                        ends = (a, b)
                    }
                }
            }
            var (p, q) = (points[ends.0], points[ends.1])
            // Left to right, or bottom to top for a street running north–south, so the name reads.
            if q.x < p.x - 1 || (abs(q.x - p.x) <= 1 && q.y > p.y) { swap(&p, &q) }
            out.append(
                ##"<path id="street-\##(s)" d="M \##(n(p.x)) \##(n(p.y)) L \##(n(q.x)) \##(n(q.y))" fill="none" stroke="#e4e4e4" stroke-width="16" stroke-linecap="round"/>"##
            )
            out.append(
                ##"<text font-size="11" fill="#666" dy="-12"><textPath href="#street-\##(s)" startOffset="50%" text-anchor="middle">\##(escape(street))</textPath></text>"##
            )
        }

        if points.count > 1 {
            let line = points.map { "\(n($0.x)),\(n($0.y))" }.joined(separator: " ")
            out.append(
                ##"<polyline points="\##(line)" fill="none" stroke="#1f6fb4" stroke-width="2" stroke-linejoin="round"/>"##
            )
        }
        for (i, d) in doors.enumerated() {
            let p = points[i]
            let fill = i == 0 ? "#2ca02c" : (i == doors.count - 1 ? "#d62728" : "#ffffff")
            let ink = i == 0 || i == doors.count - 1 ? "#ffffff" : "#222222"
            out.append(
                ##"<g><title>\##(d.number). \##(escape(d.label))</title><circle cx="\##(n(p.x))" cy="\##(n(p.y))" r="8" fill="\##(fill)" stroke="#333333" stroke-width="1"/><text x="\##(n(p.x))" y="\##(n(p.y))" dy="3" font-size="8" text-anchor="middle" fill="\##(ink)">\##(d.number)</text></g>"##
            )
        }
        out.append("</svg>")
        return out.joined(separator: "\n") + "\n"
    }

    /// Text safe inside an XML element or attribute.
    public static func escape(_ text: String) -> String {
        var out = ""
        for ch in text {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(ch)
            }
        }
        return out
    }

    /// A coordinate with one decimal.
    static func n(_ v: Double) -> String {
        let r = (v * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}
