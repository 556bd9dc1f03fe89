import NewsModel

/// Finds known phrases in tokenised text in one pass: a table from each phrase's first word to the
/// phrases that start with it, longest first, so the work grows with the text, not the phrase list.
///
/// A phrase written all in capitals (an acronym such as `US` or `ICE`) matches only text in capitals,
/// so the pronoun "us" and the word "ice" are not taken for one.
struct PhraseMatcher<Value: Sendable>: Sendable {
    /// A phrase and what it stands for.
    struct Phrase: Sendable {
        /// The phrase as given.
        var alias: String
        var value: Value
        var words: [String]
        var hashes: [UInt64]
        var caseSensitive: Bool
    }

    /// Where a phrase matched.
    struct Match {
        var tokenRange: Range<Int>
        /// The phrase's index in ``phrases``.
        var phrase: Int
    }

    /// Every phrase, grouped by first word, longest first within a group.
    let phrases: [Phrase]
    private let byFirstWord: WordTable<Range<Int>>

    /// A matcher for `entries`; phrases with no letters or digits are left out.
    init(_ entries: [(phrase: String, value: Value)]) {
        var groups: [String: [Phrase]] = [:]
        var firstWords: [String] = []
        for (text, value) in entries {
            let tokens = TextTokenizer.tokens(in: text)
            guard let first = tokens.first?.text else { continue }
            let letters = text.unicodeScalars.filter { $0.properties.isAlphabetic }
            let caseSensitive = !letters.isEmpty && letters.allSatisfy { $0.properties.isUppercase }
            if groups[first] == nil { firstWords.append(first) }
            groups[first, default: []].append(
                Phrase(alias: text, value: value, words: tokens.map(\.text), hashes: tokens.map(\.hash), caseSensitive: caseSensitive))
        }
        var phrases: [Phrase] = []
        var ranges: [String: Range<Int>] = [:]
        for first in firstWords {
            let start = phrases.count
            // Stable, so of two phrases of one length the first added wins.
            phrases += groups[first]!.enumerated().sorted { ($0.element.words.count, $1.offset) > ($1.element.words.count, $0.offset) }
                .map(\.element)
            ranges[first] = start..<phrases.count
        }
        self.phrases = phrases
        self.byFirstWord = WordTable(ranges)
    }

    /// The longest non-overlapping matches, left to right.
    func matches(in tokens: [TextTokenizer.Token]) -> [Match] {
        var result: [Match] = []
        var index = 0
        // Phrases read in place (a buffer, not a copy of each candidate with its arrays retained).
        phrases.withUnsafeBufferPointer { phrases in
            while index < tokens.count {
                var matched: Match?
                if let candidates = byFirstWord[tokens[index]] {
                    for candidate in candidates {
                        let count = phrases[candidate].words.count
                        guard index + count <= tokens.count else { continue }
                        var ok = true
                        for offset in 1..<max(1, count) {
                            let token = tokens[index + offset]
                            if token.hash != phrases[candidate].hashes[offset] || token.text != phrases[candidate].words[offset] {
                                ok = false
                                break
                            }
                        }
                        if ok && phrases[candidate].caseSensitive {
                            ok = tokens[index..<(index + count)].allSatisfy { isUppercase($0.raw) }
                        }
                        if ok {
                            matched = Match(tokenRange: index..<(index + count), phrase: candidate)
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
        }
        return result
    }

    private func isUppercase(_ raw: String) -> Bool {
        raw.unicodeScalars.allSatisfy { !$0.properties.isLowercase }
    }
}
