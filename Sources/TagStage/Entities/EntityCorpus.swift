import Foundation
import NewsModel

/// Sentences annotated with people, organisations and places, read from the CoNLL-style files the
/// open NER sets use: a token and its tag per line (tab- or space-separated; CoNLL-U style lines with
/// a numeric first column give the token second and the tag third), blank lines between sentences,
/// `-DOCSTART-` or `# newdoc` between documents, `#` comments. IOB1 and IOB2 tags are read alike, and
/// types are mapped to three: PER and person; ORG, corporation and group; LOC and location. Any
/// other type (MISC, product, creative-work) is outside every entity.
public struct EntityCorpus: Sendable {
    /// One annotated token.
    public struct Token: Sendable, Hashable {
        /// The token as written.
        public var text: String
        /// Its tag in IOB2 over the three types (`O`, `B-PER`, `I-ORG`…).
        public var tag: String
    }

    /// A document: its sentences, each a list of tokens.
    public struct Document: Sendable {
        /// Where it came from, for reports (`file:number`).
        public var name: String
        /// Its sentences.
        public var sentences: [[Token]]
    }

    /// The documents, in file order.
    public var documents: [Document]

    /// Reads every file at `paths` (a directory stands for its files ending in `.conll`, `.iob2`,
    /// `.conll.txt` or `.annotated`, sorted by name). A file without document markers makes each
    /// sentence a document (tweets).
    public static func load(paths: [String]) throws(TagDataError) -> EntityCorpus {
        var documents: [Document] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw TagDataError(file: path, message: "no such file or directory")
            }
            let files: [String]
            if isDirectory.boolValue {
                let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { name in
                    [".conll", ".iob2", ".conll.txt", ".annotated"].contains { name.hasSuffix($0) }
                }.sorted()
                files = names.map { path + "/" + $0 }
            } else {
                files = [path]
            }
            for file in files { documents += try read(file: file) }
        }
        return EntityCorpus(documents: documents)
    }

    static func read(file: String) throws(TagDataError) -> [Document] {
        guard let data = FileManager.default.contents(atPath: file) else { throw TagDataError(file: file, message: "cannot read") }
        let text = String(decoding: data, as: UTF8.self)
        let base = URL(fileURLWithPath: file).lastPathComponent  // names, and so the split, do not depend on where the data lives
        var documents: [Document] = []
        var sentences: [[Token]] = []
        var sentence: [Token] = []
        var sawMarkers = false
        func endSentence() {
            if !sentence.isEmpty { sentences.append(sentence) }
            sentence = []
        }
        func endDocument() {
            endSentence()
            if !sentences.isEmpty { documents.append(Document(name: "\(base):\(documents.count + 1)", sentences: sentences)) }
            sentences = []
        }
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty {
                endSentence()
                continue
            }
            if line.hasPrefix("-DOCSTART-") || line.hasPrefix("# newdoc") {
                sawMarkers = true
                endDocument()
                continue
            }
            if line.hasPrefix("#") { continue }
            let columns = line.split(whereSeparator: { $0 == "\t" || $0 == " " }).map(String.init)
            guard columns.count >= 2 else { continue }
            let (token, tag) = columns.count >= 3 && Int(columns[0]) != nil ? (columns[1], columns[2]) : (columns[0], columns[columns.count - 1])
            sentence.append(Token(text: token, tag: normalise(tag, after: sentence.last?.tag)))
        }
        endDocument()
        if !sawMarkers {
            // Tweets and sentences: each is its own document.
            return documents.flatMap { document in
                document.sentences.enumerated().map { Document(name: "\(base):\($0.offset + 1)", sentences: [$0.element]) }
            }
        }
        return documents
    }

    /// A tag in IOB2 over PER, ORG and LOC.
    static func normalise(_ tag: String, after previous: String?) -> String {
        guard tag.count > 2, let dash = tag.firstIndex(of: "-") else { return "O" }
        let prefix = tag[..<dash].uppercased()
        let type: String
        switch tag[tag.index(after: dash)...].lowercased() {
        case "per", "person": type = "PER"
        case "org", "corporation", "group": type = "ORG"
        case "loc", "location": type = "LOC"
        default: return "O"
        }
        // IOB1: an I- that does not continue an entity of its type begins one.
        if prefix == "I", let previous, previous.hasSuffix("-" + type) { return "I-" + type }
        return "B-" + type
    }

    /// Splits the documents: every one whose name hashes to 0 modulo `every` is held out.
    public func split(holdOutEvery every: Int) -> (training: EntityCorpus, heldOut: EntityCorpus) {
        guard every > 1 else { return (self, EntityCorpus(documents: [])) }
        let heldOut = documents.filter { FNV1a.hash($0.name) % UInt64(every) == 0 }
        let training = documents.filter { FNV1a.hash($0.name) % UInt64(every) != 0 }
        return (EntityCorpus(documents: training), EntityCorpus(documents: heldOut))
    }
}
