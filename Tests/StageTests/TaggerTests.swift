import Foundation
import NewsModel
import TagStage
import Testing

@Suite("The tagger")
struct TaggerTests {
    let tagger: Tagger
    /// The tagger without the entity model: the gazetteer and the name rules alone (`--no-entity-model`).
    let rules: Tagger

    init() throws {
        tagger = try Tagger.bundled()
        rules = Tagger(gazetteer: try Gazetteer.bundled(), taxonomy: try Taxonomy.bundled(), classifier: try TopicClassifier.bundled())
    }

    func tag(_ headline: String, _ body: String) -> TaggedStory {
        tagger.tag(Story(id: "t", headline: headline, body: body))
    }

    @Test("countries are found by their names and aliases, with offsets into the right field")
    func countriesAndAliases() throws {
        let tagged = tag("Tariffs threatened on countries trading with Iran", "U.S. officials met their Egyptian and Qatari peers in Egypt and Qatar.")
        let names = tagged.entities.map(\.name)
        #expect(names.contains("Iran"))
        #expect(names.contains("United States"))
        #expect(names.contains("Egypt"))
        #expect(names.contains("Qatar"))
        let iran = try #require(tagged.entities.first { $0.name == "Iran" })
        #expect(iran.id == "iso3166:IR")
        #expect(iran.type == .place)
        #expect(iran.mentions == [Mention(field: "headline", start: 45, end: 49, text: "Iran")])
        let us = try #require(tagged.entities.first { $0.name == "United States" })
        #expect(us.mentions.first?.start == 0)
        #expect(us.mentions.first?.end == 4)
        #expect(us.mentions.first?.text == "U.S.")
        #expect(us.reason.contains("U.S."))
    }

    @Test("an acronym alias needs capitals: the pronoun us is not the United States")
    func acronymsAreCaseSensitive() {
        let tagged = tag("Let us talk", "They told us about ice on the roads.")
        #expect(tagged.entities.isEmpty)
    }

    @Test("places, organisations and people come from the shipped gazetteer")
    func otherEntityTypes() {
        let tagged = tag(
            "Pentagon and Anthropic clash", "Officials in Minneapolis and Gaza spoke; Treasury Secretary Scott Bessent agreed.")
        let byType = Dictionary(grouping: tagged.entities, by: \.type).mapValues { Set($0.map(\.name)) }
        #expect(byType[.organization]?.isSuperset(of: ["Pentagon", "Anthropic"]) == true)
        #expect(byType[.place]?.isSuperset(of: ["Minneapolis", "Gaza"]) == true)
        #expect(byType[.person]?.contains("Scott Bessent") == true)
    }

    @Test("topics come from the taxonomy, child topics bring their parents, and each says why")
    func topicsWithParents() throws {
        let tagged = tag("New tariffs on imports", "The tariff order covers trade with several countries.")
        let trade = try #require(tagged.topics.first { $0.code == "medtop:20000373" })
        #expect(trade.reason.contains("tariffs (headline)"))
        #expect(trade.label == "International trade")
        let parent = try #require(tagged.topics.first { $0.code == "medtop:20000346" })
        #expect(parent.reason.contains("parent of International trade"))
        #expect(tagged.topics.contains { $0.code == "medtop:04000000" })
        // The IPTC vocabulary links international trade to its Wikidata item; the tag carries it.
        #expect(trade.wikidata == "Q178803")
        #expect(tagged.tagKeys.contains("topic_trade"))
        // The keys travel with the story, computed once, and are the ones its tags give.
        #expect(tagged.keys == tagged.computedTagKeys.sorted())
        #expect(tagged.tagKeys.contains("topic_medtop_04000000"))
        #expect(tagged.tagKeys.contains("topic_economy"))
    }

    @Test("a single passing mention in the body is not enough for a topic")
    func topicThreshold() {
        let tagged = tag("Local bakery opens", "The owner said trade was slow at first.")
        #expect(!tagged.topics.contains { $0.code == "medtop:20000373" })
    }

    @Test("a gazetteer row with the wrong number of columns is reported with its file and line")
    func badGazetteerRow() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gaz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "# comment\nplace:x\tplace\tX\tX\nbroken row\n".write(
            to: directory.appendingPathComponent("a.tsv"), atomically: true, encoding: .utf8)
        #expect {
            _ = try Gazetteer.load(directory: directory)
        } throws: { error in
            let error = error as? TagDataError
            return error?.line == 3 && error?.message.contains("4 tab-separated columns") == true
        }
    }

    @Test("the bundled classifier finds a topic the keywords miss, and says so")
    func classifierTopics() throws {
        let headline = "Container lines cut prices on Asia routes"
        let body = "Freight rates dropped as new vessels joined the fleet."
        let withModel = tag(headline, body)
        let economy = try #require(withModel.topics.first { $0.code == "medtop:04000000" }, "\(withModel.topics)")
        #expect(economy.reason.hasPrefix("model: margin") && economy.score > 0.5)
        #expect(withModel.tagger.contains(" model/"))

        let rulesOnly = Tagger(gazetteer: try Gazetteer.bundled(), taxonomy: try Taxonomy.bundled())
        let without = rulesOnly.tag(Story(id: "t", headline: headline, body: body))
        #expect(!without.topics.contains { $0.code == "medtop:04000000" })
    }

    @Test("users add their own topics beside the bundled taxonomy; a child brings its parent")
    func userTopics() throws {
        let directory = NSTemporaryDirectory() + "topics-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = URL(fileURLWithPath: directory + "/fisheries.json")
        try Data(
            #"{"version": "desk-1", "topics": [{"code": "desk:fisheries", "name": "fisheries", "label": "Fisheries", "parent": "medtop:04000000", "keywords": ["trawler", "fishing quota"], "minWeight": 1}]}"#
                .utf8
        ).write(to: file)
        let taxonomy = try Taxonomy.bundled().adding(file)
        #expect(taxonomy.version.hasSuffix("+desk-1"))
        let tagger = Tagger(gazetteer: try Gazetteer.bundled(), taxonomy: taxonomy)
        let tagged = tagger.tag(Story(id: "f", headline: "Trawler fleet idle", body: "Boats stayed in port."))
        #expect(tagged.topics.contains { $0.code == "desk:fisheries" && $0.label == "Fisheries" })
        #expect(tagged.topics.contains { $0.code == "medtop:04000000" && $0.reason == "parent of Fisheries" })

        try Data(#"{"version": "x", "topics": [{"code": "desk:a", "name": "a", "label": "A", "parent": "desk:none", "keywords": []}]}"#.utf8)
            .write(to: file)
        #expect { try Taxonomy.bundled().adding(file) } throws: { ($0 as? TagDataError)?.message.contains("desk:none") == true }
    }

    @Test("names the gazetteer does not know are found by titles and organisation words, with lower confidence")
    func unknownNames() throws {
        let tagged = tag(
            "Harbour Freight Corp reports record year",
            "Secretary of State Ana Moreno met the chairman of the Bank of Lumeria. Judge Tomas\nHalloran ruled on Monday. "
                + "The Securities and Exchange Commission and the Lumen Works Inc board agreed. Volcker and International Monetary Fund staff met. "
                + "BIG HEADLINE WORDS Said Nothing.")
        func entity(_ name: String) -> EntityTag? { tagged.entities.first { $0.name == name } }
        let company = try #require(entity("Harbour Freight Corp"), "\(tagged.entities.map(\.name))")
        #expect(company.type == .organization && company.confidence < 0.9 && company.id == "found:organization:harbour-freight-corp")
        #expect(company.reason.contains("not in the gazetteer") && company.mentions.first?.field == "headline")
        #expect(entity("Ana Moreno")?.type == .person, "the title and its office are not part of the name")
        #expect(entity("Bank of Lumeria")?.type == .organization)
        let judge = try #require(entity("Tomas Halloran"), "a name wrapped over two lines is one name")
        #expect(judge.type == .person && judge.mentions.first?.text == "Tomas\nHalloran")
        #expect(entity("Securities and Exchange Commission")?.type == .organization)
        #expect(entity("Lumen Works Inc")?.type == .organization)
        #expect(entity("International Monetary Fund")?.type == .organization, "\"and\" does not join two names")
        #expect(!tagged.entities.contains { $0.name.contains("Volcker and") || $0.name.contains("BIG") || $0.name == "Monday" })
    }

    @Test("states and provinces from ISO 3166-2 are places with their codes; a name shared with a country stays the country")
    func subdivisions() {
        let tagged = tag("Floods in Queensland and Arunachal Pradesh", "California and Ontario sent help; Georgia's government thanked them.")
        let ids = Set(tagged.entities.map(\.id))
        #expect(ids.isSuperset(of: ["iso3166-2:AU-QLD", "iso3166-2:IN-AR", "iso3166-2:US-CA", "iso3166-2:CA-ON"]), "\(ids)")
        #expect(ids.contains("iso3166:GE") && !ids.contains("iso3166-2:US-GA"))
        #expect(tagged.entities.first { $0.id == "iso3166-2:IN-AR" }?.name == "Arunāchal Pradesh")
    }

    @Test("international organisations, government bodies and major cities are in the gazetteer")
    func organisationsAndCities() {
        let tagged = tag("IMF and World Bank officials meet in Lagos", "The Red Cross and the Securities and Exchange Commission stayed away; the Fed said nothing.")
        let ids = Set(tagged.entities.map(\.id))
        #expect(ids == ["org:imf", "org:world-bank", "place:lagos", "org:icrc", "org:us-sec", "org:us-fed"], "\(ids)")
        #expect(tagged.entities.first { $0.id == "org:icrc" }?.name == "International Committee of the Red Cross")
    }

    @Test("notable people are found by full name and by distinctive surname; a common word is not a surname")
    func notablePeople() {
        let tagged = tag("Macron and Erdogan meet Rubio", "Emmanuel Macron said the talks with Marco Rubio went well. Ivory tusk seizures rose.")
        let ids = Set(tagged.entities.map(\.id))
        #expect(ids.isSuperset(of: ["person:emmanuel-macron", "person:recep-tayyip-erdogan", "person:marco-rubio"]), "\(ids)")
        #expect(!ids.contains("person:donald-tusk"))
        #expect(tagged.entities.first { $0.id == "person:emmanuel-macron" }?.mentions.count == 2)
    }

    @Test("without the entity model: a place named inside an organisation's name gives way to the organisation; a place before it stays a place")
    func placesInsideOrganisations() throws {
        let tagged = rules.tag(Story(id: "t", headline: 
            "Bank of Korea holds rates", body: "The Reserve Bank of India and the University of Toronto agreed. The Iran Foreign Ministry said Korea would reply."))
        func entity(_ name: String) -> EntityTag? { tagged.entities.first { $0.name == name } }
        let bank = try #require(entity("Bank of Korea"), "\(tagged.entities.map(\.name))")
        #expect(bank.type == .organization && bank.mentions.first?.field == "headline")
        #expect(entity("Reserve Bank of India")?.type == .organization)
        #expect(entity("University of Toronto")?.type == .organization)
        let korea = try #require(tagged.entities.first { $0.id == "iso3166:KR" }, "the body's own mention of Korea is still a place")
        #expect(korea.mentions.map(\.field) == ["body"], "the bank's name is not a mention of the country")
        #expect(!tagged.entities.contains { $0.id == "iso3166:IN" } && !tagged.entities.contains { $0.id == "place:toronto" })
        #expect(tagged.entities.contains { $0.id == "iso3166:IR" }, "a place before the organisation word stays a place")
    }

    @Test("without the entity model: a name that begins with a known first name is a person, and their surname alone is another mention of them")
    func firstNamesAndSurnames() throws {
        let tagged = rules.tag(Story(
            id: "t", headline: "Halvorsen warns on rates", body: "Central banker Ingrid Halvorsen spoke on Tuesday. Later, Halvorsen added that Lumen Works Inc would wait."))
        let person = try #require(tagged.entities.first { $0.name == "Ingrid Halvorsen" }, "\(tagged.entities.map(\.name))")
        #expect(person.type == .person && person.confidence == 0.5 && person.reason.contains("first name \"Ingrid\""))
        #expect(person.mentions.map(\.field) == ["headline", "body", "body"], "the headline's surname comes first")
        #expect(person.mentions.map(\.text) == ["Halvorsen", "Ingrid Halvorsen", "Halvorsen"])
        #expect(person.reason.contains("surname"))
        #expect(tagged.entities.first { $0.name == "Lumen Works Inc" }?.type == .organization)
    }
}
