import CZeroMQ

/// What to wait for on one poll item.
public struct ZMQPollEvents: OptionSet, Sendable {
    public let rawValue: Int16
    /// Creates a set from libzmq's `ZMQ_POLL*` bits.
    public init(rawValue: Int16) { self.rawValue = rawValue }
    /// A message (or, for a file descriptor, data) can be read (`ZMQ_POLLIN`).
    public static let readable = ZMQPollEvents(rawValue: Int16(ZMQ_POLLIN))
    /// A message can be sent without blocking (`ZMQ_POLLOUT`).
    public static let writable = ZMQPollEvents(rawValue: Int16(ZMQ_POLLOUT))
}

/// Waits on several sockets and plain file descriptors at once (`zmq_poll`).
///
/// Like the sockets it polls, a poller belongs to one thread.
public struct ZMQPoller: ~Copyable {
    private var items: [zmq_pollitem_t] = []

    /// Creates an empty poller.
    public init() {}

    /// Adds a socket; returns its index for ``events(at:)``.
    public mutating func add(_ socket: ZMQSocket, events: ZMQPollEvents) -> Int {
        items.append(zmq_pollitem_t(socket: socket.handle, fd: -1, events: events.rawValue, revents: 0))
        return items.count - 1
    }

    /// Adds a file descriptor, such as an eventfd used to wake the polling thread.
    public mutating func add(fileDescriptor: Int32, events: ZMQPollEvents) -> Int {
        items.append(zmq_pollitem_t(socket: nil, fd: fileDescriptor, events: events.rawValue, revents: 0))
        return items.count - 1
    }

    /// Removes every item, keeping the storage, so that one poller serves a loop whose sockets change.
    public mutating func removeAll() {
        items.removeAll(keepingCapacity: true)
    }

    /// Waits until an item is ready or the timeout passes.
    /// - Parameter timeoutMilliseconds: -1 waits forever.
    /// - Returns: how many items are ready.
    @discardableResult
    public mutating func poll(timeoutMilliseconds: Int) throws(ZMQError) -> Int {
        let count = Int32(items.count)
        let rc = try items.withUnsafeMutableBufferPointer { (buffer) throws(ZMQError) -> Int32 in
            try zmqCall("zmq_poll") { zmq_poll(buffer.baseAddress, count, timeoutMilliseconds) }
        }
        return Int(rc)
    }

    /// The events that were ready for item `index` after the last ``poll(timeoutMilliseconds:)``.
    public func events(at index: Int) -> ZMQPollEvents {
        ZMQPollEvents(rawValue: items[index].revents)
    }
}
