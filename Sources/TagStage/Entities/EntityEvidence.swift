import NewsModel

/// What the entity model sees of a text besides its words: the gazetteer's matches (by type), where
/// sentences start, and whether the text is cased. Built the same way for training sentences and for
/// stories, so the model meets at run time the evidence it learned from.
final class EntityEvidence: Sendable {
    /// The gazetteer's aliases, each with its entry's index.
    let matcher: PhraseMatcher<Int>
    /// The gazetteer's entries.
    let entries: [GazetteerEntry]
    /// Per entry: its aliases other than its name (nil when it has no other), as entities list them.
    let otherAliases: [[String]?]
    /// The first names and word lists the features use.
    let lexicon: EntitySequenceModel.Lexicon
    /// The same lists as one table of ``EntitySequenceModel/WordClass`` bits, looked up by the
    /// token's precomputed hash: one probe per token.
    let wordClasses: WordTable<UInt8>

    init(gazetteer: Gazetteer) {
        matcher = PhraseMatcher(gazetteer.entries.enumerated().flatMap { index, entry in entry.aliases.map { (phrase: $0, value: index) } })
        entries = gazetteer.entries
        otherAliases = gazetteer.entries.map { entry in entry.aliases.count > 1 ? entry.aliases.filter { $0 != entry.name } : nil }
        lexicon = EntitySequenceModel.Lexicon(givenNames: Set(gazetteer.givenNames.map { $0.lowercased() }))
        typealias WordClass = EntitySequenceModel.WordClass
        var classes: [String: UInt8] = [:]
        for word in EntitySequenceModel.Lexicon.titles { classes[word, default: 0] |= WordClass.title }
        for word in EntitySequenceModel.Lexicon.organizationEnds { classes[word, default: 0] |= WordClass.organizationEnd }
        for word in lexicon.givenNames { classes[word, default: 0] |= WordClass.givenName }
        for word in NameFinder.connectors { classes[word, default: 0] |= WordClass.connector }
        wordClasses = WordTable(classes)
    }

    /// The context of `tokens` of a text whose UTF-8 is `utf8`, with the gazetteer's matches (also
    /// returned, for linking).
    func context(tokens: [TextTokenizer.Token], utf8: [UInt8]) -> (EntitySequenceModel.Context, [PhraseMatcher<Int>.Match]) {
        let matches = matcher.matches(in: tokens)
        var gazetteer = [(type: EntityType, begins: Bool)?](repeating: nil, count: tokens.count)
        for match in matches {
            let type = entries[matcher.phrases[match.phrase].value].type
            for index in match.tokenRange { gazetteer[index] = (type, index == match.tokenRange.lowerBound) }
        }
        var sentenceStart = [Bool](repeating: false, count: tokens.count)
        for (index, token) in tokens.enumerated() {
            var position = token.utf8Start - 1
            scan: while position >= 0 {
                switch utf8[position] {
                case 0x20, 0x22, 0x27, 0x28, 0x09: position -= 1  // space, quotes, parenthesis, tab
                default: break scan
                }
            }
            if position < 0 {
                sentenceStart[index] = true
            } else {
                switch utf8[position] {
                case 0x2E, 0x21, 0x3F, 0x0A, 0x3A: sentenceStart[index] = true  // . ! ? newline :
                default: sentenceStart[index] = false
                }
            }
        }
        // Word classes for every token; shapes only where the model looks. A folded token equal to its
        // raw text has no capital (folding lowers case), so its shape waits: in cased text the model
        // scores only tokens with capitals and connectors, and reads the shapes of them and their
        // neighbours.
        typealias WordClass = EntitySequenceModel.WordClass
        var shapes = [(full: UInt64, short: UInt64)](repeating: (0, 0), count: tokens.count)
        var shaped = [Bool](repeating: false, count: tokens.count)
        var classes = [UInt8](repeating: 0, count: tokens.count)
        var anyCapital = false
        var anyLower = false
        for (index, token) in tokens.enumerated() {
            let listed = wordClasses[token] ?? 0
            guard token.raw != token.text else {
                anyLower = true
                classes[index] = listed & ~WordClass.givenName
                continue
            }
            let shape = EntitySequenceModel.shape(token.raw)
            shapes[index] = (shape.full, shape.short)
            shaped[index] = true
            var bits: UInt8 = 0
            if shape.capitalised { bits |= WordClass.capitalised }
            if shape.hasCapital { bits |= WordClass.hasCapital } else { anyLower = true }
            if !shape.capitalised && shape.hasCapital { anyLower = true }
            if shape.hasCapital { anyCapital = true }
            bits |= listed & (shape.capitalised ? 0xFF : ~WordClass.givenName)
            classes[index] = bits
        }
        let cased = anyCapital && anyLower
        let looked = { (index: Int) in index >= 0 && index < tokens.count && classes[index] & (WordClass.hasCapital | WordClass.connector) != 0 }
        for index in tokens.indices where !shaped[index] && (!cased || looked(index - 1) || looked(index) || looked(index + 1)) {
            let shape = EntitySequenceModel.shape(tokens[index].raw)
            shapes[index] = (shape.full, shape.short)
        }
        // Cased: some words with capitals and some without (all capitals, or none, is not).
        var context = EntitySequenceModel.Context(tokens: tokens, gazetteer: gazetteer, sentenceStart: sentenceStart, cased: cased)
        context.shapes = shapes
        context.classes = classes
        return (context, matches)
    }
}
