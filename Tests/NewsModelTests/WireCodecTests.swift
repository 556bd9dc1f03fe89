import Foundation
import NewsModel
import Testing

@Suite("The wire envelope and codec")
struct WireCodecTests {
    let story = Story(
        id: "s-1", headline: "Tariffs on Iran trade", body: "An order was signed.", url: "https://x.example/1",
        source: "Wire", publishedAt: Date(timeIntervalSince1970: 1_770_000_000), language: "en",
        receivedAt: Date(timeIntervalSince1970: 1_770_000_100))

    @Test("a story message round-trips through the two frames")
    func roundTrip() throws {
        let producer = MessageProducer(id: "ingest-0", epoch: 42)
        let envelope = producer.envelope(.story(story), originAt: story.receivedAt, sequence: 1)
        let frames = try WireCodec().encode(topic: StreamTopic.storyIngested, envelope: envelope)
        #expect(frames.count == 2)
        #expect(String(decoding: frames[0], as: UTF8.self) == "story.ingested")
        let decoded = try WireCodec().decode(frames)
        #expect(decoded.topic == StreamTopic.storyIngested)
        // Dates travel with millisecond precision: the decoded envelope encodes to the same bytes.
        #expect(try WireCodec().encode(topic: decoded.topic, envelope: decoded.envelope) == frames)
        #expect(decoded.envelope.payload == envelope.payload)
        #expect(decoded.envelope.messageID == "ingest-0/42/1")
    }

    @Test("each start gets a new epoch")
    func epochsDiffer() async throws {
        let first = MessageProducer(id: "tag-0")
        try await Task.sleep(for: .milliseconds(2))
        let second = MessageProducer(id: "tag-0")
        #expect(first.epoch != second.epoch)
    }

    @Test("the envelope carries the fields docs/PROTOCOL.md names")
    func envelopeFields() throws {
        let envelope = MessageProducer(id: "ingest-0", epoch: 7).envelope(.story(story), originAt: story.receivedAt, sequence: 1)
        let frames = try WireCodec().encode(topic: StreamTopic.storyIngested, envelope: envelope)
        let object = try #require(try JSONSerialization.jsonObject(with: frames[1]) as? [String: Any])
        #expect(Set(object.keys) == ["v", "kind", "id", "producer", "epoch", "seq", "sentAt", "originAt", "payload"])
        #expect(object["v"] as? Int == 1)
        #expect(object["kind"] as? String == "story")
    }

    @Test("an unknown version is refused with its own error code")
    func unknownVersion() throws {
        let frames = [Data("story.ingested".utf8), Data(#"{"v": 99, "kind": "story"}"#.utf8)]
        let error = try #require(throws: WireError.self) { try WireCodec().decode(frames) }
        #expect(error.code == .unsupportedVersion)
        #expect(error.message.contains("99"))
    }

    @Test("an unknown kind is refused with its own error code")
    func unknownKind() throws {
        let frames = [Data("x".utf8), Data(#"{"v": 1, "kind": "gossip"}"#.utf8)]
        let error = try #require(throws: WireError.self) { try WireCodec().decode(frames) }
        #expect(error.code == .unknownKind)
    }

    @Test("malformed JSON and a wrong frame count are refused", arguments: [
        [Data("story.ingested".utf8), Data("{not json".utf8)],
        [Data("story.ingested".utf8)],
        [Data("a".utf8), Data("{}".utf8), Data("{}".utf8)],
        [Data("story.ingested".utf8), Data(#"{"v": 1, "kind": "story", "id": "x"}"#.utf8)],
    ])
    func malformed(frames: [Data]) throws {
        let error = try #require(throws: WireError.self) { try WireCodec().decode(frames) }
        #expect(error.code == .malformed || error.code == .badFrames)
    }
}

@Suite("Control protocol")
struct ControlProtocolTests {
    @Test("every request round-trips as {v, method, params}", arguments: [
        ControlRequest.status, .submit(SubmitRequest(source: "f", firstLine: 3, lines: ["{}"])),
        .search(SearchRequest(query: "iran", limit: 5, offset: 10, sort: .date)),
        .subscribe(SubscribeRequest(query: "place:Iran")), .listSubscriptions(OwnerScope()), .unsubscribe(id: "sub_1", owner: nil),
        .listAlerts(AlertsRequest(subscriptionID: nil, limit: 3)),
        .subscribe(SubscribeRequest(query: "place:Iran", owner: "tok_1")), .listSubscriptions(OwnerScope(owner: "newsroom")),
        .unsubscribe(id: "sub_1", owner: "newsroom"), .createToken(TokenCreateRequest(scopes: [.read, .subscribe], owner: "newsroom")),
        .listTokens, .revokeToken(id: "tok_1"), .verifyToken(TokenVerifyRequest(token: "tok_1_secret")),
    ])
    func requestRoundTrip(request: ControlRequest) throws {
        let data = try JSONCoding.encoder().encode(request)
        #expect(try JSONCoding.decoder().decode(ControlRequest.self, from: data) == request)
    }

    @Test("an unknown method is reported as such")
    func unknownMethod() throws {
        #expect {
            try JSONCoding.decoder().decode(ControlRequest.self, from: Data(#"{"v":1,"method":"dance"}"#.utf8))
        } throws: { error in
            (error as? ControlFailure)?.code == .unknownMethod
        }
    }

    @Test("a failure reply decodes to the failure")
    func failureReply() throws {
        let data = ControlReply.failure(ControlFailure(code: .badQuery, message: "column 3: expected a term"))
        let decoded = try ControlReply.decode(data, as: SearchResult.self)
        guard case .failure(let failure) = decoded else {
            Issue.record("expected a failure")
            return
        }
        #expect(failure.code == .badQuery)
        #expect(failure.message == "column 3: expected a term")
    }

    @Test("a tagged story from an older tag, without carried keys, still gives its filter keys")
    func keysComputedWhenAbsent() throws {
        let tagged = TaggedStory(
            story: Story(id: "k-1", headline: "Tariffs", body: "Steel.", source: "Wire One"),
            entities: [EntityTag(id: "iso3166:IR", type: .place, name: "Iran", mentions: [], confidence: 0.9, reason: "gazetteer")],
            topics: [], tagger: "test", carryingKeys: true)
        #expect(tagged.keys?.contains("place_iran") == true)
        var old = tagged
        old.keys = nil
        let decoded = try JSONCoding.decoder().decode(TaggedStory.self, from: try JSONCoding.encoder().encode(old))
        #expect(decoded.keys == nil)
        #expect(decoded.tagKeys == Set(try #require(tagged.keys)))
    }
}
