import Foundation
import NewsModel
@testable import TagStage
import Testing

/// The entity model (`Resources/entities.model`) and its linking, on sentences written for these tests.
@Suite("Entities from the model")
struct EntityModelTests {
    let tagger: Tagger

    init() throws {
        tagger = try Tagger.bundled()
    }

    func entities(_ headline: String, _ body: String) -> [EntityTag] {
        tagger.tag(Story(id: "t", headline: headline, body: body)).entities
    }

    @Test("a club or team named after a place is an organisation where it plays; the place elsewhere stays a place")
    func clubsNamedAfterPlaces() throws {
        let found = entities(
            "Barcelona beat Sevilla as Real Madrid slip", "AC Milan and the New York Jets also played. Fans travelled from Madrid by train.")
        func type(_ name: String) -> EntityType? { found.first { $0.mentions.contains { $0.text == name } }?.type }
        #expect(type("Barcelona") == .organization, "\(found.map { ($0.name, $0.type) })")
        #expect(type("Real Madrid") == .organization)
        #expect(type("AC Milan") == .organization)
        #expect(type("New York Jets") == .organization)
        let barcelona = try #require(found.first { $0.name == "Barcelona" })
        #expect(barcelona.reason.contains("from its context"), "the gazetteer's place gave way: \(barcelona.reason)")
    }

    @Test("one entity per story for all its mentions: a company's short form, a surname alone, a gazetteer entry's aliases")
    func oneEntityPerThing() throws {
        let found = entities(
            "Newmont Mining Corp raises output",
            "Newmont Mining Corp said on Monday its profit rose. Chief executive Amara Okafor told Reuters that Newmont would hire. "
                + "Okafor said the Pentagon had not called; the Department of Defense declined to comment.")
        let newmont = try #require(found.first { $0.name == "Newmont Mining Corp" }, "\(found.map(\.name))")
        #expect(newmont.type == .organization)
        #expect(newmont.mentions.map(\.text) == ["Newmont Mining Corp", "Newmont Mining Corp", "Newmont"])
        let okafor = try #require(found.first { $0.name == "Amara Okafor" }, "\(found.map(\.name))")
        #expect(okafor.type == .person && okafor.mentions.map(\.text) == ["Amara Okafor", "Okafor"])
        #expect(found.first { $0.name == "Reuters" }?.type == .organization)
        let pentagon = try #require(found.first { $0.id == "org:us-dod" }, "\(found.map(\.id))")
        #expect(Set(pentagon.mentions.map(\.text)) == ["Pentagon", "Department of Defense"])
        #expect(found.filter { $0.id == "org:us-dod" }.count == 1)
    }

    @Test("gazetteer names keep their ids and canonical names; a name the model misses is still the gazetteer's")
    func gazetteerLinking() throws {
        let found = entities("IMF and World Bank officials meet in Lagos", "the Fed said nothing, and officials in Egypt agreed.")
        let ids = Set(found.map(\.id))
        #expect(ids.isSuperset(of: ["org:imf", "org:world-bank", "place:lagos", "org:us-fed", "iso3166:EG"]), "\(ids)")
        #expect(found.first { $0.id == "org:imf" }?.name == "International Monetary Fund")
        #expect(found.first { $0.id == "org:imf" }?.reason.hasPrefix("gazetteer:") == true)
    }

    @Test("CoNLL files are read alike: IOB1 and IOB2, WNUT's types, CoNLL-U columns; MISC is outside every entity")
    func corpusFormats() throws {
        let directory = NSTemporaryDirectory() + "conll-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "-DOCSTART- O\n\nAna I-PER\nReyes I-PER\nvisited O\nKenya I-LOC\nand O\nthe O\nWorld I-MISC\nCup I-MISC\n\n".write(
            toFile: directory + "/a.conll", atomically: true, encoding: .utf8)
        try "# newdoc id = x\n1\tAcme\tB-ORG\t-\t-\n2\tCorp\tI-ORG\t-\t-\n3\thired\tO\t-\t-\n".write(
            toFile: directory + "/b.iob2", atomically: true, encoding: .utf8)
        try "@fan\tO\nSpotify\tB-corporation\nrocks\tO\n".write(toFile: directory + "/c.conll", atomically: true, encoding: .utf8)
        let corpus = try EntityCorpus.load(paths: [directory])
        let tags = corpus.documents.flatMap { $0.sentences.flatMap { $0.map(\.tag) } }
        #expect(tags == ["B-PER", "I-PER", "O", "B-LOC", "O", "O", "O", "O", "B-ORG", "I-ORG", "O", "O", "B-ORG", "O"])
        #expect(corpus.documents.count == 3)
    }

    @Test("a model trained on the project's annotated stories finds most of the held-out ones' people, organisations and places")
    func trainAndMeasure() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let corpus = try EntityCorpus.load(paths: [root.appendingPathComponent("data/entities/news-stories.conll").path])
        let (training, heldOut) = corpus.split(holdOutEvery: 5)
        #expect(!heldOut.documents.isEmpty && training.documents.count > heldOut.documents.count)
        let gazetteer = try Gazetteer.bundled()
        let evidence = EntityEvidence(gazetteer: gazetteer)
        let model = EntitySequenceModel.train(training, evidence: evidence, bits: 16, epochs: 4)
        let path = NSTemporaryDirectory() + "entities-\(UUID().uuidString).model"
        try model.write(to: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reread = try EntitySequenceModel.read(from: path)
        let tagger = Tagger(gazetteer: gazetteer, taxonomy: Taxonomy(version: "none", topics: []), entityModel: reread)
        let evaluation = try EntityEvaluation.measure(tagger, on: heldOut, evidence: evidence)
        print(evaluation.report)
        #expect(evaluation.overall.f1 >= 0.6, "\(evaluation.report)")
        for type in evaluation.perType { #expect(type.recall >= 0.4, "\(evaluation.report)") }
    }

    @Test("a model file keeps only non-zero weights (format 2) and reads back the same; format 1 files still read; a cut file is refused")
    func modelFileFormats() throws {
        // A small model: most buckets empty, some with one label, one with all seven, values that
        // Float16 holds exactly and not.
        let bits = 10
        var weights = [Float](repeating: 0, count: (1 << bits) * EntitySequenceModel.labelCount)
        weights[3 * 7 + 2] = 1.5
        for label in 0..<7 { weights[100 * 7 + label] = Float(label) - 3.25 }
        weights[1023 * 7 + 6] = 0.1
        weights[512 * 7] = -0.0
        let header = EntitySequenceModel.Header(bits: bits, epochs: 1, trainedOn: 1, trainedAt: Date(timeIntervalSince1970: 0))
        let model = EntitySequenceModel(header: header, weights: weights)
        let directory = NSTemporaryDirectory() + "entity-formats-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let halved = weights.map { Float(Float16($0)) }

        try model.write(to: directory + "/two.model")
        let two = try EntitySequenceModel.read(from: directory + "/two.model")
        #expect(two.header.format == 2)
        #expect(two.weights == halved)
        let size = try FileManager.default.attributesOfItem(atPath: directory + "/two.model")[.size] as! Int
        #expect(size < 128 + 1024 / 8 + 3 + 2 * 9, "format 2 stores the bitmap, three masks and nine weights, not \(weights.count) weights")

        var oneHeader = header
        oneHeader.format = 1
        var payload = Data()
        for weight in weights { withUnsafeBytes(of: Float16(weight).bitPattern.littleEndian) { payload.append(contentsOf: $0) } }
        try ModelFile.encode(magic: EntitySequenceModel.magic, header: oneHeader, payload: payload).write(to: URL(fileURLWithPath: directory + "/one.model"))
        #expect(try EntitySequenceModel.read(from: directory + "/one.model").weights == halved)

        let whole = try Data(contentsOf: URL(fileURLWithPath: directory + "/two.model"))
        try whole.dropLast(3).write(to: URL(fileURLWithPath: directory + "/cut.model"))
        #expect(throws: TagDataError.self) { try EntitySequenceModel.read(from: directory + "/cut.model") }
    }
}
