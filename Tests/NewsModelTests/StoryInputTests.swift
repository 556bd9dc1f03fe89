import Foundation
@testable import NewsModel
import Testing

@Suite("The public story input format")
struct StoryInputTests {
    @Test("a story with only a headline and a body is accepted")
    func minimalStory() throws {
        let input = try StoryInput.parse(line: #"{"headline": "Storm hits", "body": "Snow fell."}"#)
        #expect(input.headline == "Storm hits")
        #expect(input.body == "Snow fell.")
        #expect(input.id == nil)
    }

    @Test("unknown keys never make a story fail")
    func unknownKeysAreIgnored() throws {
        let input = try StoryInput.parse(
            line: #"{"headline": "H", "body": "B", "labels": ["x"], "priority": 3, "nested": {"a": null}}"#)
        #expect(input.headline == "H")
    }

    @Test("optional fields are read, and publishedAt becomes a date")
    func optionalFields() throws {
        let input = try StoryInput.parse(
            line: #"{"headline": "H", "body": "B", "id": "a-1", "url": "https://x.example/a", "source": "Wire", "publishedAt": "2026-02-01T09:30:00+01:00", "language": "en"}"#
        )
        let story = input.story()
        #expect(story.id == "a-1")
        #expect(story.source == "Wire")
        #expect(story.language == "en")
        #expect(story.publishedAt == Date(timeIntervalSince1970: 1_769_934_600))
    }

    @Test(
        "bad input gets an error that names the field and the problem",
        arguments: [
            (#"{"body": "B"}"#, "missing required field \"headline\""),
            (#"{"headline": "H", "body": 7}"#, "field \"body\" must be a string, found a number"),
            (#"{"headline": "  ", "body": "B"}"#, "field \"headline\" is empty"),
            (#"{"headline": "H", "body": "B", "publishedAt": "yesterday"}"#, "not an RFC 3339 date"),
            (#"{"headline": "H", "body": "B", "url": ["a"]}"#, "field \"url\" must be a string, found an array"),
            (#"["headline", "body"]"#, "expected a JSON object"),
            (#"{"headline": "H", "body": "#, "not valid JSON"),
        ])
    func badInput(line: String, expected: String) {
        #expect {
            _ = try StoryInput.parse(line: line)
        } throws: { error in
            (error as? StoryInputError)?.message.contains(expected) == true
        }
    }
}

@Suite("Story identity")
struct StoryIdentityTests {
    @Test("the same story submitted twice gets the same id")
    func sameStorySameID() throws {
        let line = #"{"headline": "Judge halts plan", "body": "A federal judge ruled."}"#
        let first = try StoryInput.parse(line: line).story()
        let second = try StoryInput.parse(line: line).story()
        #expect(first.id == second.id)
        #expect(first.id.hasPrefix("h-"))
    }

    @Test("white space differences do not change a content id")
    func whitespaceIsFolded() throws {
        let a = try StoryInput.parse(line: #"{"headline": "Judge  halts plan", "body": "A federal\njudge ruled."}"#)
        let b = try StoryInput.parse(line: #"{"headline": "Judge halts plan", "body": "A federal judge ruled."}"#)
        #expect(StoryIdentity.id(for: a) == StoryIdentity.id(for: b))
    }

    @Test("a supplied id wins, then the URL without its fragment, then the content")
    func idPreference() throws {
        let withID = try StoryInput.parse(line: #"{"id": "mine", "url": "https://x.example/a", "headline": "H", "body": "B"}"#)
        #expect(StoryIdentity.id(for: withID) == "mine")
        let withURL = try StoryInput.parse(line: #"{"url": "https://x.example/a#top", "headline": "H", "body": "B"}"#)
        let otherFragment = try StoryInput.parse(line: #"{"url": "https://x.example/a#end", "headline": "H2", "body": "B2"}"#)
        #expect(StoryIdentity.id(for: withURL).hasPrefix("u-"))
        #expect(StoryIdentity.id(for: withURL) == StoryIdentity.id(for: otherFragment))
        let different = try StoryInput.parse(line: #"{"headline": "H", "body": "other"}"#)
        #expect(StoryIdentity.id(for: different) != StoryIdentity.id(for: try StoryInput.parse(line: #"{"headline": "H", "body": "B"}"#)))
    }
}

@Suite("RFC 3339 dates")
struct RFC3339Tests {
    @Test("dates round-trip with milliseconds in UTC")
    func roundTrip() throws {
        let date = Date(timeIntervalSince1970: 1_769_934_600.123)
        let text = RFC3339.format(date)
        #expect(text == "2026-02-01T08:30:00.123Z")
        let parsed = try #require(RFC3339.parse(text))
        #expect(abs(parsed.timeIntervalSince(date)) < 0.001)
    }

    @Test("offsets, a space separator and lower-case letters are accepted", arguments: [
        "2026-02-01T09:30:00+01:00", "2026-02-01 08:30:00Z", "2026-02-01t08:30:00z", "2026-02-01T08:30:00.000Z",
    ])
    func variants(text: String) {
        #expect(RFC3339.parse(text) == Date(timeIntervalSince1970: 1_769_934_600))
    }

    @Test("text that is not a date is refused", arguments: ["2026-02-01", "01/02/2026", "", "2026-13-01T00:00:00Z"])
    func invalid(text: String) {
        #expect(RFC3339.parse(text) == nil)
    }
}

@Suite("Text helpers")
struct TextHelperTests {
    @Test("trimmingWhitespace agrees with Foundation's trimming", arguments: [
        "", "   ", "a", "  a b  ", "\t\n a\u{A0}\u{2003}", "\u{3000}漢字\u{3000}", "x\r\n", "\u{FEFF}y", "e\u{301} ",
    ])
    func trimming(text: String) {
        #expect(text.trimmingWhitespace == text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test("words(in:) gives the folded tokens of tokens(in:)", arguments: [
        "Tariffs on Iran's OIL, 2026!", "Café crème—déjà vu", "naïve_test x2 ÉCOLE", "日本の首相 said", "a\u{301}b c", "", "—",
        "U.S. officials: 5.6%", "mixedÅscii and Ωmega",
    ])
    func words(text: String) {
        #expect(TextTokenizer.words(in: text) == TextTokenizer.tokens(in: text).map(\.text))
    }
}

@Suite("Tokenizer paths")
struct TokenizerPathTests {
    @Test("the ASCII fast path and the scalar path give the same tokens and offsets", arguments: [
        "Tariffs on Iran's OIL, 2026!", "Café crème—déjà vu at 9am", "naïve_test x2 ÉCOLE", "日本の首相 said: yes", "a\u{301}b c",
        "", "— dash", "U.S. officials: 5.6%", "mixedÅscii and Ωmega 🎉 ok", "tab\there\nnew line",
    ])
    func samePaths(text: String) {
        #expect(TextTokenizer.tokens(in: text) == TextTokenizer.scalarTokens(in: text))
    }
}

@Suite("Story input limits and kinds")
struct StoryInputLimitTests {
    private func refusal(_ line: String) -> String? {
        do {
            _ = try StoryInput.parse(line: line)
            return nil
        } catch {
            return error.message
        }
    }

    @Test("a boolean is reported as a boolean, not a number")
    func booleans() {
        #expect(refusal(#"{"headline": true, "body": "b"}"#) == #"field "headline" must be a string, found a boolean"#)
        #expect(refusal(#"{"headline": 1, "body": "b"}"#) == #"field "headline" must be a string, found a number"#)
    }

    @Test("fields over their limits are refused with the size and the limit")
    func sizes() {
        let body = String(repeating: "x", count: StoryLimits.bodyBytes + 1)
        #expect(refusal(#"{"headline": "h", "body": "\#(body)"}"#) == #"field "body" is 1,048,577 bytes, more than the 1,048,576 a story may have"#)
        let headline = String(repeating: "h", count: StoryLimits.headlineBytes + 1)
        #expect(refusal(#"{"headline": "\#(headline)", "body": "b"}"#)?.hasPrefix(#"field "headline" is 2,001 bytes"#) == true)
        let line = String(repeating: " ", count: StoryLimits.lineBytes) + #"{"headline": "h", "body": "b"}"#
        #expect(refusal(line)?.hasPrefix("the line is 2,097,") == true)
    }

    @Test("control characters become spaces in the story's text; NUL never reaches the index")
    func controlCharacters() throws {
        let story = try StoryInput.parse(line: #"{"headline": "Storm\u0000warning", "body": "Ports\u0007 closed\u0085 today"}"#).story()
        #expect(story.headline == "Storm warning")
        #expect(story.body == "Ports  closed  today")
    }
}

@Suite("Input format detection")
struct InputFormatDetectionTests {
    @Test("a JSON Lines story that mentions the JSON Feed URL is still JSON Lines")
    func mentionIsNotADeclaration() {
        let lines = #"{"headline": "Formats", "body": "see https://jsonfeed.org/version/1.1"}"# + "\n" + #"{"headline": "b", "body": "c"}"#
        #expect(InputFormat.detect(Data(lines.utf8)) == .jsonLines)
        let feed = #"{"version": "https://jsonfeed.org/version/1.1", "title": "T", "items": []}"#
        #expect(InputFormat.detect(Data(feed.utf8)) == .jsonFeed)
        let pretty = "{\n  \"title\": \"T\",\n  \"items\": [{\"id\": \"1\", \"version\": \"x\"}],\n  \"version\": \"https:\\/\\/jsonfeed.org\\/version\\/1\"\n}"
        #expect(InputFormat.detect(Data(pretty.utf8)) == .jsonFeed)
    }

    @Test("a bad first line does not turn JSON Lines into a story file")
    func badFirstLine() {
        let story = #"{"headline": "b", "body": "c"}"#
        #expect(InputFormat.detect(Data(("junk\n" + story + "\n").utf8)) == .jsonLines)
        #expect(InputFormat.detect(Data(("[1, 2]\n" + story + "\n").utf8)) == .jsonLines)
        #expect(InputFormat.detect(Data("Storm closes schools\n\nSnow fell overnight.\n".utf8)) == .plainStory)
    }
}

@Suite("Cutting lines")
struct LineSplitterTests {
    func cut(_ text: String, chunk: Int, limit: Int = 10) -> [String] {
        var splitter = LineSplitter(maxLineBytes: limit)
        var lines: [String] = []
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + chunk)
            splitter.feed(bytes[offset..<end]) { text, oversize in
                lines.append(oversize.map { "<\($0) bytes>" } ?? text)
                return true
            }
            offset = end
        }
        splitter.finish { text, oversize in
            lines.append(oversize.map { "<\($0) bytes>" } ?? text)
            return true
        }
        return lines
    }

    @Test("lines come out the same whatever the chunks, with CRLF removed and long lines reported by size")
    func chunksDoNotMatter() {
        let text = "one\r\ntwo\n\nthis line is far too long\nlast"
        for chunk in [1, 2, 3, 7, 64] {
            #expect(cut(text, chunk: chunk) == ["one", "two", "", "<25 bytes>", "last"], "chunk \(chunk)")
        }
        #expect(cut("x\n" + String(repeating: "y", count: 30), chunk: 4) == ["x", "<30 bytes>"])
    }
}
