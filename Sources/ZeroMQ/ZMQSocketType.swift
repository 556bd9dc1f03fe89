import CZeroMQ

/// The ZeroMQ socket patterns this project uses.
public enum ZMQSocketType: Sendable, Hashable, CustomStringConvertible {
    /// Publisher of a pub/sub fan-out (`ZMQ_PUB`).
    case publisher
    /// Publisher that also receives its subscribers' subscription messages (`ZMQ_XPUB`).
    case extendedPublisher
    /// Subscriber of a pub/sub fan-out (`ZMQ_SUB`).
    case subscriber
    /// Client side of request/reply (`ZMQ_REQ`).
    case request
    /// Server side of request/reply (`ZMQ_REP`).
    case reply
    /// Sending end of a work queue (`ZMQ_PUSH`).
    case push
    /// Receiving end of a work queue (`ZMQ_PULL`).
    case pull
    /// Server side of asynchronous request/reply, addressing each peer by its routing id (`ZMQ_ROUTER`).
    case router
    /// Client side of asynchronous request/reply (`ZMQ_DEALER`).
    case dealer

    var rawValue: Int32 {
        switch self {
        case .publisher: ZMQ_PUB
        case .extendedPublisher: ZMQ_XPUB
        case .subscriber: ZMQ_SUB
        case .request: ZMQ_REQ
        case .reply: ZMQ_REP
        case .push: ZMQ_PUSH
        case .pull: ZMQ_PULL
        case .router: ZMQ_ROUTER
        case .dealer: ZMQ_DEALER
        }
    }

    public var description: String {
        switch self {
        case .publisher: "PUB"
        case .extendedPublisher: "XPUB"
        case .subscriber: "SUB"
        case .request: "REQ"
        case .reply: "REP"
        case .push: "PUSH"
        case .pull: "PULL"
        case .router: "ROUTER"
        case .dealer: "DEALER"
        }
    }
}
