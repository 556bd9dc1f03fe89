import NewsModel

/// Turns the entity model's spans and the gazetteer's matches in a story's fields into one entity per
/// thing the story is about, each with all its mentions:
///
/// - a span that is a gazetteer alias of its type is that entry (its id and canonical name); a span
///   the model typed otherwise than the gazetteer (Barcelona the club, not the city) is the model's
///   entity, the context deciding;
/// - a gazetteer match the model left out is kept as the gazetteer's (the model misses some);
/// - a person's surname alone, or given name alone when unambiguous, is that person; an organisation's
///   leading words alone ("Newmont" after "Newmont Mining Corp") are that organisation; aliases of one
///   gazetteer entry ("the Pentagon", "the Department of Defense") are one entity;
/// - a capitalised word equal to a found person's surname, which the model did not tag, is a mention
///   of that person too.
final class EntityLinker: Sendable {
    let evidence: EntityEvidence
    let model: EntitySequenceModel

    /// A linker of `model`'s spans with `evidence`'s gazetteer.
    init(evidence: EntityEvidence, model: EntitySequenceModel) {
        self.evidence = evidence
        self.model = model
    }

    /// Why a mention was found. Put into words only for the mention that names its entity.
    private enum Evidence {
        /// The gazetteer's alias (a phrase of the matcher), and the model agrees.
        case agreed(phrase: Int)
        /// The model, from its context; the gazetteer has the same words as another type.
        case context(phrase: Int)
        /// The model alone.
        case model
        /// The gazetteer alone.
        case gazetteer(phrase: Int)
        /// A found person's surname.
        case surname
    }

    /// A mention's place while linking.
    private struct Found {
        var field: Int
        var range: Range<Int>
        var type: EntityType
        var entry: Int?
        var evidence: Evidence
        var confidence: Double
    }

    /// What a mention is an entity by: a gazetteer entry, or its type and words.
    private enum Key: Hashable {
        case entry(Int)
        case found(EntityType, [String])
    }

    func entities(in fields: [TaggedField]) -> [EntityTag] {
        var found: [Found] = []
        for (position, field) in fields.enumerated() {
            let (context, matches) = evidence.context(tokens: field.tokens, utf8: field.utf8)
            let spans = EntitySequenceModel.spans(model.labels(for: context, lexicon: evidence.lexicon))
            var covered = [Bool](repeating: false, count: field.tokens.count)
            for span in spans {
                // A connector the model carried past the name's end ("Reserve Bank of India and") goes.
                var range = span.range
                while range.count > 1, NameFinder.connectors.contains(field.tokens[range.upperBound - 1].text) { range = range.lowerBound..<(range.upperBound - 1) }
                for index in range { covered[index] = true }
                // The gazetteer's match of this name: the same tokens, else one of the span's type
                // overlapping it ("the Fed" for "Fed").
                let exact = matches.first { $0.tokenRange == range }
                let overlapping = matches.first { match in
                    match.tokenRange.overlaps(range) && evidence.entries[evidence.matcher.phrases[match.phrase].value].type == span.type
                }
                let match = exact.flatMap { evidence.entries[evidence.matcher.phrases[$0.phrase].value].type == span.type ? $0 : nil } ?? overlapping
                if let match {
                    found.append(
                        Found(
                            field: position, range: range, type: span.type, entry: evidence.matcher.phrases[match.phrase].value,
                            evidence: .agreed(phrase: match.phrase), confidence: 0.95))
                } else if let exact {
                    found.append(
                        Found(field: position, range: range, type: span.type, entry: nil, evidence: .context(phrase: exact.phrase), confidence: 0.75))
                } else {
                    found.append(Found(field: position, range: range, type: span.type, entry: nil, evidence: .model, confidence: 0.7))
                }
            }
            for match in matches where !match.tokenRange.contains(where: { covered[$0] }) {
                let entry = evidence.matcher.phrases[match.phrase].value
                found.append(
                    Found(
                        field: position, range: match.tokenRange, type: evidence.entries[entry].type, entry: entry,
                        evidence: .gazetteer(phrase: match.phrase), confidence: 0.8))
            }
        }
        return link(found, fields: fields)
    }

    /// How many distinct values a sequence has: none, one (which), or more.
    private enum Only { case none, one(Int), many }

    private static func only(_ keys: some Sequence<Int>) -> Only {
        var found = Only.none
        for key in keys {
            switch found {
            case .none: found = .one(key)
            case .one(let existing) where existing != key: return .many
            default: break
            }
        }
        return found
    }

    /// The reason a mention gives for its entity.
    private func reason(_ item: Found) -> String {
        switch item.evidence {
        case .agreed(let phrase): "gazetteer: \"\(evidence.matcher.phrases[phrase].alias)\"; the model agrees"
        case .context(let phrase):
            "model: \(item.type.rawValue) from its context (the gazetteer has the \(evidence.entries[evidence.matcher.phrases[phrase].value].type.rawValue) \(evidence.entries[evidence.matcher.phrases[phrase].value].name))"
        case .model: "model: not in the gazetteer"
        case .gazetteer(let phrase): "gazetteer: \"\(evidence.matcher.phrases[phrase].alias)\""
        case .surname: "surname"
        }
    }

    private func link(_ found: [Found], fields: [TaggedField]) -> [EntityTag] {
        guard !found.isEmpty else { return [] }
        // Each mention's words (only where linking compares them: found names, and people for their
        // surnames) and its entity key, numbered: the rest of linking works on those numbers.
        let wordLists = found.map { item in
            item.entry == nil || item.type == .person ? fields[item.field].tokens[item.range].map(\.text) : []
        }
        var keyNumbers: [Key: Int] = [:]
        var keyOf: [Key] = []
        let keys = found.indices.map { index -> Int in
            let key = found[index].entry.map(Key.entry) ?? .found(found[index].type, wordLists[index])
            if let number = keyNumbers[key] { return number }
            keyNumbers[key] = keyOf.count
            keyOf.append(key)
            return keyOf.count - 1
        }
        // Longer names first, so that a short form finds the full one it abbreviates.
        var canonical = [Int?](repeating: nil, count: keyOf.count)  // key → the key it is merged into
        let byLength = found.indices.sorted { found[$0].range.count > found[$1].range.count }
        var persons: [(surname: String, given: String, key: Int)] = []
        var organizations: [(words: [String], key: Int)] = []
        for index in byLength {
            let item = found[index]
            let own = keys[index]
            guard canonical[own] == nil else { continue }
            let text = wordLists[index]
            var target = own
            if item.entry == nil && item.type == .person && text.count == 1 {
                // The one person with that surname, else (no surname matching) the one with that given name.
                let surname = Self.only(persons.lazy.filter { $0.surname == text[0] }.map(\.key))
                let given = Self.only(persons.lazy.filter { $0.given == text[0] }.map(\.key))
                if case .one(let key) = surname { target = key } else if case .none = surname, case .one(let key) = given { target = key }
            } else if item.entry == nil && item.type == .organization {
                if let longer = organizations.first(where: { $0.words.count > text.count && $0.words.starts(with: text) }) {
                    target = longer.key
                }
            }
            canonical[own] = target
            if target == own {
                if item.type == .person && text.count >= 2 { persons.append((text[text.count - 1], text[0], own)) }
                if item.type == .organization && !text.isEmpty { organizations.append((text, own)) }
            }
        }
        // Every mention with the entity it belongs to.
        var mentions = found.indices.map { (item: found[$0], key: keys[$0], target: canonical[keys[$0]] ?? keys[$0]) }
        // Capitalised words the model did not tag that are a found person's surname.
        let surnameOwners = persons.isEmpty ? [:] : Dictionary(grouping: persons, by: \.surname).filter { $0.value.count == 1 }.mapValues { $0[0].key }
        if !surnameOwners.isEmpty {
            for (position, field) in fields.enumerated() {
                var taken = [Bool](repeating: false, count: field.tokens.count)
                for item in found where item.field == position { for index in item.range { taken[index] = true } }
                for (index, token) in field.tokens.enumerated() where !taken[index] {
                    // A capital first (a byte test for ASCII), then the table: most words are neither.
                    guard let first = token.raw.utf8.first, first >= 0x80 || (0x41...0x5A).contains(first) else { continue }
                    guard let owner = surnameOwners[token.text], token.raw.first?.isUppercase == true else { continue }
                    let item = Found(field: position, range: index..<(index + 1), type: .person, entry: nil, evidence: .surname, confidence: 0.5)
                    mentions.append((item, -1, owner))
                }
            }
        }
        // A found entity is named by its own (longest) mention, not by a short form that came first,
        // and gives that mention's reason.
        var own = [Int?](repeating: nil, count: keyOf.count)  // the mention that is the entity itself
        for index in found.indices where canonical[keys[index]] == keys[index] && own[keys[index]] == nil {
            own[keys[index]] = index
        }
        // One entity per canonical key, in the order of first mention (headline first).
        mentions.sort { ($0.item.field, $0.item.range.lowerBound) < ($1.item.field, $1.item.range.lowerBound) }
        var order: [Int] = []
        var tags = [EntityTag?](repeating: nil, count: keyOf.count)
        var merged = [Bool](repeating: false, count: keyOf.count)  // whether the reason says a part or short form counted
        for (item, key, target) in mentions {
            if tags[target] == nil {
                order.append(target)
                let itself = own[target].map { found[$0] } ?? item
                let (id, name, aliases): (String, String, [String]?)
                switch keyOf[target] {
                case .entry(let entry):
                    let gazetteer = evidence.entries[entry]
                    (id, name) = (gazetteer.id, gazetteer.name)
                    aliases = evidence.otherAliases[entry]
                case .found(let type, let words):
                    id = "found:\(type.rawValue):" + words.joined(separator: "-")
                    name = fields[itself.field].tokens[itself.range].map(\.raw).joined(separator: " ")
                    aliases = nil
                }
                tags[target] = EntityTag(
                    id: id, type: itself.type, name: name, mentions: [], confidence: itself.confidence, reason: reason(itself), aliases: aliases)
            }
            tags[target]!.mentions.append(Self.mention(item.range, in: fields[item.field]))
            if key != target, !merged[target] {
                merged[target] = true
                tags[target]!.reason += item.type == .person ? "; also by a part of the name alone" : "; also by a short form"
            }
        }
        return order.map { tags[$0]! }
    }

    /// The mention of a token range, taking a full stop after an abbreviation (`U.S.`, `Corp.`).
    static func mention(_ range: Range<Int>, in field: TaggedField) -> Mention {
        let first = field.tokens[range.lowerBound]
        let last = field.tokens[range.upperBound - 1]
        var (end, endByte) = (last.end, last.utf8End)
        let abbreviation = last.raw.count == 1 || ["corp", "inc", "co", "ltd", "jr", "sr", "bros", "st"].contains(last.text)
        if abbreviation, endByte < field.utf8.count, field.utf8[endByte] == UInt8(ascii: ".") {
            end += 1
            endByte += 1
        }
        return Mention(
            field: field.name, start: first.start, end: end, text: String(decoding: field.utf8[first.utf8Start..<endByte], as: UTF8.self))
    }
}
