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
struct EntityLinker {
    let evidence: EntityEvidence
    let model: EntitySequenceModel

    /// A mention's place while linking.
    private struct Found {
        var field: Int
        var range: Range<Int>
        var type: EntityType
        var entry: Int?
        var reason: String
        var confidence: Double
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
                    let phrase = evidence.matcher.phrases[match.phrase]
                    found.append(
                        Found(
                            field: position, range: range, type: span.type, entry: phrase.value,
                            reason: "gazetteer: \"\(phrase.alias)\"; the model agrees", confidence: 0.95))
                } else if let exact {
                    let other = evidence.entries[evidence.matcher.phrases[exact.phrase].value]
                    found.append(
                        Found(
                            field: position, range: range, type: span.type, entry: nil,
                            reason: "model: \(span.type.rawValue) from its context (the gazetteer has the \(other.type.rawValue) \(other.name))",
                            confidence: 0.75))
                } else {
                    found.append(Found(field: position, range: range, type: span.type, entry: nil, reason: "model: not in the gazetteer", confidence: 0.7))
                }
            }
            for match in matches where !match.tokenRange.contains(where: { covered[$0] }) {
                let phrase = evidence.matcher.phrases[match.phrase]
                found.append(
                    Found(
                        field: position, range: match.tokenRange, type: evidence.entries[phrase.value].type, entry: phrase.value,
                        reason: "gazetteer: \"\(phrase.alias)\"", confidence: 0.8))
            }
        }
        return link(found, fields: fields)
    }

    private func link(_ found: [Found], fields: [TaggedField]) -> [EntityTag] {
        guard !found.isEmpty else { return [] }
        // Each mention's words and key (the gazetteer id, else the type and the words), made once.
        // (Words only where linking compares them: found names, and people for their surnames.)
        let wordLists = found.map { item in
            item.entry == nil || item.type == .person ? fields[item.field].tokens[item.range].map(\.text) : []
        }
        let keys = found.indices.map { index -> String in
            if let entry = found[index].entry { return evidence.entries[entry].id }
            return "found:\(found[index].type.rawValue):" + wordLists[index].joined(separator: "-")
        }
        // Longer names first, so that a short form finds the full one it abbreviates.
        var canonical: [String: String] = [:]  // key → the key it is merged into
        let byLength = found.indices.sorted { found[$0].range.count > found[$1].range.count }
        var persons: [(surname: String, given: String, key: String)] = []
        var organizations: [(words: [String], key: String)] = []
        for index in byLength {
            let item = found[index]
            let own = keys[index]
            guard canonical[own] == nil else { continue }
            let text = wordLists[index]
            var target = own
            if item.entry == nil && item.type == .person && text.count == 1 {
                let surnames = Set(persons.filter { $0.surname == text[0] }.map(\.key))
                let givens = Set(persons.filter { $0.given == text[0] }.map(\.key))
                if surnames.count == 1 { target = surnames.first! } else if surnames.isEmpty && givens.count == 1 { target = givens.first! }
            } else if item.entry == nil && item.type == .organization {
                if let longer = organizations.first(where: { $0.words.count > text.count && Array($0.words.prefix(text.count)) == text }) {
                    target = longer.key
                }
            }
            canonical[own] = target
            if target == own {
                if item.type == .person && text.count >= 2 { persons.append((text[text.count - 1], text[0], own)) }
                if item.type == .organization && !text.isEmpty { organizations.append((text, own)) }
            }
        }
        // Capitalised words the model did not tag that are a found person's surname.
        var extra: [Found] = []
        let surnameOwners = Dictionary(grouping: persons, by: \.surname).filter { $0.value.count == 1 }.mapValues { $0[0].key }
        if !surnameOwners.isEmpty {
            for (position, field) in fields.enumerated() {
                var taken = [Bool](repeating: false, count: field.tokens.count)
                for item in found where item.field == position { for index in item.range { taken[index] = true } }
                for (index, token) in field.tokens.enumerated() where !taken[index] {
                    // A capital first (a byte test for ASCII), then the table: most words are neither.
                    guard let first = token.raw.utf8.first, first >= 0x80 || (0x41...0x5A).contains(first) else { continue }
                    guard let owner = surnameOwners[token.text], token.raw.first?.isUppercase == true else { continue }
                    extra.append(Found(field: position, range: index..<(index + 1), type: .person, entry: nil, reason: "surname", confidence: 0.5))
                    canonical["surname:\(position):\(index)"] = owner
                }
            }
        }
        // A found entity is named by its own (longest) mention, not by a short form that came first.
        var names: [String: String] = [:]
        var own: [String: Found] = [:]  // the mention that is the entity itself, for its reason
        for index in found.indices where canonical[keys[index]] == keys[index] && own[keys[index]] == nil {
            own[keys[index]] = found[index]
            if found[index].entry == nil {
                names[keys[index]] = fields[found[index].field].tokens[found[index].range].map(\.raw).joined(separator: " ")
            }
        }
        // One entity per canonical key, in the order of first mention (headline first).
        var order: [String] = []
        var tags: [String: EntityTag] = [:]
        let allKeys = keys + extra.map { "surname:\($0.field):\($0.range.lowerBound)" }
        let all = (found + extra).enumerated().sorted { ($0.element.field, $0.element.range.lowerBound) < ($1.element.field, $1.element.range.lowerBound) }
        for (position, item) in all {
            let key = allKeys[position]
            let target = canonical[key] ?? key
            let mention = Self.mention(item.range, in: fields[item.field])
            if tags[target] == nil {
                order.append(target)
                let name: String
                var aliases: [String]?
                if let entry = item.entry {
                    name = evidence.entries[entry].name
                    let entryAliases = evidence.entries[entry].aliases
                    aliases = entryAliases.count > 1 ? entryAliases.filter { $0 != name } : nil
                } else {
                    name = names[target] ?? fields[item.field].tokens[item.range].map(\.raw).joined(separator: " ")
                }
                let itself = own[target] ?? item
                tags[target] = EntityTag(
                    id: target, type: itself.type, name: name, mentions: [], confidence: itself.confidence, reason: itself.reason, aliases: aliases)
            }
            tags[target]!.mentions.append(mention)
            if key != target, !tags[target]!.reason.contains("alone"), !tags[target]!.reason.contains("short form") {
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
