import NewsModel

/// The passage of a body a search hit shows: a window of words around the first match, the matched
/// words in `[brackets]`, cut from the stored text (so with its case and accents), found with the same
/// folded tokens the query matched.
enum Snippet {
    /// How much of a body is looked at for the passage.
    static let scannedCharacters = 16_384
    /// Words in a passage.
    static let window = 16

    /// The passage of `body` around the first word that `clauses` match, or nil when none does.
    static func make(_ body: String, highlighting clauses: [TextMatch]) -> String? {
        guard !clauses.isEmpty else { return nil }
        let tokens = TextTokenizer.tokens(in: body)
        var marked = [Bool](repeating: false, count: tokens.count)
        for index in tokens.indices {
            for clause in clauses {
                switch clause {
                case .term(let term):
                    if tokens[index].text == term { marked[index] = true }
                case .prefix(let prefix):
                    if tokens[index].text.hasPrefix(prefix) { marked[index] = true }
                case .phrase(let words):
                    guard index + words.count <= tokens.count,
                        words.indices.allSatisfy({ tokens[index + $0].text == words[$0] })
                    else { continue }
                    for offset in words.indices { marked[index + offset] = true }
                }
            }
        }
        guard let first = marked.firstIndex(of: true) else { return nil }
        let start = max(0, first - 4)
        let end = min(tokens.count, start + window)
        let bytes = Array(body.utf8)
        var passage = start > 0 ? "…" : ""
        var cursor = tokens[start].utf8Start
        for index in start..<end {
            passage += String(decoding: bytes[cursor..<tokens[index].utf8Start], as: UTF8.self)
            let word = String(decoding: bytes[tokens[index].utf8Start..<tokens[index].utf8End], as: UTF8.self)
            passage += marked[index] ? "[" + word + "]" : word
            cursor = tokens[index].utf8End
        }
        return passage + (end < tokens.count ? "…" : "")
    }
}
