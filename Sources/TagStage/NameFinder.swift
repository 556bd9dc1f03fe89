import NewsModel

/// Finds names the gazetteer does not know: runs of capitalised words ("Jerome Powell", "Bank of
/// Korea"), typed by what stands around them: a title before a person ("Secretary", "Judge", "Mr"), or
/// an organisation word at the end or start ("… Bank", "Ministry of …", "… Inc"). Untyped runs are left
/// out (a name before "said" was tried and took too many companies for people), and found names get a
/// lower confidence than gazetteer entries.
enum NameFinder {
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

    /// The names in a field's tokens, leaving out the token ranges already taken.
    static func find(tokens: [TextTokenizer.Token], utf8: [UInt8], taken: [Range<Int>]) -> [Found] {
        var takenMask = [Bool](repeating: false, count: tokens.count)
        for range in taken { for index in range { takenMask[index] = true } }
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
        /// The capitalised run starting at `start`: how long it is.
        func capitalisedRun(from start: Int) -> Int {
            var end = start
            while end < tokens.count, !isTaken(end), isCapitalised(tokens[end]), end == start || adjacent(end - 1, end) { end += 1 }
            return end - start
        }
        var found: [Found] = []
        var index = 0
        while index < tokens.count {
            guard !isTaken(index), isCapitalised(tokens[index]), !notNames.contains(tokens[index].text) else {
                index += 1
                continue
            }
            var end = index + 1
            while end < tokens.count, !isTaken(end), adjacent(end - 1, end) {
                if isCapitalised(tokens[end]) {
                    end += 1
                } else if connectors.contains(tokens[end].raw), end + 1 < tokens.count, !isTaken(end + 1),
                    adjacent(end, end + 1), isCapitalised(tokens[end + 1])
                {
                    // "and" joins only within an organisation's name ("Securities and Exchange Commission",
                    // "Merrill Lynch and Co"), not two names ("Volcker and International Monetary Fund").
                    if tokens[end].raw == "and" {
                        let after = capitalisedRun(from: end + 1)
                        guard after <= 2, organizationEnds.contains(tokens[end + after].text) else { break }
                    }
                    end += 2
                } else {
                    break
                }
            }
            let words = tokens[index..<end].map(\.text)
            let previous = index > 0 && adjacent(index - 1, index) ? tokens[index - 1] : nil
            var result: Found?
            if let last = words.last, organizationEnds.contains(last), words.count >= 2 {
                result = Found(tokenRange: index..<end, type: .organization, reason: "ends with \"\(tokens[end - 1].raw)\"", confidence: 0.6)
            } else if organizationStarts.contains(words[0]), words.count >= 3, connectors.contains(words[1]) {
                result = Found(tokenRange: index..<end, type: .organization, reason: "begins \"\(tokens[index].raw) \(tokens[index + 1].raw)\"", confidence: 0.6)
            } else if personTitles.contains(words[0]), words.count >= 2 {
                // "Secretary Rubio", "Judge Ana Reyes", "Secretary of State George Shultz": the title and its
                // office ("of State") are not part of the name.
                var first = index + 1
                while first + 1 < end, connectors.contains(tokens[first].text) { first += 2 }
                if first < end, end - first <= 3 {
                    result = Found(tokenRange: first..<end, type: .person, reason: "after the title \"\(tokens[index].raw)\"", confidence: 0.6)
                }
            } else if let previous, personTitles.contains(previous.text), words.count <= 3 {
                result = Found(tokenRange: index..<end, type: .person, reason: "after the title \"\(previous.raw)\"", confidence: 0.6)
            }
            if let result { found.append(result) }
            index = end
        }
        return found
    }
}
