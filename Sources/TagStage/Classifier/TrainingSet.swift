import Foundation
import NewsModel

/// The stories a topic model is trained and measured on: labelled stories, the IPTC concepts' names
/// and definitions as short documents of their own, a held-out part that training never sees, and
/// the labels with enough examples to learn.
public struct TrainingSet: Sendable {
    /// The stories to train on.
    public var training: [LabelledStory]
    /// The stories kept out of training, to measure on.
    public var heldOut: [LabelledStory]

    /// Splits `stories`: every story whose id hashes to 0 modulo `holdOutEvery` is held out (none
    /// when it is 0 or 1), so the split is the same on every run and does not depend on file order.
    public init(stories: [LabelledStory], holdOutEvery: Int) {
        guard holdOutEvery > 1 else {
            training = stories
            heldOut = []
            return
        }
        func isHeldOut(_ story: LabelledStory) -> Bool {
            let id = story.input.id ?? story.input.headline
            return FNV1a.hash(id) % UInt64(holdOutEvery) == 0
        }
        training = stories.filter { !isHeldOut($0) }
        heldOut = stories.filter(isHeldOut)
    }

    /// Adds every live concept of an IPTC Media Topics file (`mediatopics.json`: code, name,
    /// definition, parent, retired) as a training document: the name as headline, the definition as
    /// body, labelled with the concept's code and its ancestors'.
    public mutating func addDefinitions(from path: String) throws(TagDataError) {
        struct Concept: Decodable {
            var code: String
            var name: String
            var definition: String?
            var parent: String?
            var retired: String?
        }
        let concepts: [Concept]
        do {
            concepts = try JSONDecoder().decode([Concept].self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw TagDataError(file: path, message: "not an IPTC Media Topics file: \(error)")
        }
        let live = Dictionary(concepts.filter { $0.retired == nil }.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
        for concept in live.values.sorted(by: { $0.code < $1.code }) {
            guard let definition = concept.definition, !definition.isEmpty else { continue }
            var labels = [concept.code]
            var parent = concept.parent
            while let code = parent, let next = live[code] {
                labels.append(code)
                parent = next.parent
            }
            let input = StoryInput(headline: concept.name, body: definition, id: "iptc:" + concept.code)
            training.append(LabelledStory(input: input, labels: labels))
        }
    }

    /// Keeps only the labels `keep` accepts, in training and held-out stories alike.
    public mutating func keepLabels(where keep: (String) -> Bool) {
        training = training.map { LabelledStory(input: $0.input, labels: $0.labels.filter(keep)) }
        heldOut = heldOut.map { LabelledStory(input: $0.input, labels: $0.labels.filter(keep)) }
    }

    /// Keeps only the labels with at least `minimum` training stories (the others are dropped from
    /// every story, held-out ones too, so they are neither learned nor counted as missed).
    public mutating func keepLabels(withAtLeast minimum: Int) {
        var counts: [String: Int] = [:]
        for story in training { for label in Set(story.labels) { counts[label, default: 0] += 1 } }
        let kept = Set(counts.filter { $0.value >= minimum }.keys)
        keepLabels(where: kept.contains)
    }
}
