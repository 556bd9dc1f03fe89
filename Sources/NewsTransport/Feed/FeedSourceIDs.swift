import NewsModel
/// Stable identities for the producers a consumer reads. A delivery names its producer by such an id,
/// never by a position in a list that changes as producers come and go, so that its acknowledgement
/// reaches the producer that sent it or, if that producer is gone, nobody.
struct FeedSourceIDs {
    /// A producer's identity for as long as the consumer reads it; never reused.
    struct ID: Hashable, Sendable {
        let value: UInt64
    }

    private var next: UInt64 = 1
    private var byEndpoint: [String: ID] = [:]
    private var byID: [ID: String] = [:]

    /// The id of `endpoint`, new when the consumer starts reading it.
    mutating func add(_ endpoint: String) -> ID {
        if let known = byEndpoint[endpoint] { return known }
        let id = ID(value: next)
        next += 1
        byEndpoint[endpoint] = id
        byID[id] = endpoint
        return id
    }

    /// Forgets `endpoint`: acknowledgements for what it sent go nowhere; if it comes back, it gets a
    /// new id.
    mutating func remove(_ endpoint: String) {
        guard let id = byEndpoint.removeValue(forKey: endpoint) else { return }
        byID[id] = nil
    }

    /// The endpoint an id stands for, while the consumer still reads it.
    func endpoint(of id: ID) -> String? { byID[id] }
}
