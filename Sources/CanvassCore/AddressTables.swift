/// The words of addresses: directions, street suffixes and unit designators as USPS
/// Publication 28 abbreviates them, and how address tokens are read and shown.
enum AddressTokens {
    /// Spelled-out and abbreviated directions, in capitals, to their abbreviation.
    static let directions: [String: String] = [
        "N": "N", "S": "S", "E": "E", "W": "W", "NE": "NE", "NW": "NW", "SE": "SE", "SW": "SW",
        "NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W", "NORTHEAST": "NE", "NORTHWEST": "NW",
        "SOUTHEAST": "SE", "SOUTHWEST": "SW",
    ]

    /// Street suffixes (USPS C1 common forms), in capitals, to their standard abbreviation.
    static let suffixes: [String: String] = {
        let table: [String: [String]] = [
            "Aly": ["ALLEY", "ALY", "ALLY", "ALLEE"], "Ave": ["AVENUE", "AVE", "AV", "AVEN", "AVENU", "AVN", "AVNUE"],
            "Bnd": ["BEND", "BND"], "Blvd": ["BOULEVARD", "BLVD", "BOUL", "BOULV"], "Brg": ["BRIDGE", "BRG"],
            "Byp": ["BYPASS", "BYP", "BYPS"], "Ctr": ["CENTER", "CTR", "CENTRE", "CNTR"],
            "Cir": ["CIRCLE", "CIR", "CIRC", "CIRCL", "CRCL"], "Cmns": ["COMMONS", "CMNS"],
            "Ct": ["COURT", "CT", "CRT"], "Cv": ["COVE", "CV"], "Cres": ["CRESCENT", "CRES", "CRSNT"],
            "Crk": ["CREEK", "CRK"], "Xing": ["CROSSING", "XING", "CRSSNG"], "Dr": ["DRIVE", "DR", "DRV", "DRIV"],
            "Ests": ["ESTATES", "ESTS"], "Expy": ["EXPRESSWAY", "EXPY", "EXPR", "EXPW"], "Ext": ["EXTENSION", "EXT"],
            "Fwy": ["FREEWAY", "FWY"], "Gdns": ["GARDENS", "GDNS"], "Gln": ["GLEN", "GLN"], "Grn": ["GREEN", "GRN"],
            "Grv": ["GROVE", "GRV"], "Hbr": ["HARBOR", "HBR"], "Hts": ["HEIGHTS", "HTS"],
            "Hwy": ["HIGHWAY", "HWY", "HIWAY"], "Holw": ["HOLLOW", "HOLW"], "Jct": ["JUNCTION", "JCT"],
            "Knl": ["KNOLL", "KNL"], "Lndg": ["LANDING", "LNDG"], "Ln": ["LANE", "LN"], "Loop": ["LOOP"],
            "Mall": ["MALL"], "Mnr": ["MANOR", "MNR"], "Mdws": ["MEADOWS", "MDWS"], "Mews": ["MEWS"],
            "Oval": ["OVAL"], "Ovlk": ["OVERLOOK", "OVLK"], "Park": ["PARK", "PRK"],
            "Pkwy": ["PARKWAY", "PKWY", "PKY", "PARKWY"], "Pass": ["PASS"], "Path": ["PATH"], "Pike": ["PIKE"],
            "Pl": ["PLACE", "PL"], "Plz": ["PLAZA", "PLZ"], "Pt": ["POINT", "PT"], "Rdg": ["RIDGE", "RDG"],
            "Rd": ["ROAD", "RD"], "Row": ["ROW"], "Run": ["RUN"], "Sq": ["SQUARE", "SQ", "SQR"],
            "Sta": ["STATION", "STA"], "St": ["STREET", "ST", "STR", "STRT"], "Smt": ["SUMMIT", "SMT"],
            "Ter": ["TERRACE", "TER", "TERR"], "Trce": ["TRACE", "TRCE"], "Trl": ["TRAIL", "TRL"],
            "Tpke": ["TURNPIKE", "TPKE", "TRNPK"], "Vw": ["VIEW", "VW"], "Vlg": ["VILLAGE", "VLG"],
            "Walk": ["WALK"], "Way": ["WAY", "WY"],
        ]
        var out: [String: String] = [:]
        for (abbreviation, spellings) in table { for s in spellings { out[s] = abbreviation } }
        return out
    }()

    /// Unit designators that take an identifier ("APT 4B"), to their abbreviation. The first
    /// group always starts a unit; the second only when an identifier with a digit (or a single
    /// letter) follows, because the words are also street names ("Lot", "Floor").
    static let designators: [String: String] = [
        "APT": "Apt", "APARTMENT": "Apt", "UNIT": "Unit", "STE": "Ste", "SUITE": "Ste", "#": "#",
    ]
    static let weakDesignators: [String: String] = [
        "RM": "Rm", "ROOM": "Rm", "FL": "Fl", "FLOOR": "Fl", "BLDG": "Bldg", "BUILDING": "Bldg", "LOT": "Lot",
        "SPC": "Spc", "SPACE": "Spc", "TRLR": "Trlr", "TRAILER": "Trlr", "DEPT": "Dept", "OFC": "Ofc", "PH": "Ph",
        "PENTHOUSE": "Ph", "NO": "#", "STOP": "Stop", "SLIP": "Slip", "PIER": "Pier", "HNGR": "Hngr",
    ]
    /// Designators without an identifier ("REAR"), counted only as the last word.
    static let standalone: [String: String] = [
        "BSMT": "Bsmt", "BASEMENT": "Bsmt", "FRNT": "Frnt", "FRONT": "Frnt", "REAR": "Rear", "LOWR": "Lowr",
        "LOWER": "Lowr", "UPPR": "Uppr", "UPPER": "Uppr", "SIDE": "Side", "LBBY": "Lbby", "LOBBY": "Lbby",
    ]

    /// Trims spaces (also tabs, line ends and no-break spaces) at both ends.
    static func trim(_ s: String) -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\u{A0}" }
        guard let start = s.firstIndex(where: { !isSpace($0) }) else { return "" }
        let end = s.lastIndex(where: { !isSpace($0) })!
        return String(s[start...end])
    }

    /// Words of an address line: commas, periods and semicolons separate like spaces; "#3" is
    /// "#" and "3", and "½" is "1/2".
    static func split(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        func flush() {
            if !current.isEmpty { out.append(current) }
            current = ""
        }
        for ch in text {
            switch ch {
            case " ", "\t", ",", ".", ";", "\u{A0}", "\r", "\n": flush()
            case "#":
                flush()
                out.append("#")
            case "½":
                flush()
                out.append("1/2")
            case "¼":
                flush()
                out.append("1/4")
            case "¾":
                flush()
                out.append("3/4")
            default: current.append(ch)
            }
        }
        flush()
        return out
    }

    /// "12" → (12, ""), "12B" → (12, "B"), "12-14" → (12, "-14"), "12-B" → (12, "B").
    static func houseNumber(_ token: String) -> (Int, String)? {
        let digits = token.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 7, let n = Int(digits) else { return nil }
        var rest = String(token.dropFirst(digits.count)).uppercased()
        if rest.isEmpty { return (n, "") }
        if rest.hasPrefix("-") {
            let tail = rest.dropFirst()
            guard !tail.isEmpty, tail.count <= 5, tail.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) })
            else { return nil }
            rest = tail.allSatisfy(\.isNumber) ? rest : String(tail)
            return (n, rest)
        }
        if isFraction(rest) { return (n, rest) }
        guard rest.count <= 2, rest.allSatisfy({ $0.isASCII && $0.isLetter }) else { return nil }
        return (n, rest)
    }

    /// "1/2", "1/4", "3/4", "1/3", "2/3".
    static func isFraction(_ token: String) -> Bool {
        let parts = token.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]) else { return false }
        return a > 0 && b > a && b <= 8 && parts[0].count == 1 && parts[1].count == 1
    }

    static func direction(_ token: String) -> String? { directions[token.uppercased()] }

    static func streetSuffix(_ token: String) -> String? { suffixes[token.uppercased()] }

    static func unitDesignator(_ token: String) -> String? {
        let u = token.uppercased()
        return designators[u] ?? weakDesignators[u] ?? standalone[u]
    }

    /// Whether a unit starts at `tokens[at]`.
    static func startsUnit(_ tokens: [String], at i: Int) -> Bool {
        let u = tokens[i].uppercased()
        if u.hasPrefix("APT") && u.count > 3 && u.dropFirst(3).first!.isNumber { return true }  // "APT4B"
        if designators[u] != nil { return i + 1 < tokens.count }
        if weakDesignators[u] != nil { return i + 1 < tokens.count && looksLikeUnit(tokens[i + 1]) }
        if standalone[u] != nil { return i == tokens.count - 1 }
        return false
    }

    /// The unit's display form from its words: "APT 4B" → "Apt 4B", "# 3" → "#3", "REAR" → "Rear".
    static func unit(_ words: [String]) -> String? {
        guard let first = words.first?.uppercased() else { return nil }
        if first.hasPrefix("APT"), first.count > 3 {
            return unit(["APT", String(first.dropFirst(3))] + words.dropFirst())
        }
        if let s = standalone[first] { return words.count == 1 ? s : nil }
        guard let designator = designators[first] ?? weakDesignators[first] else { return nil }
        // "APT #4" and "UNIT NO 4": a second designator adds nothing.
        var rest = Array(words.dropFirst())
        while let r = rest.first, r == "#" || r.uppercased() == "NO" { rest.removeFirst() }
        guard !rest.isEmpty else { return nil }
        let id = rest.map { $0.uppercased() }.joined(separator: " ")
        return designator == "#" ? "#" + id : "\(designator) \(id)"
    }

    /// A word that can be a unit's identifier: it has a digit, or is one letter.
    static func looksLikeUnit(_ token: String) -> Bool {
        token.contains { $0.isNumber } || (token.count == 1 && token.first!.isLetter)
    }

    /// A street word as shown: words typed all in capitals or all in lower case are title-cased
    /// ("MAIN" → "Main", "5TH" → "5th", "O'NEIL" → "O'Neil"); mixed case is kept as typed.
    static func display(_ token: String) -> String {
        let letters = token.filter(\.isLetter)
        let uniform = letters.allSatisfy(\.isUppercase) || letters.allSatisfy(\.isLowercase)
        guard uniform else { return token }
        var out = ""
        var startOfWord = true
        for ch in token {
            if ch.isLetter {
                out += startOfWord ? ch.uppercased() : ch.lowercased()
                startOfWord = false
            } else {
                out.append(ch)
                // "5TH": letters after digits stay lower case; after ' or - a new word starts.
                startOfWord = ch == "'" || ch == "-"
            }
        }
        return out
    }
}
