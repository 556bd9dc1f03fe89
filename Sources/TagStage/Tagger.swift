import Foundation
import NewsModel

/// One field of a story, tokenised once for both entity and topic matching.
struct TaggedField {
    let name: String
    /// The text's UTF-8, for mention texts and the characters around tokens.
    let utf8: [UInt8]
    let tokens: [TextTokenizer.Token]
    let weight: Int

    init(name: String, text: String, weight: Int) {
        self.name = name
        self.utf8 = Array(text.utf8)
        self.tokens = TextTokenizer.tokens(in: text)
        self.weight = weight
    }
}

/// A keyword's topic and weight (1 for a keyword that needs company, 3 for a strong one).
struct KeywordRef: Sendable, Hashable {
    let topic: Int
    let weight: Int
}

/// Finds entities and topics in stories. Immutable once built, so one tagger serves every task.
public struct Tagger: Sendable, CustomStringConvertible {
    /// The tagger's version string, recorded in every tagged story.
    public let version: String
    private let entities: PhraseMatcher<Int>
    private let entries: [GazetteerEntry]
    private let keywords: PhraseMatcher<[KeywordRef]>
    private let topics: [TaxonomyTopic]
    private let topicIndexByCode: [String: Int]
    /// Per topic: its parent's index, when the taxonomy has the parent.
    private let parentTopic: [Int?]
    /// Per topic: its top-level ancestor's index (its own when it has no parent).
    private let rootTopic: [Int]
    private let classifier: TopicClassifier?
    private let nameFinder: NameFinder
    /// The entity model and its linking; without one, entities come from the gazetteer and
    /// ``NameFinder``'s rules alone.
    private let entityLinker: EntityLinker?

    /// Builds a tagger from a gazetteer, a taxonomy and, optionally, a trained classifier whose labels
    /// are topic codes of the taxonomy (labels the taxonomy does not have are ignored).
    public init(gazetteer: Gazetteer, taxonomy: Taxonomy, classifier: TopicClassifier? = nil, entityModel: EntitySequenceModel? = nil) {
        self.entityLinker = entityModel.map { EntityLinker(evidence: EntityEvidence(gazetteer: gazetteer), model: $0) }
        self.entities = PhraseMatcher(
            gazetteer.entries.enumerated().flatMap { index, entry in entry.aliases.map { (phrase: $0, value: index) } })
        // One phrase may signal several topics ("tariffs": economy and international trade).
        var keywordOrder: [String] = []
        var keywordTopics: [String: [KeywordRef]] = [:]
        for (index, topic) in taxonomy.topics.enumerated() {
            let refs = topic.keywords.map { ($0, KeywordRef(topic: index, weight: 1)) }
                + (topic.strong ?? []).map { ($0, KeywordRef(topic: index, weight: TaxonomyTopic.strongWeight)) }
            for (phrase, ref) in refs {
                if keywordTopics[phrase] == nil { keywordOrder.append(phrase) }
                keywordTopics[phrase, default: []].append(ref)
            }
        }
        self.keywords = PhraseMatcher(keywordOrder.map { (phrase: $0, value: keywordTopics[$0]!) })
        self.entries = gazetteer.entries
        self.nameFinder = NameFinder(givenNames: gazetteer.givenNames)
        self.topics = taxonomy.topics
        let topicIndexByCode = Dictionary(
            taxonomy.topics.enumerated().map { ($1.code, $0) }, uniquingKeysWith: { first, _ in first })
        self.topicIndexByCode = topicIndexByCode
        let parents = taxonomy.topics.map { topic in topic.parent.flatMap { topicIndexByCode[$0] } }
        self.parentTopic = parents
        self.rootTopic = parents.indices.map { index in
            var current = index
            var steps = 0
            while let parent = parents[current], steps < parents.count {
                current = parent
                steps += 1
            }
            return current
        }
        self.classifier = classifier
        let model = classifier.map { " model/\($0.header.trainedOn)@\(RFC3339.format($0.header.trainedAt))" } ?? ""
        let entities = entityModel.map { " entities/\($0.header.trainedOn)@\(RFC3339.format($0.header.trainedAt))" } ?? ""
        self.version = "tagger/2 gazetteer/\(gazetteer.entries.count) taxonomy/\(taxonomy.version)\(model)\(entities)"
    }

    /// The tagger in one line (its version): service-lifecycle logs describe their services, and the
    /// derived description would print every weight of the model.
    public var description: String { "Tagger(\(version))" }

    /// The classifier's labels that are not topics of the taxonomy (the tagger ignores them).
    public var unknownModelLabels: [String] {
        classifier?.labels.filter { topicIndexByCode[$0] == nil } ?? []
    }

    /// The tagger built from the project's bundled data: gazetteer, taxonomy and the classifier trained
    /// on `seeds/labelled.jsonl`.
    public static func bundled() throws(TagDataError) -> Tagger {
        Tagger(
            gazetteer: try Gazetteer.bundled(), taxonomy: try Taxonomy.bundled(), classifier: try TopicClassifier.bundled(),
            entityModel: try EntitySequenceModel.bundled())
    }

    /// Tags one story.
    public func tag(_ story: Story, at date: Date = Date()) -> TaggedStory {
        let fields: [TaggedField] = [
            TaggedField(name: "headline", text: story.headline, weight: 2),
            TaggedField(name: "body", text: story.body, weight: 1),
        ]
        return TaggedStory(
            story: story, entities: entityLinker?.entities(in: fields) ?? findEntities(fields), topics: findTopics(fields, story: story), taggedAt: date,
            tagger: version, carryingKeys: true)
    }

    private func findEntities(_ fields: [TaggedField]) -> [EntityTag] {
        var order: [Int] = []
        var mentions: [Int: [Mention]] = [:]
        var aliases: [Int: Set<String>] = [:]
        // Names the gazetteer does not know, by id, in the order first seen.
        var foundOrder: [String] = []
        var found: [String: EntityTag] = [:]
        // Gazetteer matches first; names the gazetteer does not know fill the gaps.
        var fieldMatches: [[PhraseMatcher<Int>.Match]] = []
        var fieldNames: [[NameFinder.Found]] = []
        for field in fields {
            var matches = entities.matches(in: field.tokens)
            let (names, released) = nameFinder.find(
                tokens: field.tokens, utf8: field.utf8, taken: matches.map(\.tokenRange),
                places: matches.filter { entries[entities.phrases[$0.phrase].value].type == .place }.map(\.tokenRange))
            if !released.isEmpty { matches.removeAll { released.contains($0.tokenRange) } }
            fieldMatches.append(matches)
            fieldNames.append(names)
        }
        // A found person's surname alone ("Powell said"), anywhere in the story, is another mention of
        // them, unless two found people share it.
        func foundID(_ name: NameFinder.Found, in field: TaggedField) -> String {
            "found:\(name.type.rawValue):" + field.tokens[name.tokenRange].map(\.text).joined(separator: "-")
        }
        var personBySurname: [String: String?] = [:]
        for (field, names) in zip(fields, fieldNames) {
            for name in names where name.type == .person && name.tokenRange.count >= 2 {
                let surname = field.tokens[name.tokenRange.upperBound - 1].text
                let id = foundID(name, in: field)
                if let existing = personBySurname[surname], existing != id { personBySurname[surname] = .some(nil) } else { personBySurname[surname] = id }
            }
        }
        var surnameMentions: [(field: Int, name: NameFinder.Found, person: String)] = []
        for (position, field) in fields.enumerated() where !personBySurname.isEmpty {
            var taken = [Bool](repeating: false, count: field.tokens.count)
            for range in fieldMatches[position].map(\.tokenRange) + fieldNames[position].map(\.tokenRange) {
                for index in range { taken[index] = true }
            }
            for (index, token) in field.tokens.enumerated() where !taken[index] {
                guard case .some(.some(let person)) = personBySurname[token.text], token.raw.first?.isUppercase == true else { continue }
                surnameMentions.append(
                    (position, NameFinder.Found(tokenRange: index..<(index + 1), type: .person, reason: "surname", confidence: 0.5), person))
            }
        }
        func mention(_ range: Range<Int>, in field: TaggedField) -> Mention {
            let first = field.tokens[range.lowerBound]
            let last = field.tokens[range.upperBound - 1]
            return Mention(
                field: field.name, start: first.start, end: last.end,
                text: String(decoding: field.utf8[first.utf8Start..<last.utf8End], as: UTF8.self))
        }
        for (field, names) in zip(fields, fieldNames) {
            for name in names {
                let id = foundID(name, in: field)
                if found[id] == nil {
                    foundOrder.append(id)
                    found[id] = EntityTag(
                        id: id, type: name.type, name: field.tokens[name.tokenRange].map(\.raw).joined(separator: " "), mentions: [],
                        confidence: name.confidence, reason: "not in the gazetteer; \(name.reason)")
                }
                found[id]!.mentions.append(mention(name.tokenRange, in: field))
            }
        }
        if !surnameMentions.isEmpty {
            for (position, name, person) in surnameMentions { found[person]!.mentions.append(mention(name.tokenRange, in: fields[position])) }
            let fieldOrder = Dictionary(uniqueKeysWithValues: fields.enumerated().map { ($1.name, $0) })
            for person in Set(surnameMentions.map(\.person)) {
                found[person]!.mentions.sort { (fieldOrder[$0.field]!, $0.start) < (fieldOrder[$1.field]!, $1.start) }
                found[person]!.reason += "; also by surname alone"
            }
        }
        for (field, matches) in zip(fields, fieldMatches) {
            for match in matches {
                let phrase = entities.phrases[match.phrase]
                let first = field.tokens[match.tokenRange.lowerBound]
                let last = field.tokens[match.tokenRange.upperBound - 1]
                let start = first.start
                var (end, endByte) = (last.end, last.utf8End)
                // An alias that ends in a full stop ("U.S.") takes the stop with it.
                if phrase.alias.hasSuffix("."), endByte < field.utf8.count, field.utf8[endByte] == UInt8(ascii: ".") {
                    end += 1
                    endByte += 1
                }
                let text = String(decoding: field.utf8[first.utf8Start..<endByte], as: UTF8.self)
                let index = phrase.value
                if mentions[index] == nil { order.append(index) }
                mentions[index, default: []].append(Mention(field: field.name, start: start, end: end, text: text))
                aliases[index, default: []].insert(phrase.alias)
            }
        }
        let known: [EntityTag] = order.map { index in
            let entry = entries[index]
            let matchedAliases = aliases[index, default: []].sorted()
            let onlyAcronyms = matchedAliases.allSatisfy { alias in
                alias.unicodeScalars.filter { $0.properties.isAlphabetic }.allSatisfy { $0.properties.isUppercase }
            }
            return EntityTag(
                id: entry.id, type: entry.type, name: entry.name, mentions: mentions[index, default: []],
                confidence: onlyAcronyms ? 0.8 : 0.95,
                reason: "gazetteer: " + matchedAliases.map { "\"\($0)\"" }.joined(separator: ", "),
                aliases: entry.aliases.count > 1 ? entry.aliases.filter { $0 != entry.name } : nil)
        }
        return known + foundOrder.map { found[$0]! }
    }

    /// A topic being decided for one story: its score and what its reason will say, in words only
    /// once it is kept.
    private struct TopicDraft {
        var score: Double
        /// The keyword rule's reason, when the rules found it.
        var keywords: String?
        /// The classifier's margin over its threshold, when the model found it.
        var margin: Float?
        /// The child topic it was inferred from, when it is a parent.
        var parentOf: Int?

        /// The reason of a topic found by the rules or the model.
        var foundReason: String {
            var parts: [String] = []
            if let keywords { parts.append(keywords) }
            if let margin { parts.append("model: margin \(Self.hundredths(margin)) over its threshold") }
            return parts.joined(separator: "; ")
        }

        /// `value` with two decimals, as `%.2f` writes it.
        static func hundredths(_ value: Float) -> String {
            let scaled = Int((abs(Double(value)) * 100).rounded())
            let sign = value < 0 && scaled > 0 ? "-" : ""
            let fraction = scaled % 100
            return "\(sign)\(scaled / 100).\(fraction < 10 ? "0" : "")\(fraction)"
        }
    }

    private func findTopics(_ fields: [TaggedField], story: Story) -> [TopicTag] {
        // Each distinct keyword counts once per topic, with its weight, doubled when it is in the
        // headline: hits keyed by (topic, phrase), found through a table of small integers.
        var hits: [(topic: Int, phrase: Int, weight: Int, field: Int, count: Int)] = []
        var hitByKey: [Int: Int] = [:]
        for (position, field) in fields.enumerated() {
            for match in keywords.matches(in: field.tokens) {
                for ref in keywords.phrases[match.phrase].value {
                    let weight = ref.weight * field.weight
                    let key = ref.topic << 32 | match.phrase
                    if let index = hitByKey[key] {
                        hits[index].weight = max(hits[index].weight, weight)
                        hits[index].count += 1
                    } else {
                        hitByKey[key] = hits.count
                        hits.append((ref.topic, match.phrase, weight, position, 1))
                    }
                }
            }
        }
        var drafts: [Int: TopicDraft] = [:]
        if !hits.isEmpty {
            hits.sort { ($0.topic, $0.phrase) < ($1.topic, $1.phrase) }
            var start = 0
            while start < hits.count {
                var end = start
                var weight = 0
                while end < hits.count, hits[end].topic == hits[start].topic {
                    weight += hits[end].weight
                    end += 1
                }
                let topic = hits[start].topic
                if weight >= (topics[topic].minWeight ?? TaxonomyTopic.defaultMinWeight) {
                    let reason =
                        "keywords: "
                        + hits[start..<end].map { hit in (keywords.phrases[hit.phrase].alias, hit) }.sorted { $0.0 < $1.0 }
                        .map { alias, hit in "\(alias) (\(fields[hit.field].name))" + (hit.count > 1 ? " x\(hit.count)" : "") }
                        .joined(separator: ", ")
                    drafts[topic] = TopicDraft(score: min(1.0, 0.5 + Double(weight) / 12.0), keywords: reason)
                }
                start = end
            }
        }
        // The classifier's topics: a topic the rules also found keeps the higher score and both reasons.
        if let classifier {
            for (label, margin) in classifier.predict(headline: fields[0].tokens, body: fields[1].tokens) {
                guard let topic = topicIndexByCode[label] else { continue }
                let score = 1 / (1 + exp(-4 * Double(margin)))  // above 0.5 exactly when predicted
                drafts[topic, default: TopicDraft(score: score)].margin = margin
                drafts[topic]!.score = max(drafts[topic]!.score, score)
            }
        }
        // A story about a child topic is also about its parents, when the rules found the child. A
        // child only the model found needs the model or the rules to find its top-level topic too: the
        // model's subtopics are less sure than its top level, and a lone one is dropped.
        for (topic, draft) in drafts where draft.keywords == nil && rootTopic[topic] != topic && drafts[rootTopic[topic]] == nil {
            drafts[topic] = nil
        }
        // Parents take their best child's score, the children visited best first (ties by code) so that
        // the reason does not depend on a dictionary's order.
        let children = drafts.sorted { ($0.value.score, topics[$1.key].code) > ($1.value.score, topics[$0.key].code) }
        for (child, draft) in children {
            var parent = parentTopic[child]
            while let index = parent {
                if let existing = drafts[index], existing.score >= draft.score { break }
                drafts[index] = TopicDraft(score: draft.score, parentOf: child)
                parent = parentTopic[index]
            }
        }
        return drafts.map { index, draft in
            let topic = topics[index]
            let reason = draft.parentOf.map { "parent of \(topics[$0].label)" } ?? draft.foundReason
            return TopicTag(code: topic.code, name: topic.name, label: topic.label, score: draft.score, reason: reason, wikidata: topic.wikidata)
        }
        .sorted { ($0.score, $1.code) > ($1.score, $0.code) }
    }
}
