import Foundation

/// One topic of the taxonomy.
public struct TaxonomyTopic: Codable, Sendable, Hashable {
    /// The code, such as `medtop:11000000`.
    public var code: String
    /// The short query name, such as `politics`.
    public var name: String
    /// The label shown to people.
    public var label: String
    /// The parent topic's code, if any.
    public var parent: String?
    /// Words and phrases that signal the topic.
    public var keywords: [String]
    /// The keyword weight a story needs (a headline hit counts 2, a body hit 1); default 2.
    public var minWeight: Int?
}

/// The topic taxonomy: IPTC Media Topics' top level and the project's children, from an editable
/// JSON file (`Resources/taxonomy.json`, or `tag --taxonomy FILE`).
public struct Taxonomy: Codable, Sendable {
    /// The taxonomy's version, recorded in every tagged story.
    public var version: String
    /// The topics.
    public var topics: [TaxonomyTopic]

    /// The taxonomy shipped with the project.
    public static func bundled() throws(TagDataError) -> Taxonomy {
        guard let url = Bundle.module.url(forResource: "taxonomy", withExtension: "json") else {
            throw TagDataError(file: "taxonomy.json", message: "the bundled taxonomy is missing from the build")
        }
        return try load(url)
    }

    /// Reads and checks a taxonomy file: codes unique, every parent in the file.
    public static func load(_ url: URL) throws(TagDataError) -> Taxonomy {
        let taxonomy = try decode(url)
        try taxonomy.checkParents(file: url.path)
        return taxonomy
    }

    /// This taxonomy with the user's topics from `url` (the same format) added: a topic with a new
    /// code is added, one with an existing code replaces it; parents may be in either file.
    public func adding(_ url: URL) throws(TagDataError) -> Taxonomy {
        let extra = try Self.decode(url)
        var merged = topics
        for topic in extra.topics {
            if let index = merged.firstIndex(where: { $0.code == topic.code }) {
                merged[index] = topic
            } else {
                merged.append(topic)
            }
        }
        let taxonomy = Taxonomy(version: version + "+" + extra.version, topics: merged)
        try taxonomy.checkParents(file: url.path)
        return taxonomy
    }

    private static func decode(_ url: URL) throws(TagDataError) -> Taxonomy {
        let taxonomy: Taxonomy
        do {
            taxonomy = try JSONDecoder().decode(Taxonomy.self, from: Data(contentsOf: url))
        } catch let error as DecodingError {
            throw TagDataError(file: url.path, message: "not a taxonomy: \(error)")
        } catch {
            throw TagDataError(file: url.path, message: "cannot read: \(error.localizedDescription)")
        }
        var codes = Set<String>()
        for topic in taxonomy.topics {
            guard codes.insert(topic.code).inserted else {
                throw TagDataError(file: url.path, message: "topic code \(topic.code) appears twice")
            }
        }
        return taxonomy
    }

    private func checkParents(file: String) throws(TagDataError) {
        let codes = Set(topics.map(\.code))
        for topic in topics {
            if let parent = topic.parent, !codes.contains(parent) {
                throw TagDataError(file: file, message: "topic \(topic.code) names parent \(parent), which is not in the taxonomy")
            }
        }
    }

    /// The topic with `code`.
    public func topic(code: String) -> TaxonomyTopic? { topics.first { $0.code == code } }
}
