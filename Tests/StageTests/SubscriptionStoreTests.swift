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
        let alert = Alert(subscription: subscription, story: story, matched: ["iran"])
        #expect(try await store.record(alert))
        #expect(try await !store.record(alert))
        let stored = try await store.alerts(AlertsRequest(subscriptionID: subscription.id, limit: 10))
        #expect(stored.map(\.id) == [alert.id])
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
