import Foundation
import NewsModel

/// A story with the labels it should get: one line of the public input format with a `labels` array
/// of strings, as `tag train` and `tag eval` read them.
public struct LabelledStory: Sendable, Hashable {
    /// The story.
    public var input: StoryInput
    /// Its labels (topic codes or any names the user chose).
    public var labels: [String]

    /// Creates a labelled story.
    public init(input: StoryInput, labels: [String]) {
        self.input = input
        self.labels = labels
    }

    /// Parses one line. A story with an empty or missing body (a headline-only item) gets its headline
    /// as body, as ``FeedItem`` gives it at run time, so training sees what tagging will.
    /// - Throws: ``StoryInputError`` for a line that is not a story or whose `labels` is not an array
    ///   of strings.
    public static func parse(line: some StringProtocol) throws(StoryInputError) -> LabelledStory {
        var object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        var text = String(line)
        if var fields = object, let headline = fields["headline"] as? String, ((fields["body"] as? String) ?? "").isEmpty {
            fields["body"] = headline
            object = fields
            if let data = try? JSONSerialization.data(withJSONObject: fields) { text = String(decoding: data, as: UTF8.self) }
        }
        let input = try StoryInput.parse(line: text)
        guard let raw = object?["labels"] else { return LabelledStory(input: input, labels: []) }
        guard let labels = raw as? [String] else {
            throw StoryInputError(message: "field \"labels\" must be an array of strings")
        }
        return LabelledStory(input: input, labels: labels)
    }

    /// Every labelled story of the JSON Lines files at `paths`, in order; a directory stands for its
    /// `.jsonl` files, sorted by name.
    public static func load(paths: [String]) throws(StoryInputError) -> [LabelledStory] {
        var stories: [LabelledStory] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { $0.hasSuffix(".jsonl") }.sorted()
                guard !names.isEmpty else { throw StoryInputError(message: "\(path) has no .jsonl files") }
                for name in names { stories += try load(path: path + "/" + name) }
            } else {
                stories += try load(path: path)
            }
        }
        return stories
    }

    /// Every labelled story of a JSON Lines file, in order.
    /// - Throws: ``StoryInputError`` naming the first bad line, or when the file cannot be read.
    public static func load(path: String) throws(StoryInputError) -> [LabelledStory] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw StoryInputError(message: "cannot read \(path): \(error.localizedDescription)")
        }
        var stories: [LabelledStory] = []
        for (number, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where line.contains(where: { !$0.isWhitespace }) {
            do {
                stories.append(try parse(line: line))
            } catch {
                throw StoryInputError(message: "\(path):\(number + 1): \(error.message)")
            }
        }
        return stories
    }
}
