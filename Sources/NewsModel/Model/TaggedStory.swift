import Foundation

/// What an entity is.
public enum EntityType: String, Codable, Sendable, Hashable, CaseIterable {
    /// A person.
    case person
    /// An organisation: a company, agency, court, party or international body.
    case organization
    /// A place: a country, region, city or landmark.
    case place

    /// The query-language field that filters on this type (`person:`, `org:`, `place:`).
    public var queryField: String {
        switch self {
        case .person: "person"
        case .organization: "org"
        case .place: "place"
        }
    }
}

/// Where in a story an entity was mentioned.
public struct Mention: Codable, Sendable, Hashable {
    /// The field: `headline` or `body`.
    public var field: String
    /// Offset of the first character, counted in Unicode scalars from the start of the field.
    public var start: Int
    /// Offset just past the last character, in Unicode scalars.
    public var end: Int
    /// The text as it stands in the story.
    public var text: String

    /// Creates a mention.
    public init(field: String, start: Int, end: Int, text: String) {
        self.field = field
        self.start = start
        self.end = end
        self.text = text
    }
}

/// An entity found in a story.
public struct EntityTag: Codable, Sendable, Hashable {
    /// A stable id, such as `iso3166:IR` for Iran.
    public var id: String
    /// What the entity is.
    public var type: EntityType
    /// The canonical name, such as `Iran`.
    public var name: String
    /// Every place the story mentions it.
    public var mentions: [Mention]
    /// How sure the tagger is, from 0 to 1.
    public var confidence: Double
    /// Why it was tagged: the rule and the aliases that matched.
    public var reason: String
    /// Other names the entity goes by in the gazetteer ("America", "U.S." for the United States), so
    /// that `place:America` finds it; absent for names the gazetteer does not know.
    public var aliases: [String]?

    /// Creates an entity tag.
    public init(
        id: String, type: EntityType, name: String, mentions: [Mention], confidence: Double, reason: String, aliases: [String]? = nil
    ) {
        self.id = id
        self.type = type
        self.name = name
        self.mentions = mentions
        self.confidence = confidence
        self.reason = reason
        self.aliases = aliases
    }

    /// The tag keys of this entity: by its type's field and `entity:`, under its name, its aliases and its id.
    public var tagKeys: [String] {
        var keys: [String] = []
        for value in [name] + (aliases ?? []) {
            keys.append(TagKey.make(field: type.queryField, value: value))
            keys.append(TagKey.make(field: "entity", value: value))
        }
        keys.append(TagKey.make(field: "entity", value: id))
        return keys
    }
}

/// A topic a story is about.
public struct TopicTag: Codable, Sendable, Hashable {
    /// The topic's code, such as `medtop:11000000`.
    public var code: String
    /// The short name used in queries, such as `politics`.
    public var name: String
    /// The label shown to people, such as `Politics`.
    public var label: String
    /// How strongly the story is about it, from 0 to 1.
    public var score: Double
    /// Why it was tagged: the keywords that matched, or the child topic it was inherited from.
    public var reason: String
    /// The topic's Wikidata item (`Q…`), where the IPTC vocabulary links one.
    public var wikidata: String?

    /// Creates a topic tag.
    public init(code: String, name: String, label: String, score: Double, reason: String, wikidata: String? = nil) {
        self.code = code
        self.name = name
        self.label = label
        self.score = score
        self.reason = reason
        self.wikidata = wikidata
    }
}

/// A story with the entities and topics `tag` found in it.
public struct TaggedStory: Codable, Sendable, Hashable {
    /// The story.
    public var story: Story
    /// Entities, in order of first mention.
    public var entities: [EntityTag]
    /// Topics, strongest first.
    public var topics: [TopicTag]
    /// When it was tagged.
    public var taggedAt: Date
    /// The tagger and data versions that produced the tags.
    public var tagger: String
    /// The filter keys (``tagKeys``), sorted: computed once by `tag` and carried on the wire, so that
    /// index and notify do not fold every name and alias of every story again. Absent in messages
    /// from before they were carried; then ``tagKeys`` computes them.
    public var keys: [String]?

    /// Creates a tagged story; `carryingKeys` computes its filter keys now, to travel with it.
    public init(story: Story, entities: [EntityTag], topics: [TopicTag], taggedAt: Date = Date(), tagger: String, carryingKeys: Bool = false) {
        self.story = story
        self.entities = entities
        self.topics = topics
        self.taggedAt = taggedAt
        self.tagger = tagger
        if carryingKeys { keys = computedTagKeys.sorted() }
    }

    /// The filter keys the query language matches with field filters, such as `place_iran` for
    /// `place:Iran` (see ``TagKey``): the carried ``keys`` when there are, else computed.
    public var tagKeys: Set<String> {
        keys.map(Set.init) ?? computedTagKeys
    }

    /// The filter keys from the story's tags, source and language.
    public var computedTagKeys: Set<String> {
        var keys = Set<String>()
        for entity in entities { keys.formUnion(entity.tagKeys) }
        for topic in topics {
            keys.insert(TagKey.make(field: "topic", value: topic.code))
            keys.insert(TagKey.make(field: "topic", value: topic.name))
        }
        if let source = story.source { keys.insert(TagKey.make(field: "source", value: source)) }
        if let language = story.language { keys.insert(TagKey.make(field: "lang", value: language)) }
        return keys
    }

    /// The tags behind a filter key, each with its name, id and the tagger's reason: what an alert
    /// shows for a field filter the story satisfied.
    public func tags(withKey key: String) -> [(name: String, id: String?, reason: String)] {
        var result: [(name: String, id: String?, reason: String)] = []
        for entity in entities where entity.tagKeys.contains(key) { result.append((entity.name, entity.id, entity.reason)) }
        for topic in topics where TagKey.make(field: "topic", value: topic.code) == key || TagKey.make(field: "topic", value: topic.name) == key {
            result.append((topic.label, topic.code, topic.reason))
        }
        if let source = story.source, TagKey.make(field: "source", value: source) == key { result.append((source, nil, "the story's source")) }
        if let language = story.language, TagKey.make(field: "lang", value: language) == key {
            result.append((language, nil, "the story's language"))
        }
        return result
    }
}

/// The one spelling of a field filter's value as an indexable token: the field, an underscore and the
/// value folded to lower case without diacritics, every run of other characters made one underscore.
/// `place:"United States"` and the entity United States both become `place_united_states`.
public enum TagKey {
    /// The key for `field:value`.
    public static func make(field: String, value: String) -> String {
        field + "_" + slug(value)
    }

    /// `value` folded and joined with underscores.
    public static func slug(_ value: String) -> String {
        TextTokenizer.tokens(in: value).map(\.text).joined(separator: "_")
    }
}
