/// Amounts of money. Money is integer cents everywhere (goals, donations): never floating point,
/// so "0.10 + 0.20" is 30 cents exactly.
public enum Money {
    /// Reads a dollar amount as typed: "1250", "1,250.50", "$1250", "$1,250.5", "0.99".
    /// Thousands separators must group by three; at most two decimals; no sign.
    /// - Returns: the amount in cents, or nil when the text is not such an amount.
    public static func cents(_ text: String) -> Int64? {
        var s = Substring(AddressTokens.trim(text))
        if s.first == "$" { s = s.dropFirst() }
        guard !s.isEmpty else { return nil }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return nil }
        let whole = parts[0]
        let groups = whole.split(separator: ",", omittingEmptySubsequences: false)
        guard !whole.isEmpty || parts.count == 2 else { return nil }
        if groups.count > 1 {
            guard (1...3).contains(groups[0].count), groups.dropFirst().allSatisfy({ $0.count == 3 }) else {
                return nil
            }
        }
        var dollars: Int64 = 0
        for g in groups {
            for ch in g {
                guard let d = ch.wholeNumberValue, ch.isASCII else { return nil }
                let (m, o1) = dollars.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int64(d))
                guard !o1 && !o2 else { return nil }
                dollars = a
            }
        }
        var cents: Int64 = 0
        if parts.count == 2 {
            let fraction = parts[1]
            guard (1...2).contains(fraction.count) || (fraction.isEmpty && !whole.isEmpty) else { return nil }
            for ch in fraction {
                guard let d = ch.wholeNumberValue, ch.isASCII else { return nil }
                cents = cents * 10 + Int64(d)
            }
            if fraction.count == 1 { cents *= 10 }
        }
        let (total, o1) = dollars.multipliedReportingOverflow(by: 100)
        let (sum, o2) = total.addingReportingOverflow(cents)
        return o1 || o2 ? nil : sum
    }

    /// "$1,250.50" for 125050 cents.
    public static func format(cents: Int64) -> String {
        let sign = cents < 0 ? "-" : ""
        let magnitude = cents.magnitude
        let dollars = String(magnitude / 100)
        var grouped = ""
        for (i, ch) in dollars.enumerated() {
            if i > 0 && (dollars.count - i) % 3 == 0 { grouped.append(",") }
            grouped.append(ch)
        }
        let c = magnitude % 100
        return "\(sign)$\(grouped).\(c < 10 ? "0" : "")\(c)"
    }
}
