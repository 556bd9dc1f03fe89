import Foundation
import NewsModel
import Testing

@testable import TagStage

@Suite("Topic classifier")
struct TopicClassifierTests {
    /// Stories for three labels, each with its own vocabulary over shared filler; some carry two labels.
    static func stories(count: Int, seed: Int) -> [LabelledStory] {
        let vocabulary = [
            "trade": ["tariff", "import", "export", "customs", "quota"],
            "health": ["hospital", "vaccine", "clinic", "outbreak", "nurses"],
            "energy": ["oil", "pipeline", "refinery", "barrel", "crude"],
        ]
        let filler = ["officials", "said", "the", "week", "report", "city", "plan", "new", "year", "talks"]
        let labels = vocabulary.keys.sorted()
        return (0..<count).map { index in
            var chosen = [labels[(index + seed) % 3]]
            if index % 5 == 0 { chosen.append(labels[(index + seed + 1) % 3]) }
            var words: [String] = []
            for step in 0..<30 {
                let label = chosen[step % chosen.count]
                words.append(step % 3 == 0 ? vocabulary[label]![(index + step) % 5] : filler[(index * 7 + step) % filler.count])
            }
            let input = StoryInput(headline: words.prefix(6).joined(separator: " "), body: words.joined(separator: " "), id: "s\(index)")
            return LabelledStory(input: input, labels: chosen)
        }
    }

    @Test("it learns separable labels, multi-label stories included, and keeps its scores through a model file")
    func learnsAndRoundTrips() throws {
        var settings = TopicClassifier.Settings()
        settings.bits = 14
        let model = TopicClassifier.train(Self.stories(count: 120, seed: 0), settings: settings)
        #expect(model.labels == ["energy", "health", "trade"])
        let test = Self.stories(count: 40, seed: 1)
        let predicted = test.map { Set(model.predict(headline: $0.input.headline, body: $0.input.body).map(\.label)) }
        let evaluation = ClassifierEvaluation(expected: test.map { Set($0.labels) }, predicted: predicted)
        #expect(evaluation.microF1 > 0.95, "\(evaluation)")

        let path = NSTemporaryDirectory() + "model-\(UUID().uuidString).bin"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try model.write(to: path)
        let reread = try TopicClassifier.read(from: path)
        #expect(reread.header == model.header)
        for story in test.prefix(10) {
            let a = model.scores(headline: story.input.headline, body: story.input.body)
            let b = reread.scores(headline: story.input.headline, body: story.input.body)
            #expect(zip(a, b).allSatisfy { abs($0 - $1) < 1e-5 })
        }
    }

    @Test("a file that is not a model is refused with a reason")
    func refusesOtherFiles() throws {
        let path = NSTemporaryDirectory() + "not-a-model-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("NEWSCLS1\u{10}\0\0\0{".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: TagDataError.self) { try TopicClassifier.read(from: path) }
        try Data("hello".utf8).write(to: URL(fileURLWithPath: path))
        #expect { try TopicClassifier.read(from: path) } throws: { ($0 as? TagDataError)?.message.contains("not a classifier model") == true }
    }

    @Test("micro- and macro-F1 are counted as defined")
    func evaluation() {
        let evaluation = ClassifierEvaluation(
            expected: [["a"], ["a", "b"], ["b"], ["c"]], predicted: [["a"], ["a"], ["b", "c"], []])
        // a: tp 2; b: tp 1, fn 1; c: fp 1, fn 1. Micro: tp 3, fp 1, fn 2 → 6 / 9.
        #expect(abs(evaluation.microF1 - 6.0 / 9.0) < 1e-9)
        #expect(abs(evaluation.macroF1 - (1.0 + 2.0 / 3.0 + 0) / 3) < 1e-9)
    }

    @Test("a labelled story needs labels as an array of strings")
    func labelledStories() throws {
        let story = try LabelledStory.parse(line: #"{"headline": "H", "body": "B", "labels": ["trade", "medtop:04000000"]}"#)
        #expect(story.labels == ["trade", "medtop:04000000"])
        #expect(try LabelledStory.parse(line: #"{"headline": "H", "body": "B"}"#).labels.isEmpty)
        #expect(throws: StoryInputError.self) { try LabelledStory.parse(line: #"{"headline": "H", "body": "B", "labels": "trade"}"#) }
    }

    @Test("feature buckets are radix-sorted exactly as a comparison sort would sort them")
    func radixSort() {
        var generator = SystemRandomNumberGenerator()
        for count in [0, 1, 2, 17, 1000] {
            for bits in [4, 11, 18, 20] {
                var values = (0..<count).map { _ in Int32.random(in: 0..<(1 << bits), using: &generator) }
                let expected = values.sorted()
                TextFeatures.radixSort(&values, bits: bits)
                #expect(values == expected, "\(count) values of \(bits) bits")
            }
        }
    }
}
