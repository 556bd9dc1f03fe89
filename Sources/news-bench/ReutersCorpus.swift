import Foundation

/// Stories from Reuters-21578 (`../shared/data/reuters21578`, research use only: read in place, never
/// copied), or generated ones when the corpus is absent.
struct BenchCorpus {
    struct Item {
        var headline: String
        var body: String
        /// When the story was filed (Reuters' `<DATE>`, seconds since 1970 read as UTC); nil when absent or malformed.
        var filed: Double? = nil
        /// Reuters' topic codes (`<TOPICS>`), such as `earn` or `crude`.
        var topics: [String] = []
    }

    let items: [Item]
    let description: String

    /// Reads up to `limit` stories with a title and a body from the corpus directory.
    static func load(directory: String, limit: Int) -> BenchCorpus? {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasPrefix("reut2-") && $0.hasSuffix(".sgm") }.sorted()
        guard !files.isEmpty else { return nil }
        var items: [Item] = []
        for file in files where items.count < limit {
            guard let data = FileManager.default.contents(atPath: directory + "/" + file) else { continue }
            let text = String(decoding: data.map { $0 < 0x80 ? $0 : 0x20 }, as: UTF8.self)  // Latin-1, accents dropped
            for chunk in text.components(separatedBy: "</REUTERS>") where items.count < limit {
                guard let title = between(chunk, "<TITLE>", "</TITLE>"), let body = between(chunk, "<BODY>", "</BODY>") else { continue }
                let topics = between(chunk, "<TOPICS>", "</TOPICS>").map(codes) ?? []
                items.append(Item(headline: unescape(title), body: unescape(body), filed: between(chunk, "<DATE>", "</DATE>").flatMap(filingTime), topics: topics))
            }
        }
        return BenchCorpus(items: items, description: "Reuters-21578 (\(items.count) stories from \(directory))")
    }

    /// Generated stories, for machines without the corpus.
    static func generated(count: Int) -> BenchCorpus {
        let places = ["Iran", "Norway", "Chile", "Kenya", "Japan", "Brazil"]
        let items = (0..<count).map { index in
            Item(
                headline: "Trade talks with \(places[index % places.count]) enter round \(index)",
                body: String(repeating: "Negotiators discussed tariffs, quotas and shipping schedules at length. ", count: 10))
        }
        return BenchCorpus(items: items, description: "generated stories (Reuters-21578 not found)")
    }

    private static func between(_ text: String, _ open: String, _ close: String) -> String? {
        guard let start = text.range(of: open), let end = text.range(of: close, range: start.upperBound..<text.endIndex) else {
            return nil
        }
        let value = text[start.upperBound..<end.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)
        return value.isEmpty ? nil : value
    }

    /// The codes of a `<D>…</D>` list.
    private static func codes(_ list: String) -> [String] {
        list.components(separatedBy: "<D>").compactMap { $0.components(separatedBy: "</D>").first }.filter { !$0.isEmpty }
    }

    /// Reuters' `26-FEB-1987 15:01:01.79` as seconds since 1970 (read as UTC); nil when malformed (a few
    /// stories have hours such as `605`).
    static func filingTime(_ text: String) -> Double? {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "-" || $0 == ":" || $0 == "." }).map(String.init)
        let months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
        guard parts.count >= 6, let day = Int(parts[0]), let month = months.firstIndex(of: parts[1].uppercased()), let year = Int(parts[2]),
            let hour = Int(parts[3]), let minute = Int(parts[4]), let second = Int(parts[5]), (0..<24).contains(hour), (0..<60).contains(minute),
            (0..<62).contains(second)
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = DateComponents(year: year, month: month + 1, day: day, hour: hour, minute: minute, second: second)
        return calendar.date(from: components)?.timeIntervalSince1970
    }

    private static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&").replacingOccurrences(of: "\u{3}", with: "")
    }
}
