import Foundation
import NewsModel
import NewsTransport

/// Every door through which outside bytes reach a stage, in one call: the entry point of the fuzzer
/// (`make fuzz`) and of the tests that replay the inputs it found.
public enum UntrustedInput {
    /// Runs `data` through every door: format detection, the document readers (with story identity),
    /// the JSON Lines reader (cut into lines in chunks of a size the input chooses, then each line
    /// parsed), the date, text and URL normalisers, the query parser (search and subscriptions), the
    /// control request decoder and its checks, and the feed state machine (frames from a peer). It must
    /// return for any input; errors are expected, crashes and hangs are bugs. Returns how many stories
    /// were read.
    @discardableResult
    public static func parseAll(_ data: Data) -> Int {
        var stories = 0
        let received = Date(timeIntervalSince1970: 1_770_000_000)
        if FeedReader.detect(data) == .jsonLines {
            // The reader's own line cutting, in chunks as small as the input's first byte says.
            var splitter = LineSplitter(maxLineBytes: 4096)
            var lines: [InputLine] = []
            let chunk = 1 + Int(data.first ?? 0) % 64
            var offset = data.startIndex
            while offset < data.endIndex {
                let end = data.index(offset, offsetBy: chunk, limitedBy: data.endIndex) ?? data.endIndex
                splitter.feed(data[offset..<end]) {
                    lines.append(InputLine(source: "fuzz", number: lines.count + 1, text: $0, oversizeBytes: $1))
                    return true
                }
                offset = end
            }
            splitter.finish {
                lines.append(InputLine(source: "fuzz", number: lines.count + 1, text: $0, oversizeBytes: $1))
                return true
            }
            for line in lines {
                if let input = try? line.storyInput() {
                    _ = input.story(receivedAt: received)
                    stories += 1
                }
            }
        } else if let document = try? FeedReader.read(data, source: "fuzz") {
            for item in document.items { _ = item.input.story(receivedAt: received) }
            stories += document.items.count
        }
        let text = String(decoding: data.prefix(4096), as: UTF8.self)
        _ = FeedDate.parse(text)
        _ = PlainText.from(html: text)
        _ = CanonicalURL.make(text, base: "https://news.example/section/page.html")
        if let query = try? Query(String(decoding: data.prefix(8192), as: UTF8.self)) {
            _ = query.description
            _ = QueryMatcher.matches(query.root, MatchDocument(headline: text, body: text, tagKeys: ["place_iran"]))
        }
        if let request = try? JSONCoding.decoder().decode(ControlRequest.self, from: data) { try? request.validate() }
        FeedFrameReplay.run(data)
        return stories
    }
}
