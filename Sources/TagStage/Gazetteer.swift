import Foundation
import NewsModel

/// A named thing the tagger recognises, with the names it goes by.
public struct GazetteerEntry: Sendable, Hashable {
    /// The stable id, such as `iso3166:IR`.
    public var id: String
    /// What it is.
    public var type: EntityType
    /// The canonical name.
    public var name: String
    /// Every name it is found by, the canonical name included.
    public var aliases: [String]
}

/// The entities the tagger knows, read from tab-separated files (`id`, `type`, `name`,
/// `alias|alias|…`; `#` starts a comment). The project ships countries generated from ISO 3166-1 and
/// hand-kept places, organisations and people. An optional `given-names.txt` (one name per line) lists
/// first names, by which names the gazetteer does not know are typed as people.
public struct Gazetteer: Sendable {
    /// Every entry, in file order.
    public let entries: [GazetteerEntry]
    /// First names ("Jerome", "Ana"), as written.
    public let givenNames: [String]

    /// Creates a gazetteer from entries and first names.
    public init(entries: [GazetteerEntry], givenNames: [String] = []) {
        self.entries = entries
        self.givenNames = givenNames
    }

    /// The gazetteer shipped with the project.
    public static func bundled() throws(TagDataError) -> Gazetteer {
        guard let url = Bundle.module.url(forResource: "gazetteer", withExtension: nil) else {
            throw TagDataError(file: "gazetteer", message: "the bundled gazetteer is missing from the build")
        }
        return try load(directory: url)
    }

    /// Reads every `.tsv` file in `directory`, in name order.
    public static func load(directory: URL) throws(TagDataError) -> Gazetteer {
        let files: [URL]
        do {
            files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
                .filter { $0.pathExtension == "tsv" }
                .sorted { $0.lastPathComponent < $1.lastPathComponent }
        } catch {
            throw TagDataError(file: directory.path, message: "cannot read the gazetteer directory: \(error.localizedDescription)")
        }
        guard !files.isEmpty else {
            throw TagDataError(file: directory.path, message: "no .tsv files in the gazetteer directory")
        }
        var entries: [GazetteerEntry] = []
        var ids = Set<String>()
        for file in files {
            let text: String
            do {
                text = try String(contentsOf: file, encoding: .utf8)
            } catch {
                throw TagDataError(file: file.path, message: "cannot read: \(error.localizedDescription)")
            }
            for (offset, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
                let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map {
                    $0.trimmingCharacters(in: .whitespaces)
                }
                guard columns.count == 4 else {
                    throw TagDataError(
                        file: file.path, line: offset + 1,
                        message: "expected 4 tab-separated columns (id, type, name, aliases), found \(columns.count)")
                }
                guard let type = EntityType(rawValue: columns[1]) else {
                    throw TagDataError(
                        file: file.path, line: offset + 1,
                        message: "unknown type \"\(columns[1])\"; use person, organization or place")
                }
                guard ids.insert(columns[0]).inserted else {
                    throw TagDataError(file: file.path, line: offset + 1, message: "duplicate id \(columns[0])")
                }
                var aliases = [columns[2]]
                for alias in columns[3].split(separator: "|") where !aliases.contains(String(alias)) {
                    aliases.append(String(alias))
                }
                entries.append(GazetteerEntry(id: columns[0], type: type, name: columns[2], aliases: aliases))
            }
        }
        var givenNames: [String] = []
        let namesFile = directory.appendingPathComponent("given-names.txt")
        if FileManager.default.fileExists(atPath: namesFile.path) {
            do {
                givenNames = try String(contentsOf: namesFile, encoding: .utf8).split(separator: "\n")
                    .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
            } catch {
                throw TagDataError(file: namesFile.path, message: "cannot read: \(error.localizedDescription)")
            }
        }
        return Gazetteer(entries: entries, givenNames: givenNames)
    }
}
