import Foundation
import NewsModel
import NotifyStage
import Testing

@Suite("The subscription store")
struct SubscriptionStoreTests {
    func temporaryPath() -> String {
        NSTemporaryDirectory() + "notify-\(UUID().uuidString)/notify.sqlite"
    }

    @Test("subscriptions survive a reopen, and the same query gives the same subscription")
    func durableAndIdempotent() async throws {
        let path = temporaryPath()
        let store = try SubscriptionStore(path: path)
        let first = try await store.subscribe("place:Iran OR tariffs")
        let again = try await store.subscribe("place:Iran  OR  Tariffs")
        #expect(first.created)
        #expect(!again.created)
        #expect(again.subscription.id == first.subscription.id)
        #expect(first.subscription.id.count == "sub_".count + 16)

        let reopened = try SubscriptionStore(path: path)
        #expect(reopened.subscriptions.map(\.subscription.id) == [first.subscription.id])
    }

    @Test("a bad query is refused and nothing is stored")
    func badQuery() async throws {
        let store = try SubscriptionStore(path: temporaryPath())
        await #expect {
            _ = try await store.subscribe("place:Iran AND (")
        } throws: { error in
            (error as? ControlFailure)?.code == .badQuery
        }
        #expect(store.subscriptions.isEmpty)
    }

    @Test("an alert is recorded once per subscription and story")
    func alertOnce() async throws {
        let store = try SubscriptionStore(path: temporaryPath())
        let subscription = try await store.subscribe("iran").subscription
        let story = TaggedStory(story: Story(id: "s1", headline: "Iran", body: "b"), entities: [], topics: [], tagger: "t")
        let alert = Alert(subscription: subscription, story: story, satisfied: [try Query("iran").root])
        #expect(try await store.record(alert))
        #expect(try await !store.record(alert))
        let stored = try await store.alerts(AlertsRequest(subscriptionID: subscription.id, limit: 10))
        #expect(stored.map(\.id) == [alert.id])
    }

    @Test("an alert explains itself: clauses, terms, and each filter's tag with the tagger's reason; copies of a story share its id")
    func explainedAlert() throws {
        let query = try Query("(tariffs OR \"trade deal\") place:America topic:trade -court")
        var story = Story(id: "s2", headline: "Tariffs and a trade deal", body: "America agreed.", source: "Wire")
        story.clusterID = "s1"
        let tagged = TaggedStory(
            story: story,
            entities: [
                EntityTag(
                    id: "iso3166:US", type: .place, name: "United States", mentions: [], confidence: 0.95, reason: "gazetteer: \"America\"",
                    aliases: ["America", "U.S."])
            ],
            topics: [TopicTag(code: "news:trade", name: "trade", label: "Trade and tariffs", score: 0.9, reason: "keywords: tariffs (headline)")],
            tagger: "t")
        let document = MatchDocument(tagged)
        #expect(QueryMatcher.matches(query.root, document))
        let alert = Alert(
            subscription: Subscription(id: "sub_1", query: query.text), story: tagged, satisfied: QueryMatcher.satisfiedClauses(query.root, document))
        #expect(alert.id == "sub_1/s1", "the cluster, not the copy, names the alert")
        #expect(alert.matched == ["tariffs", "\"trade deal\"", "place:America", "topic:trade"])
        #expect(alert.terms == ["tariffs", "trade deal"])
        #expect(alert.tags?.map(\.clause) == ["place:America", "topic:trade"])
        #expect(alert.tags?.first?.id == "iso3166:US" && alert.tags?.first?.reason == "gazetteer: \"America\"")
        #expect(alert.tags?.last?.tag == "Trade and tariffs" && alert.tags?.last?.reason.hasPrefix("keywords") == true)
    }

    @Test("unsubscribing an unknown id says so")
    func unknownUnsubscribe() async throws {
        let store = try SubscriptionStore(path: temporaryPath())
        await #expect {
            _ = try await store.unsubscribe("sub_0000000000000000")
        } throws: { error in
            (error as? ControlFailure)?.code == .notFound
        }
    }
}
