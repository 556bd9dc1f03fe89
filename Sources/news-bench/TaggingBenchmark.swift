import Foundation
import NewsModel
import TagStage

/// The tagger on one core: entities, keyword topics and the classifier, on every corpus story, in
/// this process (no JSON, no sockets). Writes the stories as JSON Lines too, for the spaCy peer, and the
/// entity mentions found, for comparing.
enum TaggingBenchmark {
    struct Result {
        var stories: Int
        var seconds: Double
        var mentions: [String: Int]
        var storiesPerSecond: Double { Double(stories) / seconds }
    }

    static func run(corpus: BenchCorpus, tagger: Tagger, storiesOut: String, mentionsOut: String) throws -> Result {
        let stories = corpus.items.enumerated().map { Story(id: "r\($0.offset)", headline: $0.element.headline, body: $0.element.body) }
        var lines = ""
        for story in stories {
            let object = ["id": story.id, "headline": story.headline, "body": story.body]
            lines += String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self) + "\n"
        }
        try lines.write(toFile: storiesOut, atomically: true, encoding: .utf8)
        // One warm-up pass, then the best of three.
        var tagged: [TaggedStory] = stories.map { tagger.tag($0) }
        var best = Double.infinity
        for _ in 0..<3 {
            let start = DispatchTime.now()
            tagged = stories.map { tagger.tag($0) }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9)
        }
        var mentions: [String: Int] = [:]
        var out = ""
        for story in tagged {
            for entity in story.entities {
                mentions[entity.type.rawValue, default: 0] += entity.mentions.count
                for mention in entity.mentions {
                    out += "\(story.story.id)\t\(mention.field)\t\(mention.start)\t\(mention.end)\t\(entity.type.rawValue)\t\(mention.text.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\t", with: " "))\n"
                }
            }
        }
        try out.write(toFile: mentionsOut, atomically: true, encoding: .utf8)
        return Result(stories: stories.count, seconds: best, mentions: mentions)
    }
}
