/// A household on a walk: its place on the street and, when known, where it stands.
public struct TurfStop: Sendable, Hashable {
    public let address: Canvassing.WalkAddress
    public let latitude: Double?
    public let longitude: Double?

    public init(address: Canvassing.WalkAddress, latitude: Double?, longitude: Double?) {
        self.address = address
        self.latitude = latitude
        self.longitude = longitude
    }

    var point: TurfGeometry.Point? {
        guard let latitude, let longitude else { return nil }
        return TurfGeometry.Point(latitude: latitude, longitude: longitude)
    }
}

/// The walk order of a list's households, which the cutter stores as list items' `position` and
/// the walk view honours (`Canvassing.walksBefore(_:_:)` with positions): one rule for the order.
///
/// - Without coordinates for every household: `Canvassing.walksBefore`, by street, up the odd
///   side and back down the even side.
/// - With coordinates: a short route. Each side of each street block (the 100s of Maple Ave, odd
///   side) is a run walked from one end to the other, in house-number order either way, so a
///   street is always walked one side at a time and never zigzagged. The runs are ordered by
///   nearest neighbour, then improved by 2-opt (which may walk a run the other way); the same is
///   done starting from the `walksBefore` order, and the shorter route wins (on a tie, the
///   `walksBefore` one). So the route is never longer than the plain walk order.
///
/// Pure and deterministic: the same households always give the same order.
public enum TurfRoute {
    /// The households in walk order.
    public static func order(_ stops: [TurfStop]) -> [TurfStop] {
        let sorted = stops.sorted { Canvassing.walksBefore($0.address, $1.address) }
        guard sorted.count > 2, sorted.allSatisfy({ $0.point != nil }) else { return sorted }
        let runs = Run.runs(of: sorted)
        guard runs.count > 1 else { return sorted }
        let distance = TurfGeometry.Distance(origin: sorted[0].point!)
        let plain = Path(order: Array(runs.indices), flipped: Array(repeating: false, count: runs.count))
        let candidates = [
            plain.improved(runs, distance),
            Path.nearestNeighbour(runs, distance).improved(runs, distance),
        ]
        var best = candidates[0]
        for c in candidates.dropFirst() where c.cost(runs, distance) < best.cost(runs, distance) - 1e-6 { best = c }
        return best.stops(runs)
    }

    /// The length of a walk through the households in the given order, in metres, or nil when a
    /// household has no coordinates.
    public static func length(_ stops: [TurfStop]) -> Double? {
        let points = stops.compactMap(\.point)
        guard points.count == stops.count else { return nil }
        return length(points)
    }

    /// The length of a walk through points in the given order, in metres.
    public static func length(coordinates: [(latitude: Double, longitude: Double)]) -> Double {
        length(coordinates.map { TurfGeometry.Point(latitude: $0.latitude, longitude: $0.longitude) })
    }

    static func length(_ points: [TurfGeometry.Point]) -> Double {
        guard let first = points.first else { return 0 }
        let distance = TurfGeometry.Distance(origin: first)
        return zip(points, points.dropFirst()).reduce(0) { $0 + distance($1.0, $1.1) }
    }

    /// One side of one street block, in walk order, houses at the same number kept together.
    struct Run {
        /// Houses by number; the stops at one number (units) stay in their natural order either way.
        let numbers: [[TurfStop]]
        let first: TurfGeometry.Point
        let last: TurfGeometry.Point

        /// Runs in `walksBefore` order of their first house (`stops` is already sorted so).
        static func runs(of stops: [TurfStop]) -> [Run] {
            var out: [Run] = []
            var current: [[TurfStop]] = []
            func key(_ s: TurfStop) -> String {
                "\(s.address.streetName)|\(s.address.streetNumber / 100)|\(s.address.side)"
            }
            func flush() {
                guard let f = current.first?.first?.point, let l = current.last?.last?.point else { return }
                out.append(Run(numbers: current, first: f, last: l))
                current = []
            }
            for s in stops {
                if let previous = current.last?.last {
                    if key(previous) != key(s) {
                        flush()
                    } else if previous.address.streetNumber == s.address.streetNumber {
                        current[current.count - 1].append(s)
                        continue
                    }
                }
                current.append([s])
            }
            flush()
            return out
        }

        func stops(flipped: Bool) -> [TurfStop] { (flipped ? numbers.reversed() : numbers).flatMap { $0 } }
    }

    /// An order of runs, each walked forwards or backwards.
    struct Path {
        var order: [Int]
        var flipped: [Bool]

        func entry(_ k: Int, _ runs: [Run]) -> TurfGeometry.Point {
            flipped[k] ? runs[order[k]].last : runs[order[k]].first
        }

        func exit(_ k: Int, _ runs: [Run]) -> TurfGeometry.Point {
            flipped[k] ? runs[order[k]].first : runs[order[k]].last
        }

        /// The walking between runs (the runs themselves cost the same either way).
        func cost(_ runs: [Run], _ d: TurfGeometry.Distance) -> Double {
            (1..<max(1, order.count)).reduce(0) { $0 + d(exit($1 - 1, runs), entry($1, runs)) }
        }

        func stops(_ runs: [Run]) -> [TurfStop] {
            order.indices.flatMap { runs[order[$0]].stops(flipped: flipped[$0]) }
        }

        /// From the first run, always on to the nearest end of a run not walked yet.
        static func nearestNeighbour(_ runs: [Run], _ d: TurfGeometry.Distance) -> Path {
            var path = Path(order: [0], flipped: [false])
            var left = Set(runs.indices.dropFirst())
            while !left.isEmpty {
                let here = path.exit(path.order.count - 1, runs)
                var best: (run: Int, flip: Bool, cost: Double)?
                for r in left.sorted() {
                    for flip in [false, true] {
                        let c = d(here, flip ? runs[r].last : runs[r].first)
                        if best == nil || c < best!.cost - 1e-9 { best = (r, flip, c) }
                    }
                }
                path.order.append(best!.run)
                path.flipped.append(best!.flip)
                left.remove(best!.run)
            }
            return path
        }

        /// 2-opt over oriented runs: reversing a stretch of the path also turns each run in it
        /// around. Repeats until no reversal shortens the route (or a pass limit is reached).
        func improved(_ runs: [Run], _ d: TurfGeometry.Distance) -> Path {
            var p = self
            let n = p.order.count
            var passes = 0
            var better = true
            while better && passes < 100 {
                better = false
                passes += 1
                for i in 0..<n {
                    for j in i..<n where !(i == 0 && j == n - 1) {
                        var delta = 0.0
                        if i > 0 {
                            delta += d(p.exit(i - 1, runs), p.exit(j, runs)) - d(p.exit(i - 1, runs), p.entry(i, runs))
                        }
                        if j < n - 1 {
                            delta +=
                                d(p.entry(i, runs), p.entry(j + 1, runs)) - d(p.exit(j, runs), p.entry(j + 1, runs))
                        }
                        if delta < -1e-6 {
                            p.order[i...j].reverse()
                            p.flipped[i...j].reverse()
                            for k in i...j { p.flipped[k].toggle() }
                            better = true
                        }
                    }
                }
            }
            return p
        }
    }
}

/// Flat-earth geometry, plenty for a turf a few kilometres across. Core has no Foundation, so
/// the one cosine it needs is a short series.
enum TurfGeometry {
    struct Point: Sendable, Hashable {
        let latitude: Double
        let longitude: Double
    }

    static let metresPerDegree = 111_195.0

    /// Cosine of an angle in degrees (Taylor series after reducing to −180…180, error < 1e-9).
    static func cosine(degrees: Double) -> Double {
        var d = degrees.truncatingRemainder(dividingBy: 360)
        if d > 180 { d -= 360 }
        if d < -180 { d += 360 }
        let x = d * Double.pi / 180
        var term = 1.0
        var sum = 1.0
        for k in 1...12 {
            term *= -x * x / Double((2 * k - 1) * (2 * k))
            sum += term
        }
        return sum
    }

    /// Distances in metres around one latitude (equirectangular).
    struct Distance {
        let scale: Double

        init(origin: Point) { scale = TurfGeometry.cosine(degrees: origin.latitude) }

        func callAsFunction(_ a: Point, _ b: Point) -> Double {
            let dx = (a.longitude - b.longitude) * scale * TurfGeometry.metresPerDegree
            let dy = (a.latitude - b.latitude) * TurfGeometry.metresPerDegree
            return (dx * dx + dy * dy).squareRoot()
        }
    }
}
