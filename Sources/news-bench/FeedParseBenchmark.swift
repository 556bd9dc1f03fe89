import Foundation
import IngestStage

/// Feed parsing throughput: RSS 2.0 and Atom 1.0 files written from the corpus, read by ingest's
/// FeedReader. The same files are left for the Python peer (feedparser) to read in the same run.
enum FeedParseBenchmark {
    struct Result {
        var files: Int
        var items: Int
        var bytes: Int
        var itemsPerSecond: Double
        var megabytesPerSecond: Double
    }

    /// Writes `files` feeds of `perFile` items each into `directory`, half RSS 2.0 and half Atom 1.0.
    static func writeFeeds(corpus: BenchCorpus, files: Int, perFile: Int, directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        func escape(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;")
        }
        for file in 0..<files {
            var xml: String
            let atom = file % 2 == 1
            if atom {
                xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>Bench Atom \(file)</title><link href=\"https://bench.example/\"/>\n"
            } else {
                xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel><title>Bench RSS \(file)</title><link>https://bench.example/</link>\n"
            }
            for index in 0..<perFile {
                let item = corpus.items[(file * perFile + index) % corpus.items.count]
                let html = "<p>" + escape(item.body).replacingOccurrences(of: "\n\n", with: "</p><p>") + "</p>"
                let date = "Tue, 03 Feb 2026 10:\(String(format: "%02d", index % 60)):00 GMT"
                if atom {
                    xml += "<entry><title>\(escape(item.headline))</title><id>bench-\(file)-\(index)</id><link href=\"/s/\(file)/\(index)?utm_source=bench\"/><updated>2026-02-03T10:00:00Z</updated><content type=\"html\">\(escape(html))</content></entry>\n"
                } else {
                    xml += "<item><title>\(escape(item.headline))</title><guid>bench-\(file)-\(index)</guid><link>https://bench.example/s/\(file)/\(index)?utm_source=bench</link><pubDate>\(date)</pubDate><description><![CDATA[\(html)]]></description></item>\n"
                }
            }
            xml += atom ? "</feed>\n" : "</channel></rss>\n"
            try xml.write(toFile: "\(directory)/feed-\(file).\(atom ? "atom" : "rss")", atomically: true, encoding: .utf8)
        }
    }

    /// Reads every file in `directory` with FeedReader, three times, and reports the best pass.
    static func run(directory: String) throws -> Result {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        let documents = try names.map { try Data(contentsOf: URL(fileURLWithPath: "\(directory)/\($0)")) }
        let bytes = documents.reduce(0) { $0 + $1.count }
        var best = Double.infinity
        var items = 0
        for _ in 0..<3 {
            let start = Date()
            items = 0
            for document in documents { items += try FeedReader.read(document).items.count }
            best = min(best, Date().timeIntervalSince(start))
        }
        return Result(
            files: documents.count, items: items, bytes: bytes, itemsPerSecond: Double(items) / best,
            megabytesPerSecond: Double(bytes) / 1_048_576 / best)
    }
}
