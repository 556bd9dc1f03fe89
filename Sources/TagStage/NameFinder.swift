import NewsModel

/// Finds names the gazetteer does not know: runs of capitalised words ("Jerome Powell", "Bank of
/// Korea"), typed by what stands around them: a title before a person ("Secretary", "Judge", "Mr"), or
/// an organisation word at the end or start ("… Bank", "Ministry of …", "… Inc"). Untyped runs are left
/// out (a name before "said" was tried and took too many companies for people), and found names get a
/// lower confidence than gazetteer entries. A run of two or three words that begins with a known first
/// name ("Jerome Powell") is a person too.
struct NameFinder: Sendable {
    /// A name found in one field.
    struct Found: Equatable {
        var tokenRange: Range<Int>
        var type: EntityType
        var reason: String
        var confidence: Double
    }

    static let personTitles: Set<String> = [
        "president", "secretary", "minister", "senator", "judge", "justice", "governor", "mayor", "chairman",
        "chairwoman", "chancellor", "ambassador", "general", "admiral", "commissioner", "spokesman", "spokeswoman",
        "spokesperson", "prosecutor", "attorney", "director", "mr", "mrs", "ms", "dr", "sen", "rep", "gov", "gen",
        "king", "queen", "prince", "pope", "ceo", "chief", "officer", "leader", "premier", "lawmaker", "representative",
    ]
    static let organizationEnds: Set<String> = [
        "inc", "corp", "corporation", "co", "ltd", "plc", "llc", "ag", "sa", "bank", "group", "ministry", "department",
        "agency", "council", "commission", "university", "party", "association", "union", "company", "airlines",
        "industries", "holdings", "fund", "institute", "committee", "court", "board", "authority", "office",
        "federation", "organization", "organisation", "exchange", "bureau", "service", "services", "foundation",
        "reserve", "parliament", "congress", "senate", "army", "navy", "police", "motors", "petroleum", "energy",
    ]
    static let organizationStarts: Set<String> = [
        "ministry", "department", "bank", "university", "office", "bureau", "council", "federation", "institute",
    ]
    /// Words never part of a person's name: after "General" in "General Agreement on Tariffs" or
    /// "General Electric", or in a party or a firm's name.
    static let notPersonWords: Set<String> = [
        "agreement", "agreements", "accord", "treaty", "act", "plan", "pact", "index", "program", "programme", "report",
        "bill", "law", "summit", "conference", "round", "democrat", "democrats", "republican", "republicans", "electric",
        "partners", "capital", "securities", "investors", "associates", "brothers", "trust", "financial", "airways",
        "steel", "oil", "chemical", "chemicals", "systems", "communications", "resources", "international", "national",
        "dynamics", "mills", "foods", "stores", "insurance", "savings", "products", "press", "news", "times", "journal",
    ]
    /// Lower-case words allowed inside a name ("Bank of England", "Department of Defense").
    static let connectors: Set<String> = ["of", "for", "and", "de", "du", "la", "von", "van", "al", "bin"]
    /// Capitalised words that begin sentences or name days and months, never a name on their own.
    static let notNames: Set<String> = [
        "the", "a", "an", "in", "on", "at", "but", "and", "or", "he", "she", "it", "they", "we", "i", "this", "that",
        "these", "those", "his", "her", "its", "their", "our", "as", "if", "when", "while", "after", "before", "for",
        "from", "with", "by", "to", "of", "under", "over", "some", "many", "most", "all", "no", "new", "last", "first",
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february", "march",
        "april", "may", "june", "july", "august", "september", "october", "november", "december", "there", "here",
        "what", "who", "why", "how", "officials", "analysts", "sources", "earlier", "later", "meanwhile", "also",
    ]

    /// What a word can be in a name; one table lookup per token answers every question.
    struct WordClass: OptionSet, Sendable {
        let rawValue: UInt8
        static let personTitle = WordClass(rawValue: 1)
        static let organizationEnd = WordClass(rawValue: 2)
        static let organizationStart = WordClass(rawValue: 4)
        static let connector = WordClass(rawValue: 8)
        static let notName = WordClass(rawValue: 16)
        static let givenName = WordClass(rawValue: 32)
        static let notPersonWord = WordClass(rawValue: 64)
    }

    private let wordClasses: WordTable<WordClass>

    /// A name finder that also knows these first names.
    init(givenNames: [String]) {
        var classes: [String: WordClass] = [:]
        for (words, wordClass) in [
            (Self.personTitles, WordClass.personTitle), (Self.organizationEnds, .organizationEnd),
            (Self.organizationStarts, .organizationStart), (Self.connectors, .connector), (Self.notNames, .notName),
            (Self.notPersonWords, .notPersonWord),
            (Set(givenNames.map(TextTokenizer.fold)), .givenName),
        ] {
            for word in words { classes[word, default: []].insert(wordClass) }
        }
        wordClasses = WordTable(classes)
    }

    /// The names in a field's tokens, leaving out the token ranges already taken. A place in `places`
    /// (a gazetteer match among the taken ranges) gives way to an organisation named after it: in "Bank
    /// of Korea" or "Reserve Bank of India" the name is the bank's, so the bank is found and the
    /// place's range is listed in `released` (the caller drops that match). A place before the
    /// organisation word ("Iran Foreign Ministry") stays a place.
    func find(tokens: [TextTokenizer.Token], utf8: [UInt8], taken: [Range<Int>], places: [Range<Int>] = []) -> (
        found: [Found], released: [Range<Int>]
    ) {
        var takenMask = [Bool](repeating: false, count: tokens.count)
        for range in taken { for index in range { takenMask[index] = true } }
        var placeStarts: [Int: Range<Int>] = [:]
        for range in places { placeStarts[range.lowerBound] = range }
        let classes = tokens.map { wordClasses[$0] ?? [] }
        func isTaken(_ index: Int) -> Bool { takenMask[index] }
        func isCapitalised(_ token: TextTokenizer.Token) -> Bool {
            // Most tokens are ASCII and lower case: decided from the bytes.
            if let first = token.raw.utf8.first, first < 0x80 {
                guard first >= 0x41 && first <= 0x5A else { return false }
                if token.raw.utf8.allSatisfy({ $0 < 0x80 }) { return token.raw.utf8.contains { $0 >= 0x61 && $0 <= 0x7A } }
            }
            guard let first = token.raw.unicodeScalars.first, first.properties.isUppercase else { return false }
            // A word in capitals throughout (a shouting headline, an acronym) is not taken as a name.
            return token.raw.unicodeScalars.dropFirst().contains { $0.properties.isLowercase }
        }
        /// Only a single space (or a line break, as wrapped wire copy has) keeps two tokens in one name.
        func adjacent(_ left: Int, _ right: Int) -> Bool {
            let gap = tokens[right].start - tokens[left].end
            return gap == 1 && (utf8[tokens[left].utf8End] == 0x20 || utf8[tokens[left].utf8End] == 0x0A)
        }
        /// A lower-case connector ("of", "and").
        func isConnector(_ index: Int) -> Bool { classes[index].contains(.connector) && tokens[index].raw == tokens[index].text }
        /// The capitalised run starting at `start`: how long it is.
        func capitalisedRun(from start: Int) -> Int {
            var end = start
            while end < tokens.count, !isTaken(end), isCapitalised(tokens[end]), end == start || adjacent(end - 1, end) { end += 1 }
            return end - start
        }
        /// The end of the name starting at `index`; with `throughPlaces`, a known place after a connector
        /// is taken into the name (and its range into `crossed`).
        func nameEnd(from index: Int, throughPlaces: Bool, crossed: inout [Range<Int>]) -> Int {
            var end = index + 1
            while end < tokens.count, !isTaken(end), adjacent(end - 1, end) {
                if isCapitalised(tokens[end]) {
                    end += 1
                } else if isConnector(end), end + 1 < tokens.count, adjacent(end, end + 1) {
                    if throughPlaces, let place = placeStarts[end + 1] {
                        crossed.append(place)
                        end = place.upperBound
                        break
                    }
                    guard !isTaken(end + 1), isCapitalised(tokens[end + 1]) else { break }
                    // "and" joins only within an organisation's name ("Securities and Exchange Commission",
                    // "Merrill Lynch and Co"), not two names ("Volcker and International Monetary Fund").
                    if tokens[end].raw == "and" {
                        let after = capitalisedRun(from: end + 1)
                        guard after <= 2, classes[end + after].contains(.organizationEnd) else { break }
                    }
                    end += 2
                } else {
                    break
                }
            }
            return end
        }
        func type(_ range: Range<Int>) -> Found? {
            let (index, end) = (range.lowerBound, range.upperBound)
            let count = end - index
            let previous = index > 0 && adjacent(index - 1, index) ? tokens[index - 1] : nil
            if classes[end - 1].contains(.organizationEnd), count >= 2 {
                return Found(tokenRange: range, type: .organization, reason: "ends with \"\(tokens[end - 1].raw)\"", confidence: 0.6)
            }
            // "Bank of …", "Reserve Bank of …", "Ministry of …": an organisation word before a connector.
            if count >= 3, let start = range.dropLast().first(where: { classes[$0].contains(.organizationStart) && classes[$0 + 1].contains(.connector) }),
                start < index + 2
            {
                return Found(tokenRange: range, type: .organization, reason: "has \"\(tokens[start].raw) \(tokens[start + 1].raw)\"", confidence: 0.6)
            }
            if range.contains(where: { classes[$0].contains(.notPersonWord) }) { return nil }
            if classes[index].contains(.personTitle), count >= 2 {
                // "Secretary Rubio", "Judge Ana Reyes", "Secretary of State George Shultz": the title and its
                // office ("of State") are not part of the name.
                var first = index + 1
                while first + 1 < end, classes[first].contains(.connector) { first += 2 }
                if first < end, end - first <= 3 {
                    return Found(tokenRange: first..<end, type: .person, reason: "after the title \"\(tokens[index].raw)\"", confidence: 0.6)
                }
                return nil
            }
            if let previous, classes[index - 1].contains(.personTitle), count <= 3 {
                return Found(tokenRange: range, type: .person, reason: "after the title \"\(previous.raw)\"", confidence: 0.6)
            }
            if classes[index].contains(.givenName), count >= 2, count <= 3, !range.contains(where: { classes[$0].contains(.connector) }) {
                return Found(tokenRange: range, type: .person, reason: "begins with the first name \"\(tokens[index].raw)\"", confidence: 0.5)
            }
            return nil
        }
        var found: [Found] = []
        var released: [Range<Int>] = []
        var index = 0
        while index < tokens.count {
            guard !isTaken(index), isCapitalised(tokens[index]), !classes[index].contains(.notName) else {
                index += 1
                continue
            }
            var crossed: [Range<Int>] = []
            var end = nameEnd(from: index, throughPlaces: !placeStarts.isEmpty, crossed: &crossed)
            var result = type(index..<end)
            if !crossed.isEmpty {
                if let organization = result, organization.type == .organization {
                    released += crossed
                } else {
                    var none: [Range<Int>] = []
                    end = nameEnd(from: index, throughPlaces: false, crossed: &none)
                    result = type(index..<end)
                }
            }
            if let result { found.append(result) }
            index = end
        }
        return (found, released)
    }
}
