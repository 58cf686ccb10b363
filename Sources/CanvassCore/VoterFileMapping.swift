/// A field of a voter or contact file that a column can hold: the `FIELD` of
/// `canvass import --map COLUMN=FIELD`.
public enum VoterField: String, CaseIterable, Sendable, Codable {
    case voterID = "voter_id"
    case householdID = "household_id"
    case firstName = "first_name"
    case middleName = "middle_name"
    case lastName = "last_name"
    /// Jr, Sr, II, …
    case suffix
    /// "LAST, FIRST MIDDLE" or "First Middle Last"; used when the name parts are not given.
    case fullName = "full_name"
    /// The residential address on one line: "12 1/2 N Main St Apt 4B".
    case address
    case streetNumber = "street_number"
    case numberSuffix = "number_suffix"
    case preDirection = "pre_direction"
    case streetName = "street_name"
    case streetSuffix = "street_suffix"
    case postDirection = "post_direction"
    case unitType = "unit_type"
    /// A unit ("4B", "APT 4B") or a second address line.
    case unit
    case city, state, zip, latitude, longitude, phone, email, party, precinct, ward
    case birthYear = "birth_year"
    case birthDate = "birth_date"
    case gender
    case registrationDate = "registration_date"
    /// Election codes separated by spaces, commas or semicolons: "G2024 P2024 G2022".
    case voteHistory = "vote_history"
}

/// What one column of a file feeds.
public enum ColumnTarget: Sendable, Hashable, CustomStringConvertible {
    case field(VoterField)
    /// A yes/no column for one election (`G2024`): a non-empty value other than N/No/0/False
    /// means the person voted in it.
    case voted(String)
    /// Read by nothing (`--map COLUMN=ignore`).
    case ignored

    public var description: String {
        switch self {
        case .field(let f): return f.rawValue
        case .voted(let code): return "voted:\(code)"
        case .ignored: return "ignore"
        }
    }
}

/// Which column feeds which field: the default mappings for the headers of state voter-file
/// exports and list vendors, and the user's `--map COLUMN=FIELD` overrides.
///
/// Headers match without case or punctuation ("Last Name", "LAST_NAME" and "lastname" are
/// one header). When two columns would feed the same field, the header earlier in the synonym
/// list wins (`PHONE1` before `PHONE2`), then the leftmost column; the other is ignored and said so.
public struct VoterFileMapping: Sendable, Hashable {
    public let header: [String]
    /// Per column: what it feeds, or nil when it is not read.
    public let targets: [ColumnTarget?]
    /// Columns not read, with why.
    public let notes: [String]

    /// The recognised headers of each field, in order of preference, as `normalize` leaves them.
    public static let synonyms: [VoterField: [String]] = [
        .voterID: [
            "voterid", "statevoterid", "sosvoterid", "sosid", "voterregistrationnumber", "voterregnum",
            "registrationnumber", "regnum", "ncid", "lalvoterid", "vanid", "voterfileid", "voterfilevanid",
            "voteridnumber", "idnumber", "countyvoterid", "stateid",
        ],
        .householdID: ["householdid", "hhid", "household"],
        .firstName: ["firstname", "first", "fname", "givenname", "namefirst", "voterfirstname", "forename", "given"],
        .middleName: ["middlename", "middle", "mname", "middleinitial", "mi", "namemiddle", "votermiddlename"],
        .lastName: ["lastname", "last", "lname", "surname", "familyname", "namelast", "voterlastname"],
        .suffix: ["suffix", "namesuffix", "suffixname", "sfx", "namesfx", "votersuffix"],
        .fullName: ["fullname", "name", "votername", "contactname"],
        .address: [
            "address", "address1", "addressline1", "streetaddress", "residentialaddress", "residentialaddress1",
            "residenceaddress", "residenceaddress1", "residenceaddressline1", "resaddress", "resaddress1",
            "resaddr", "resstreetaddress", "resstreetaddr", "resaddressline1", "fulladdress", "homeaddress",
            "residenceaddressesaddressline", "residentialstreetaddress", "regaddress", "registrationaddress", "addr",
            "street1", "streetaddress1", "resaddr1",
        ],
        .streetNumber: [
            "streetnumber", "housenumber", "housenum", "houseno", "housenbr", "stnum", "streetno", "streetnum",
            "resstreetnum", "resstreetnumber", "reshousenumber", "reshousenum", "addressnumber",
            "residencehousenumber", "reshouseno",
        ],
        .numberSuffix: [
            "numbersuffix", "housenumbersuffix", "housesuffix", "streetnumbersuffix", "housefraction",
            "housenumberfraction", "resfrac", "reshousenumbersuffix", "resstreetnumsuffix",
        ],
        .preDirection: [
            "predirection", "predir", "streetpredirection", "streetpredir", "directionprefix", "resdirprefix",
            "respredir", "respredirection", "resstreetdir", "prefixdirection",
        ],
        .streetName: ["streetname", "street", "stname", "resstreetname", "residencestreetname", "streetnm"],
        .streetSuffix: [
            "streetsuffix", "streettype", "sttype", "stsuffix", "resstreettype", "resstreetsuffix", "streettypecode",
            "suffixtype", "ressuffix",
        ],
        .postDirection: [
            "postdirection", "postdir", "streetpostdirection", "streetpostdir", "directionsuffix", "respostdir",
            "respostdirection", "suffixdirection",
        ],
        .unitType: ["unittype", "apttype", "resunittype", "unitdesignator", "secondaryunit", "resapttype"],
        .unit: [
            "unit", "unitnumber", "unitnum", "apt", "aptno", "aptnum", "aptnumber", "apartment", "apartmentnumber",
            "address2", "addressline2", "resaddress2", "residentialaddress2", "residenceaddressline2",
            "resaddressline2", "resunit", "resunitnumber", "resaptnum", "secondaryaddress", "suite",
        ],
        .city: [
            "city", "rescity", "residencecity", "residentialcity", "residencecityname", "rescityname", "town",
            "municipality", "cityname", "residenceaddressescity",
        ],
        .state: ["state", "resstate", "residencestate", "residentialstate", "stateabbr", "stateabbreviation"],
        .zip: [
            "zip", "zip5", "zipcode", "postalcode", "postcode", "reszip", "reszip5", "reszipcode", "residentialzip",
            "residentialzip5", "residentialzipcode", "residencezip", "residencezipcode", "residenceaddresseszip",
            "zip9",
        ],
        .latitude: ["latitude", "lat", "reslatitude"],
        .longitude: ["longitude", "lon", "lng", "long", "reslongitude"],
        .phone: [
            "phone", "phonenumber", "phone1", "primaryphone", "telephone", "tel", "homephone", "cellphone", "cell",
            "mobile", "mobilephone", "landline", "voterphone", "phone2", "workphone",
        ],
        .email: ["email", "emailaddress", "email1", "primaryemail", "voteremail", "email2"],
        .party: [
            "party", "partycode", "partyaffiliation", "partyaffil", "politicalparty", "registeredparty", "partycd",
            "partyabbrev", "partyname", "enrollment", "partyenrollment", "parties",
        ],
        .precinct: [
            "precinct", "precinctname", "precinctcode", "precinctnumber", "precinctno", "pct", "precinctid",
            "votingprecinct", "pctname", "pctcode", "precinctsplit",
        ],
        .ward: ["ward", "wardnumber", "wardno", "wardname", "citywards", "councilward"],
        .birthYear: ["birthyear", "yob", "yearofbirth", "byear", "birthyr"],
        .birthDate: ["birthdate", "dob", "dateofbirth", "birthday", "votersbirthdate"],
        .gender: ["gender", "sex", "votersgender"],
        .registrationDate: [
            "registrationdate", "regdate", "dateregistered", "registereddate", "voterregdate",
            "dateofregistration", "registrationdt", "origregdate", "originalregistrationdate",
        ],
        .voteHistory: ["votehistory", "voterhistory", "votinghistory", "electionhistory", "history", "elections"],
    ]

    /// A header as the synonyms are written: lower case letters and digits only.
    public static func normalize(_ header: String) -> String {
        String(header.lowercased().filter { $0.isASCII && ($0.isLetter || $0.isNumber) })
    }

    private static let byHeader: [String: (VoterField, Int)] = {
        var out: [String: (VoterField, Int)] = [:]
        for (field, names) in synonyms {
            for (rank, name) in names.enumerated() where out[name] == nil { out[name] = (field, rank) }
        }
        return out
    }()

    /// The default target of a header, if it is recognised.
    public static func defaultTarget(_ header: String) -> ColumnTarget? {
        let n = normalize(header)
        if let (field, _) = byHeader[n] { return .field(field) }
        if let code = ElectionCode.fromHeader(n) { return .voted(code) }
        return nil
    }

    /// What every `--map` FIELD may be, for messages.
    public static var fieldNames: String {
        (VoterField.allCases.map(\.rawValue) + ["voted:CODE", "ignore"]).joined(separator: ", ")
    }

    init(header: [String], targets: [ColumnTarget?], notes: [String]) {
        self.header = header
        self.targets = targets
        self.notes = notes
    }

    /// Maps a file's header, defaults first, then `overrides` (`COLUMN=FIELD`), and checks that
    /// the file can be imported at all: a name (last name or full name) and an address (one line,
    /// or number and street). Every problem is returned, each at `header` or `--map`.
    public static func resolve(header: [String], overrides: [String]) -> (VoterFileMapping, [Diagnostic]) {
        var problems: [Diagnostic] = []
        var forced: [Int: ColumnTarget] = [:]
        for (i, o) in overrides.enumerated() {
            let at = "--map[\(i + 1)]"
            guard let eq = o.lastIndex(of: "=") else {
                problems.append(Diagnostic(at: at, code: "bad_map", "'\(o)' is not COLUMN=FIELD"))
                continue
            }
            let column = AddressTokens.trim(String(o[..<eq]))
            let fieldText = AddressTokens.trim(String(o[o.index(after: eq)...]))
            let index =
                header.firstIndex(of: column)
                ?? header.firstIndex { normalize($0) == normalize(column) && !normalize(column).isEmpty }
            guard let index else {
                problems.append(
                    Diagnostic(
                        at: at, code: "unknown_column",
                        "the file has no column '\(column)'; its columns: \(header.joined(separator: ", "))"))
                continue
            }
            let target: ColumnTarget?
            let lower = fieldText.lowercased()
            if lower == "ignore" {
                target = .ignored
            } else if lower == "voted" {
                target = ElectionCode.fromHeader(normalize(header[index])).map(ColumnTarget.voted)
            } else if lower.hasPrefix("voted:") {
                target = ElectionCode.normalize(String(fieldText.dropFirst(6))).map(ColumnTarget.voted)
            } else {
                target = VoterField(rawValue: lower).map(ColumnTarget.field)
            }
            guard let target else {
                let hint =
                    lower.hasPrefix("voted")
                    ? "an election code like G2024, P2022 or PP2024 (voted:G2024)" : "one of: \(fieldNames)"
                problems.append(
                    Diagnostic(at: at, code: "unknown_field", "'\(fieldText)' is not a field; give \(hint)"))
                continue
            }
            if forced[index] != nil {
                problems.append(Diagnostic(at: at, code: "bad_map", "column '\(header[index])' is mapped twice"))
            }
            forced[index] = target
        }
        for (target, indices) in Dictionary(grouping: forced.keys, by: { forced[$0]! }) where target != .ignored {
            if indices.count > 1 {
                let names = indices.sorted().map { "'\(header[$0])'" }.joined(separator: " and ")
                problems.append(Diagnostic(at: "--map", code: "bad_map", "\(names) are both mapped to \(target)"))
            }
        }
        var targets = [ColumnTarget?](repeating: nil, count: header.count)
        var notes: [String] = []
        let forcedTargets = Set(forced.values)
        // Defaults, best synonym first, for the columns not forced.
        var claimed: [ColumnTarget: (index: Int, rank: Int)] = [:]
        for (i, h) in header.enumerated() where forced[i] == nil {
            guard let target = defaultTarget(h) else { continue }
            let rank = byHeader[normalize(h)]?.1 ?? 0
            if forcedTargets.contains(target) {
                notes.append("'\(h)' ignored: --map gives \(target) another column")
                continue
            }
            if let held = claimed[target] {
                if rank < held.rank {
                    notes.append("'\(header[held.index])' ignored: '\(h)' gives \(target)")
                    claimed[target] = (i, rank)
                } else {
                    notes.append("'\(h)' ignored: '\(header[held.index])' gives \(target)")
                }
            } else {
                claimed[target] = (i, rank)
            }
        }
        for (target, c) in claimed { targets[c.index] = target }
        for (i, t) in forced { targets[i] = t == .ignored ? nil : t }
        for (i, h) in header.enumerated() where targets[i] == nil && forced[i] == nil && defaultTarget(h) == nil {
            notes.append("'\(h)' not read: no field has this name (use --map '\(h)=FIELD')")
        }
        let mapping = VoterFileMapping(header: header, targets: targets, notes: notes)
        let has = Set(targets.compactMap { $0 })
        var missing: [String] = []
        if !has.contains(.field(.lastName)) && !has.contains(.field(.fullName)) {
            missing.append("a name (last_name, or full_name)")
        }
        if !has.contains(.field(.address))
            && !(has.contains(.field(.streetNumber)) && has.contains(.field(.streetName)))
        {
            missing.append("an address (address, or street_number and street_name)")
        }
        if !missing.isEmpty {
            problems.append(
                Diagnostic(
                    at: "header", code: "missing_mapping",
                    "no column gives \(missing.joined(separator: " or ")); the columns are: \(header.joined(separator: ", ")). Map one with --map COLUMN=FIELD"
                ))
        }
        return (mapping, problems)
    }

    /// The column feeding `target`, if any.
    public func column(_ target: ColumnTarget) -> Int? { targets.firstIndex(of: target) }

    /// What each read column feeds, in column order: `(column, target)`.
    public var pairs: [(column: String, target: ColumnTarget)] {
        zip(header, targets).compactMap { h, t in t.map { (h, $0) } }
    }
}

/// Election codes as voter files write them: a kind and a year, `G2024` (general), `P2022`
/// (primary), `PP2024` (presidential primary), `S2023` (special), `R2024` (runoff), `M2023`
/// (municipal or local).
public enum ElectionCode {
    static let kinds: [String: String] = [
        "G": "G", "GE": "G", "GEN": "G", "GENERAL": "G", "P": "P", "PR": "P", "PRI": "P", "PRIMARY": "P",
        "PP": "PP", "PPP": "PP", "PRES": "PP", "PRESPRIMARY": "PP", "PRESIDENTIALPRIMARY": "PP", "S": "S",
        "SP": "S", "SPE": "S", "SPEC": "S", "SPECIAL": "S", "R": "R", "RUN": "R", "RUNOFF": "R", "M": "M",
        "MUN": "M", "MUNI": "M", "MUNICIPAL": "M", "L": "M", "LOC": "M", "LOCAL": "M",
    ]
    /// Newest first within a year: general, runoff, special, primaries, local.
    static let order = ["G", "R", "S", "PP", "P", "M"]

    /// "g2024", "General2024", "2024G", "p22", "VotedG2024" → "G2024"; nil for anything else.
    public static func normalize(_ text: String) -> String? {
        var s = String(text.uppercased().filter { $0.isASCII && ($0.isLetter || $0.isNumber) })
        for prefix in ["VOTED", "VOTE", "VH", "HISTORY"] where s.hasPrefix(prefix) && s.count > prefix.count + 2 {
            s.removeFirst(prefix.count)
        }
        let letters = s.prefix { $0.isLetter }
        let digits = s.dropFirst(letters.count)
        if !letters.isEmpty, digits.allSatisfy(\.isNumber), let code = code(String(letters), String(digits)) {
            return code
        }
        let year = s.prefix { $0.isNumber }
        let kind = s.dropFirst(year.count)
        if !kind.isEmpty, kind.allSatisfy(\.isLetter) { return code(String(kind), String(year)) }
        return nil
    }

    /// A header that names one election: the same forms as `normalize`.
    static func fromHeader(_ normalized: String) -> String? { normalize(normalized) }

    private static func code(_ kind: String, _ year: String) -> String? {
        guard let k = kinds[kind], year.count == 2 || year.count == 4, var y = Int(year) else { return nil }
        if year.count == 2 { y += y < 70 ? 2000 : 1900 }
        guard (1950...2099).contains(y) else { return nil }
        return "\(k)\(y)"
    }

    /// Two histories as one, newest first, each election once, at most 400 bytes (the oldest
    /// dropped first).
    public static func merged(_ a: String, _ b: String) -> String {
        let codes = (a + " " + b).split(separator: " ").map(String.init)
        var text = ""
        for code in sorted(codes) {
            let next = text.isEmpty ? code : text + " " + code
            if next.utf8.count > 400 { break }
            text = next
        }
        return text
    }

    /// Codes newest first (by year, then general before primary), each once.
    public static func sorted(_ codes: [String]) -> [String] {
        func key(_ c: String) -> (Int, Int) {
            let kind = String(c.prefix { $0.isLetter })
            return (-(Int(c.dropFirst(kind.count)) ?? 0), order.firstIndex(of: kind) ?? order.count)
        }
        var seen: Set<String> = []
        return codes.filter { seen.insert($0).inserted }.sorted { key($0) < key($1) }
    }
}
