import ArgumentParser
import Foundation
import IngestStage
import Logging
import NewsModel
import NotifyStage
import TagStage

/// `news-bench`: end-to-end stories per second and submit-to-alert latency for 1 and 2 tag replicas,
/// beside the raw ZeroMQ ipc:// throughput for messages of the same size, measured in the same run.
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "news-bench", abstract: "Measure the pipeline end to end beside the raw transport.")

    @Option(help: "Directory with the release binaries.")
    var binaries: String

    @Option(help: "Reuters-21578 directory (skipped with a message when absent).")
    var reuters = "../shared/data/reuters21578"

    @Option(help: "Stories per pipeline run.")
    var stories = 5000

    @Option(help: "Messages for the raw transport run.")
    var rawMessages = 200_000

    @Option(help: "Tag replica counts to measure.")
    var replicas: [Int] = [1, 2]

    @Option(help: "Offered load, in stories per second, for the latency run at a steady rate.")
    var pacedRate: Double = 500

    @Option(help: "Write RSS and Atom files here and measure feed parsing (the peer reads them after).")
    var feedsOut: String?

    @Option(help: "Write the stories as JSON Lines here and measure ingest's rate reading them (the peer reads the file after).")
    var ingestFile: String?

    @Option(help: "Stories for the ingest-rate run.")
    var ingestStories = 20_000

    @Option(help: "Measure the tagger on one core; write the stories and the mentions found into this directory.")
    var taggingOut: String?

    @Option(help: "Measure near-duplicate clustering with controlled edits of Reuters stories; write each edit rate's stream into this directory for the peer.")
    var clusteringOut: String?

    @Option(help: "Write the figures as JSON to this file as well.")
    var json: String?

    @Option(help: "Subscription counts for the percolation run (none: skipped).")
    var subscriptions: [Int] = []

    @Option(help: "Index this many stories (the corpus repeated with new ids) and time searches; write the documents and queries for the peers into --search-out.")
    var searchStories = 0

    @Option(help: "Directory for the search run's index, documents and queries.")
    var searchOut: String?

    @Flag(help: "Judge spike and silence alerts on Reuters-21578's filing times, per topic, beside peer rules (docs/ALERTS.md).")
    var spikes = false

    @Flag(help: "Only the in-process measurements (feeds, ingest, tagging): no raw transport or pipeline runs.")
    var skipPipeline = false

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        let corpus: BenchCorpus
        if let loaded = BenchCorpus.load(directory: reuters, limit: stories) {
            corpus = loaded
        } else {
            say("note: \(reuters) not found; the pipeline runs on generated stories instead")
            corpus = BenchCorpus.generated(count: stories)
        }
        say("corpus: \(corpus.description)")

        // The size of a typical message between stages: one tagged story's envelope.
        let sample = corpus.items[0]
        let tagged = TaggedStory(
            story: Story(id: "sample", headline: sample.headline, body: sample.body, source: "Bench"), entities: [], topics: [],
            tagger: "sample")
        let frames = try WireCodec().encode(
            topic: StreamTopic.storyTagged, envelope: MessageProducer(id: "bench").envelope(.taggedStory(tagged), originAt: Date(), sequence: 1))
        let averageBody = corpus.items.prefix(1000).reduce(0) { $0 + $1.body.utf8.count + $1.headline.utf8.count } / min(1000, corpus.items.count)
        let size = frames[1].count - sample.body.utf8.count - sample.headline.utf8.count + averageBody
        say("message size: \(size) bytes (a tagged-story envelope of average length)")

        var feedFigures: [String: Any] = [:]
        if let feedsOut {
            try? FileManager.default.removeItem(atPath: feedsOut)
            try FeedParseBenchmark.writeFeeds(corpus: corpus, files: 40, perFile: 100, directory: feedsOut)
            let parsed = try FeedParseBenchmark.run(directory: feedsOut)
            say(
                String(
                    format: "feed parsing (ingest's FeedReader, %d RSS and Atom files, %d items, %.1f MB): %.0f items/s, %.2f MB/s",
                    parsed.files, parsed.items, Double(parsed.bytes) / 1_048_576, parsed.itemsPerSecond, parsed.megabytesPerSecond))
            feedFigures = ["items": parsed.items, "itemsPerSecond": parsed.itemsPerSecond, "megabytesPerSecond": parsed.megabytesPerSecond]
        }

        var ingestFigures: [String: Any] = [:]
        if let ingestFile {
            let ingestCorpus = BenchCorpus.load(directory: reuters, limit: ingestStories) ?? BenchCorpus.generated(count: ingestStories)
            try IngestRateBenchmark.writeStories(corpus: ingestCorpus, path: ingestFile)
            let result = try await IngestRateBenchmark.run(binaries: binaries, file: ingestFile, stories: ingestCorpus.items.count)
            say(
                String(
                    format: "ingest from JSON Lines (%d stories, checked, identified, duplicate-checked and journaled): %.0f stories/s",
                    result.stories, result.storiesPerSecond))
            ingestFigures = ["stories": result.stories, "storiesPerSecond": result.storiesPerSecond]
        }

        var taggingFigures: [String: Any] = [:]
        if let taggingOut {
            try FileManager.default.createDirectory(atPath: taggingOut, withIntermediateDirectories: true)
            let taggingCorpus = BenchCorpus.load(directory: reuters, limit: ingestStories) ?? BenchCorpus.generated(count: ingestStories)
            let result = try TaggingBenchmark.run(
                corpus: taggingCorpus, tagger: try Tagger.bundled(), storiesOut: taggingOut + "/stories.jsonl",
                mentionsOut: taggingOut + "/mentions.tsv")
            say(
                String(
                    format: "tagging on one thread (entities, keyword topics and the classifier, %d stories): %.0f stories/s; mentions: %@",
                    result.stories, result.storiesPerSecond, result.mentions.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))
            taggingFigures = ["stories": result.stories, "storiesPerSecond": result.storiesPerSecond, "mentions": result.mentions]
        }

        var clusteringFigures: [[String: Any]] = []
        if let clusteringOut {
            try FileManager.default.createDirectory(atPath: clusteringOut, withIntermediateDirectories: true)
            // Different stories as bases: bodies of 40 words or more, none sharing a fifth of its word
            // pairs (or half of the smaller one's) with one kept before. Reuters repeats its templated
            // reports (auction results, crop tables), which are copies of one another, not new stories.
            var kept: [Story] = []
            var keptPairs: [Set<String>] = []
            var byPair: [String: [Int]] = [:]
            for (offset, item) in (BenchCorpus.load(directory: reuters, limit: 8000) ?? BenchCorpus.generated(count: 3000)).items.enumerated() {
                guard kept.count < 2500, item.body.split(separator: " ").count >= 40 else { continue }
                let words = TextTokenizer.words(in: item.headline + " " + item.body)
                let pairs = Set(zip(words, words.dropFirst()).map { $0 + " " + $1 })
                var shared: [Int: Int] = [:]
                for pair in pairs { for index in byPair[pair] ?? [] { shared[index, default: 0] += 1 } }
                let repeats = shared.contains { index, count in
                    let other = keptPairs[index].count
                    return Double(count) / Double(pairs.count + other - count) >= 0.2 || Double(count) / Double(min(pairs.count, other)) >= 0.5
                }
                guard !repeats else { continue }
                for pair in pairs { byPair[pair, default: []].append(kept.count) }
                keptPairs.append(pairs)
                kept.append(Story(id: "r\(offset)", headline: item.headline, body: item.body))
            }
            let bases = kept
            let evaluation = ClusteringEvaluation(stories: bases, copiesPerStory: 4)
            for rate in [0.0, 0.05, 0.10] {
                let name = String(format: "edits-%02d", Int(rate * 100))
                let result = try await evaluation.run(
                    editRate: rate, directory: clusteringOut + "/" + name, streamOut: clusteringOut + "/" + name + ".jsonl")
                say("clustering, " + result.description)
                clusteringFigures.append([
                    "editRate": rate, "stories": result.stories, "groups": result.groups, "clusters": result.clusters,
                    "precision": result.precision, "recall": result.recall, "stream": name + ".jsonl",
                ])
            }
        }

        var percolationFigures: [[String: Any]] = []
        if !subscriptions.isEmpty {
            let percolationCorpus = BenchCorpus.load(directory: reuters, limit: 5000) ?? BenchCorpus.generated(count: 5000)
            for result in try PercolationBenchmark.run(corpus: percolationCorpus, tagger: try Tagger.bundled(), counts: subscriptions) {
                say(
                    String(
                        format: "percolation, %d subscriptions, one thread: %.0f stories/s; evaluating every subscription %.0f stories/s (ratio %.1f; match sets equal on the %d stories both saw); %.0f candidates and %.1f matches per story",
                        result.subscriptions, result.percolatorPerSecond, result.naivePerSecond, result.percolatorPerSecond / result.naivePerSecond,
                        result.checkedStories, result.candidatesPerStory, result.matchesPerStory))
                percolationFigures.append([
                    "subscriptions": result.subscriptions, "storiesPerSecond": result.percolatorPerSecond, "naiveStoriesPerSecond": result.naivePerSecond,
                    "candidatesPerStory": result.candidatesPerStory, "matchesPerStory": result.matchesPerStory,
                ])
            }
        }

        var searchFigures: [String: Any] = [:]
        if searchStories > 0, let searchOut {
            let searchCorpus = BenchCorpus.load(directory: reuters, limit: 25_000) ?? BenchCorpus.generated(count: 20_000)
            let result = try await SearchBenchmark.run(corpus: searchCorpus, tagger: try Tagger.bundled(), stories: searchStories, directory: searchOut)
            say(
                String(
                    format: "search (index's StoryIndex, %d stories): indexed %.0f stories/s; %d queries with BM25, total count and snippet: p50 %.2f ms, p99 %.2f ms (%.0f hits per query on average)",
                    result.stories, result.indexingPerSecond, result.queries, result.p50, result.p99, result.meanHits))
            searchFigures = [
                "stories": result.stories, "indexingPerSecond": result.indexingPerSecond, "p50ms": result.p50, "p99ms": result.p99,
                "meanHits": result.meanHits,
            ]
        }

        var spikeFigures: [[String: Any]] = []
        var silenceFigures: [[String: Any]] = []
        if spikes {
            guard let spikeCorpus = BenchCorpus.load(directory: reuters, limit: 30_000) else {
                throw ValidationError("--spikes needs Reuters-21578's filing times: \(reuters) is absent")
            }
            let streams = TopicStreams(corpus: spikeCorpus)
            let figures = SpikeBenchmark.run(streams: streams)
            say("spike alerts on Reuters-21578's hours, \(streams.description); bursts of k stories within 30 minutes, as many of each size per topic as the period has days after the first three")
            say(SpikeBenchmark.report(figures))
            let silences = SilenceBenchmark.run(streams: streams)
            say(SilenceBenchmark.report(silences))
            silenceFigures = silences.map(\.json)
            spikeFigures = figures.map(\.json)
        }

        if skipPipeline {
            if let json {
                try writeFigures(
                    ["percolation": percolationFigures, "tagging": taggingFigures, "search": searchFigures, "clustering": clusteringFigures, "spikes": spikeFigures,
                        "silences": silenceFigures,
                    ],
                    to: json)
            }
            return
        }
        var template = Array("/tmp/nraw-XXXXXX".utf8CString)
        let directory = String(cString: mkdtemp(&template)!)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let raw = try TransportBenchmark.run(count: rawMessages, size: size, directory: directory)
        say(String(format: "raw ZeroMQ ipc:// PUSH/PULL (Swift wrapper): %.0f messages/s", raw))

        var results: [PipelineBenchmark.Result] = []
        for count in replicas {
            let result = try await PipelineBenchmark(binaries: binaries, corpus: corpus, count: stories).run(tagReplicas: count)
            results.append(result)
            say(
                String(
                    format: "pipeline at full speed, %d tag replica%@: %.0f stories/s end to end (%.4f of the raw transport rate); submit-to-alert latency under that backlog p50 %.1f ms, p99 %.1f ms",
                    count, count == 1 ? "" : "s", result.storiesPerSecond, result.storiesPerSecond / raw, result.p50, result.p99))
        }
        for count in replicas {
            let paced = min(stories, Int(pacedRate * 4))
            let result = try await PipelineBenchmark(binaries: binaries, corpus: corpus, count: paced, rate: pacedRate)
                .run(tagReplicas: count)
            results.append(result)
            say(
                String(
                    format: "pipeline at a steady %.0f stories/s, %d tag replica%@: submit-to-alert latency p50 %.1f ms, p99 %.1f ms, max %.1f ms",
                    pacedRate, count, count == 1 ? "" : "s", result.p50, result.p99, result.max))
        }
        if let json {
            let object: [String: Any] = [
                "messageBytes": size, "rawMessagesPerSecond": raw, "corpus": corpus.description, "feedParsing": feedFigures, "ingest": ingestFigures, "tagging": taggingFigures, "percolation": percolationFigures, "search": searchFigures,
                "clustering": clusteringFigures,
                "pipeline": results.map {
                    ["offeredPerSecond": $0.offered ?? 0, "tagReplicas": $0.tagReplicas, "stories": $0.stories, "storiesPerSecond": $0.storiesPerSecond,
                     "p50ms": $0.p50, "p99ms": $0.p99, "maxms": $0.max, "ratioToRaw": $0.storiesPerSecond / raw]
                },
            ]
            try writeFigures(object, to: json)
        }
    }

    private func writeFigures(_ object: [String: Any], to path: String) throws {
        try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: path))
    }
}

/// Writes a line to stdout unbuffered, so figures appear as they are measured, even through tee.
func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}
