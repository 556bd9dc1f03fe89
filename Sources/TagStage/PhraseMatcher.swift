import NewsModel

/// Finds known phrases in tokenised text in one pass: a dictionary from each phrase's first token to
/// the phrases that start with it, longest first, so the work grows with the text, not the phrase list.
///
/// A phrase written all in capitals (an acronym such as `US` or `ICE`) matches only text in capitals,
/// so the pronoun "us" and the word "ice" are not taken for one.
struct PhraseMatcher<Value: Sendable>: Sendable {
    struct Phrase: Sendable {
        var tokens: [String]
        var caseSensitive: Bool
        var value: Value
        var alias: String
    }

    struct Match {
        var tokenRange: Range<Int>
        var phrase: Phrase
    }

    private var byFirstToken: [String: [Phrase]] = [:]

    /// Adds a phrase; phrases with no letters or digits are ignored.
    mutating func add(_ text: String, value: Value) {
        let tokens = TextTokenizer.tokens(in: text).map(\.text)
        guard !tokens.isEmpty else { return }
        let letters = text.unicodeScalars.filter { $0.properties.isAlphabetic }
        let caseSensitive = !letters.isEmpty && letters.allSatisfy { $0.properties.isUppercase }
        byFirstToken[tokens[0], default: []].append(
            Phrase(tokens: tokens, caseSensitive: caseSensitive, value: value, alias: text))
        byFirstToken[tokens[0]]!.sort { $0.tokens.count > $1.tokens.count }
    }

    /// The longest non-overlapping matches, left to right.
    func matches(in tokens: [TextTokenizer.Token]) -> [Match] {
        var result: [Match] = []
        var index = 0
        while index < tokens.count {
            var matched: Match?
            if let candidates = byFirstToken[tokens[index].text] {
                for phrase in candidates where index + phrase.tokens.count <= tokens.count {
                    var ok = true
                    for offset in 0..<phrase.tokens.count {
                        let token = tokens[index + offset]
                        if token.text != phrase.tokens[offset] || (phrase.caseSensitive && !isUppercase(token.raw)) {
                            ok = false
                            break
                        }
                    }
                    if ok {
                        matched = Match(tokenRange: index..<(index + phrase.tokens.count), phrase: phrase)
                        break
                    }
                }
            }
            if let matched {
                result.append(matched)
                index = matched.tokenRange.upperBound
            } else {
                index += 1
            }
        }
        return result
    }

    private func isUppercase(_ raw: String) -> Bool {
        raw.unicodeScalars.allSatisfy { !$0.properties.isLowercase }
    }
}
