import Foundation
import NewsModel

/// Measures near-duplicate clustering with controlled edits: every base story gets copies, each made
/// from a random earlier member of its group (so a copy of a copy is tested) with a share of its words
/// replaced, dropped or inserted, a word added to its headline, a sentence added or dropped, and
/// another id, URL and source. The stream is shuffled and fed through a fresh ``DuplicateDetector``
/// in batches (a copy always after the one it was made from); pairwise precision is the share of story pairs put in one cluster that are copies of
/// one story, recall the share of such pairs put in one cluster.
public struct ClusteringEvaluation: Sendable {
    /// The figures of one run.
    public struct Result: Sendable, CustomStringConvertible {
        /// The share of words edited in each copy.
        public var editRate: Double
        /// Stories fed through (bases and copies).
        public var stories: Int
        /// Groups of copies (the true clusters).
        public var groups: Int
        /// Clusters the detector made.
        public var clusters: Int
        /// Pairs in one true group.
        public var truePairs: Int
        /// Pairs in one detected cluster.
        public var predictedPairs: Int
        /// Pairs in both.
        public var correctPairs: Int

        /// Pairwise precision (1 when no pair was put together).
        public var precision: Double { predictedPairs == 0 ? 1 : Double(correctPairs) / Double(predictedPairs) }
        /// Pairwise recall (1 when there is no true pair).
        public var recall: Double { truePairs == 0 ? 1 : Double(correctPairs) / Double(truePairs) }

        /// One line: edit rate, precision, recall and the counts.
        public var description: String {
            String(
                format: "edits %4.1f%%: pairwise precision %.4f recall %.4f (%d stories in %d groups, %d clusters)",
                editRate * 100, precision, recall, stories, groups, clusters)
        }
    }

    /// The stories copies are made from; they should be different stories.
    public var bases: [Story]
    /// Stories whose sentences are the ones added to copies (never bases, so an added sentence does not
    /// make a copy resemble another group).
    public var fillers: [Story]
    /// Copies made of each base.
    public var copiesPerStory: Int
    /// The seed of every random choice, so a run can be repeated.
    public var seed: UInt64

    /// An evaluation over `stories`: every fifth is kept aside for the sentences added to copies, the
    /// others are bases.
    public init(stories: [Story], copiesPerStory: Int = 4, seed: UInt64 = 13) {
        self.bases = stories.enumerated().filter { $0.offset % 5 != 4 }.map(\.element)
        self.fillers = stories.enumerated().filter { $0.offset % 5 == 4 }.map(\.element)
        self.copiesPerStory = copiesPerStory
        self.seed = seed
    }

    /// Runs the evaluation at one edit rate, with the detector's state in `directory` (created, and
    /// removed afterwards); with `streamOut`, the stream is also written there as JSON Lines (id,
    /// group, headline, body, in order) for a peer to cluster.
    public func run(editRate: Double, directory: String, streamOut: String? = nil) async throws -> Result {
        var random = SplitMix64(seed: seed ^ UInt64(editRate * 1_000_000))
        let vocabulary = Array(Set(bases.flatMap { $0.headline.split(separator: " ") + $0.body.split(separator: " ") }.map(String.init))).sorted()
        let sentences = fillers.flatMap { Self.sentences(of: $0.body) }
        var stream: [(story: Story, group: Int)] = []
        for (group, base) in bases.enumerated() {
            var members = [base]
            for copy in 0..<copiesPerStory {
                let parent = members[Int.random(in: 0..<members.count, using: &random)]
                var edited = parent
                edited.id = "\(base.id)~copy\(copy)"
                edited.url = "https://copies.example/\(group)/\(copy)"
                edited.source = "Copy Desk \(copy)"
                edited.headline = parent.headline + " " + vocabulary[Int.random(in: 0..<vocabulary.count, using: &random)]
                var body = Self.sentences(of: parent.body)
                if body.count >= 3, Bool.random(using: &random) {
                    body.remove(at: Int.random(in: 0..<body.count, using: &random))
                } else if !sentences.isEmpty, Bool.random(using: &random) {
                    body.insert(sentences[Int.random(in: 0..<sentences.count, using: &random)], at: Int.random(in: 0...body.count, using: &random))
                }
                edited.body = Self.edit(body.joined(separator: " "), rate: editRate, vocabulary: vocabulary, random: &random)
                members.append(edited)
            }
            stream += members.map { ($0, group) }
        }
        // Shuffled, except that within a group a copy comes after the copy it was made from.
        let order = Array(0..<stream.count).shuffled(using: &random)
        var slots: [Int: [Int]] = [:]
        for (slot, index) in order.enumerated() { slots[stream[index].group, default: []].append(slot) }
        var shuffled = stream
        var next: [Int: Int] = [:]
        for member in stream {
            shuffled[slots[member.group]![next[member.group, default: 0]]] = member
            next[member.group, default: 0] += 1
        }
        stream = shuffled

        if let streamOut {
            var lines = Data()
            for (story, group) in stream {
                let object: [String: Any] = ["id": story.id, "group": group, "headline": story.headline, "body": story.body]
                lines += try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) + Data("\n".utf8)
            }
            try lines.write(to: URL(fileURLWithPath: streamOut))
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let detector = try DuplicateDetector(path: directory + "/duplicates.sqlite")
        var clusterOf: [String: String] = [:]
        for start in stride(from: 0, to: stream.count, by: 100) {
            let batch = stream[start..<min(start + 100, stream.count)].map(\.story)
            var fresh: [Story] = []
            for (story, verdict) in zip(batch, try await detector.classify(batch)) {
                switch verdict {
                case .fresh(let kept):
                    fresh.append(kept)
                    clusterOf[story.id] = kept.clusterID ?? kept.id
                case .duplicate(let first):
                    clusterOf[story.id] = clusterOf[first] ?? first
                }
            }
            try await detector.record(fresh)
        }
        func pairs(_ counts: [some Hashable: Int]) -> Int { counts.values.reduce(0) { $0 + $1 * ($1 - 1) / 2 } }
        var byGroup: [Int: Int] = [:]
        var byCluster: [String: Int] = [:]
        var byBoth: [String: Int] = [:]
        for (story, group) in stream {
            let cluster = clusterOf[story.id] ?? story.id
            byGroup[group, default: 0] += 1
            byCluster[cluster, default: 0] += 1
            byBoth["\(group) \(cluster)", default: 0] += 1
        }
        return Result(
            editRate: editRate, stories: stream.count, groups: bases.count, clusters: byCluster.count,
            truePairs: pairs(byGroup), predictedPairs: pairs(byCluster), correctPairs: pairs(byBoth))
    }

    /// `text` with `rate` of its words changed: each edit replaces a word, drops one or inserts one.
    static func edit(_ text: String, rate: Double, vocabulary: [String], random: inout SplitMix64) -> String {
        var words = text.split(separator: " ").map(String.init)
        guard !words.isEmpty, !vocabulary.isEmpty else { return text }
        let edits = Int((Double(words.count) * rate).rounded())
        for _ in 0..<edits {
            let position = Int.random(in: 0..<words.count, using: &random)
            let word = vocabulary[Int.random(in: 0..<vocabulary.count, using: &random)]
            switch Int.random(in: 0..<3, using: &random) {
            case 0: words[position] = word
            case 1 where words.count > 1: words.remove(at: position)
            default: words.insert(word, at: position)
            }
        }
        return words.joined(separator: " ")
    }

    /// The sentences of `text`, cut after `.`, `!` or `?` followed by a space.
    static func sentences(of text: String) -> [String] {
        var sentences: [String] = []
        var current = ""
        var previous: Character = " "
        for character in text {
            if character == " ", ".!?".contains(previous), !current.isEmpty {
                sentences.append(current)
                current = ""
            } else {
                current.append(character)
            }
            previous = character
        }
        if !current.trimmingCharacters(in: .whitespaces).isEmpty { sentences.append(current) }
        return sentences
    }
}
