import Foundation
import NewsModel

/// Every parser `ingest` runs on bytes it does not control, in one call: the entry point of the
/// fuzzer (`make fuzz`) and of the tests that replay the inputs it found.
public enum UntrustedInput {
    /// Runs `data` through format detection, the document readers (with story identity), the JSON Lines
    /// reader line by line, and the date, text and URL normalisers. It must return for any input;
    /// errors are expected, crashes and hangs are bugs. Returns how many stories were read.
    @discardableResult
    public static func parseAll(_ data: Data) -> Int {
        var stories = 0
        let received = Date(timeIntervalSince1970: 1_770_000_000)
        if FeedReader.detect(data) == .jsonLines {
            for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
                if let input = try? StoryInput.parse(line: line) {
                    _ = input.story(receivedAt: received)
                    stories += 1
                }
            }
        } else if let (_, items) = try? FeedReader.read(data, source: "fuzz") {
            for item in items { _ = item.input.story(receivedAt: received) }
            stories += items.count
        }
        let text = String(decoding: data.prefix(4096), as: UTF8.self)
        _ = FeedDate.parse(text)
        _ = PlainText.from(html: text)
        _ = CanonicalURL.make(text, base: "https://news.example/section/page.html")
        return stories
    }
}
