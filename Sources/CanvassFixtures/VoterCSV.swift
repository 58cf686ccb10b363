import CanvassProtocol

/// The voter file as CSV (RFC 4180, "\n" line ends, a header row of snake_case column names).
public enum VoterCSV {
    public static let header: [String] = Voter.columns

    /// One row's fields, in `header` order.
    public static func fields(_ v: Voter) -> [String] {
        [
            v.voterId, v.householdId, v.firstName, v.middleName, v.lastName, v.suffix, String(v.streetNumber),
            v.streetName, v.unit, v.city, v.state, v.zip, degrees(v.latitude), degrees(v.longitude), v.phone,
            v.email, v.party, v.precinct, String(v.ward), String(v.birthYear), v.gender, v.registrationDate,
            v.voteHistory,
        ]
    }

    public static func render(_ voters: [Voter]) -> String {
        var out = ""
        out.reserveCapacity(160 * (voters.count + 1))
        appendRow(header, to: &out)
        for v in voters { appendRow(fields(v), to: &out) }
        return out
    }

    static func appendRow(_ fields: [String], to out: inout String) {
        for (i, f) in fields.enumerated() {
            if i > 0 { out.append(",") }
            out.append(escape(f))
        }
        out.append("\n")
    }

    /// Quotes a field that holds a comma, a double quote, CR or LF, doubling embedded quotes.
    public static func escape(_ field: String) -> String {
        let needsQuotes = field.utf8.contains {
            $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0D || $0 == 0x0A
        }
        guard needsQuotes else { return field }
        var out = "\""
        for ch in field.unicodeScalars {
            if ch == "\"" { out.append("\"\"") } else { out.unicodeScalars.append(ch) }
        }
        out.append("\"")
        return out
    }

    /// Degrees with exactly six decimals, by integer arithmetic (no locale, no `String(format:)`).
    public static func degrees(_ value: Double) -> String {
        let micro = Int64((value * 1_000_000).rounded())
        let magnitude = micro.magnitude
        let whole = magnitude / 1_000_000
        let fraction = String(magnitude % 1_000_000)
        let sign = micro < 0 ? "-" : ""
        return "\(sign)\(whole)." + String(repeating: "0", count: 6 - fraction.count) + fraction
    }
}
