import Foundation
import HeapModule
import Logging
import NewsModel

/// What ``FeedState`` needs of a producer's journal: its bounds, its entries and the stored positions of
/// its consumer groups. ``Journal`` is one; the feed state's tests use one in memory.
protocol FeedJournal: Sendable {
    /// The last sequence number appended (0 when empty).
    var lastSequence: UInt64 { get }
    /// The oldest sequence number still kept.
    var oldestSequence: UInt64 { get }
    /// How long entries are kept, which is also how long a silent durable group is remembered.
    var retention: JournalRetention { get }
    /// Entries from `sequence` on, at most `limit`.
    func entries(from sequence: UInt64, limit: Int) throws -> [JournalEntry]
    /// The stored groups: position, and when the position last changed.
    func storedGroups() throws -> [String: (position: UInt64, updatedAt: Date)]
    /// Stores groups' positions.
    func saveGroupPositions(_ positions: [String: UInt64]) throws
    /// Forgets stored groups.
    func removeGroups(_ names: [String]) throws
    /// Drops entries past retention; returns how many.
    func enforceRetention(now: Date) throws -> Int
}

/// The limits that keep a producer's memory and work bounded whatever its peers send. docs/ARCHITECTURE.md
/// ("Pressure") lists them.
public struct FeedLimits: Sendable, Hashable {
    /// The largest window a consumer may ask for; larger ones are cut to this.
    public var maxWindow = 1_024
    /// Replicas one group may have connected; more are refused with `too_many_replicas`.
    public var maxReplicasPerGroup = 32
    /// Groups one producer keeps in memory (durable and not); a durable group nobody reads makes room
    /// for a new one, and when none can, the new one is refused with `too_many_groups`.
    public var maxGroups = 64
    /// Durable groups whose positions one producer stores; more are refused with `too_many_groups`.
    public var maxStoredGroups = 1_000
    /// Bytes of messages in flight to one replica (one message always goes, whatever its size).
    public var replicaInFlightBytes = 8 << 20
    /// Bytes of messages in flight to all replicas together.
    public var totalInFlightBytes = 256 << 20
    /// Bytes of recent journal entries kept in memory (what a lagging group needs is read back).
    public var cacheBytes = 64 << 20
    /// The longest group or instance name, in bytes.
    public var maxNameBytes = 128

    /// The defaults.
    public init() {}
}

/// One frame list for one consumer: what the feed's thread sends on its ROUTER socket, to `to`.
struct FeedSend: Equatable {
    /// The consumer's routing id.
    var to: Data
    /// The frames after the routing id.
    var frames: [Data]
}

/// What became of a message the state asked to send.
enum FeedSendResult {
    /// It went out.
    case sent
    /// The consumer is gone (ROUTER_MANDATORY): its messages go to the rest of its group.
    case unreachable
    /// The consumer's queue is full (it is not reading): try again later.
    case full
}

/// The feed's bookkeeping, as a pure state machine: groups, replicas, messages in flight, and a cache of
/// recent journal entries. It touches no socket: frames come in through ``handle(_:now:)``, and what
/// must go out is returned, or offered to the `send` closure of ``dispatch(now:send:)``, which says
/// what became of it. ``FeedServer`` drives it from its thread; tests drive it directly.
///
/// A producer accepts an acknowledgement only from the replica a message is in flight to, and only for
/// that message: an ack for anything else is counted (``rejectedAcks``) and ignored, so no peer can move
/// a group's position past messages nobody handled.
struct FeedState {
    struct Replica {
        var id: Data
        var group: String
        var instance: String
        var window: Int
        /// Sequence numbers in flight to this replica, with their sizes in bytes.
        var inFlight: [UInt64: Int] = [:]
        var inFlightBytes = 0
        var lastSeen: ContinuousClock.Instant
    }

    struct Group {
        var name: String
        var durable: Bool
        var topicPrefix: String?
        var position: UInt64
        var cursor: UInt64
        var acked: Set<UInt64> = []
        var redeliver = RedeliveryQueue()
        var dirty = false
        /// The connected replicas, in the order they joined; `next` picks round-robin among them.
        var members: [Data] = []
        var next = 0
    }

    let journal: any FeedJournal
    let producer: MessageProducer
    let logger: Logger
    let limits: FeedLimits
    var stored: [String: (position: UInt64, updatedAt: Date)]
    var groups: [String: Group] = [:]
    var replicas: [Data: Replica] = [:]
    var entries: [UInt64: JournalEntry] = [:]
    var cachedBytes = 0
    var totalInFlightBytes = 0
    let cacheLimit = 10_000
    /// Acknowledgements refused: for a message not in flight to the replica that sent them.
    private(set) var rejectedAcks = 0
    /// Greetings refused: unreadable, or past a limit.
    private(set) var refusedHellos = 0
    /// Durable groups forgotten after a retention period of silence.
    private(set) var expiredGroups: [String] = []

    init(journal: any FeedJournal, producer: MessageProducer, logger: Logger, limits: FeedLimits = FeedLimits()) throws {
        self.journal = journal
        self.producer = producer
        self.logger = logger
        self.limits = limits
        self.stored = try journal.storedGroups()
    }

    var status: [FeedGroupStatus] {
        let head = journal.lastSequence
        return groups.values.sorted { $0.name < $1.name }.map { group in
            let members = group.members.compactMap { replicas[$0] }
            return FeedGroupStatus(
                group: group.name, position: group.position, backlog: head > group.position ? head - group.position : 0,
                inFlight: members.reduce(0) { $0 + $1.inFlight.count }, replicas: members.map(\.instance).sorted())
        }
    }

    /// The counters `status` shows for the feed.
    var counters: [String: Int] {
        ["feed_rejected_acks": rejectedAcks, "feed_refused_hellos": refusedHellos, "feed_groups_expired": expiredGroups.count]
    }

    mutating func cache(_ new: [JournalEntry]) {
        for entry in new where entries[entry.sequence] == nil {
            entries[entry.sequence] = entry
            cachedBytes += entry.body.count
        }
        guard entries.count > cacheLimit || cachedBytes > limits.cacheBytes else { return }
        // What every group has handled goes first, then the oldest, down to half of either limit.
        let floor = groups.values.map(\.position).min() ?? journal.lastSequence
        for key in entries.keys where key <= floor { drop(key) }
        guard entries.count > cacheLimit / 2 || cachedBytes > limits.cacheBytes / 2 else { return }
        for key in entries.keys.sorted() {
            guard entries.count > cacheLimit / 2 || cachedBytes > limits.cacheBytes / 2 else { break }
            drop(key)
        }
    }

    private mutating func drop(_ key: UInt64) {
        if let removed = entries.removeValue(forKey: key) { cachedBytes -= removed.body.count }
    }

    // MARK: Frames from consumers

    /// Handles one message from a consumer (`frames[0]` is its routing id); returns what to answer.
    mutating func handle(_ frames: [Data], now: ContinuousClock.Instant) -> [FeedSend] {
        guard frames.count >= 2 else { return [] }
        let id = frames[0]
        let kind = String(decoding: frames[1].prefix(16), as: UTF8.self)
        let body = frames.count > 2 ? frames[2] : Data()
        replicas[id]?.lastSeen = now
        switch kind {
        case FeedFrame.hello:
            guard let hello = try? JSONDecoder().decode(FeedHello.self, from: body) else {
                return refuse(id, code: "bad_hello", "the greeting is not a FeedHello in JSON")
            }
            if let refusal = register(id: id, hello: hello, now: now) { return [refusal] }
            return skipDropped()
        case FeedFrame.ping:
            guard replicas[id] == nil else { return [] }
            // A consumer this producer does not know (it restarted): ask it to greet again.
            let beat = FeedHeartbeat(
                producer: producer.id, epoch: producer.epoch, head: journal.lastSequence, oldest: journal.oldestSequence,
                group: "", position: 0, registered: false)
            guard let encoded = try? JSONEncoder().encode(beat) else { return [] }
            return [FeedSend(to: id, frames: [Data(FeedFrame.heartbeat.utf8), encoded])]
        case FeedFrame.ack:
            guard body.count <= 20, let sequence = UInt64(String(decoding: body, as: UTF8.self)) else {
                rejectAck(id, "an unreadable sequence number")
                return []
            }
            acknowledge(sequence, from: id)
            return []
        case FeedFrame.bye:
            remove(replica: id)
            return []
        default:
            return []
        }
    }

    private mutating func refuse(_ id: Data, code: String, _ message: String) -> [FeedSend] {
        refusedHellos += 1
        if refusedHellos <= 5 || refusedHellos % 1000 == 0 {
            logger.warning("feed: greeting refused", metadata: ["code": "\(code)", "reason": "\(message)", "refused": "\(refusedHellos)"])
        }
        guard let body = try? JSONEncoder().encode(FeedProblem(code: code, message: message)) else { return [] }
        return [FeedSend(to: id, frames: [Data(FeedFrame.problem.utf8), body])]
    }

    /// Adds (or refreshes) a replica; returns the refusal to send when a limit forbids it.
    mutating func register(id: Data, hello: FeedHello, now: ContinuousClock.Instant) -> FeedSend? {
        guard !hello.group.isEmpty, hello.group.utf8.count <= limits.maxNameBytes, hello.instance.utf8.count <= limits.maxNameBytes,
            (hello.topicPrefix?.utf8.count ?? 0) <= limits.maxNameBytes
        else {
            return refuse(id, code: "bad_hello", "group, instance and topic prefix must be 1 to \(limits.maxNameBytes) bytes").first
        }
        // A replica that restarted under the same name hands its messages back first.
        if let group = groups[hello.group] {
            for otherID in group.members where otherID != id && replicas[otherID]?.instance == hello.instance {
                remove(replica: otherID)
            }
        }
        if let existing = replicas[id], existing.group != hello.group {
            remove(replica: id)
        }
        if groups[hello.group] == nil {
            if groups.count >= limits.maxGroups,
                let idle = groups.values.filter({ $0.durable && $0.members.isEmpty && !$0.dirty }).map(\.name).min()
            {
                // Its position is stored: it resumes from there when a replica comes back.
                groups[idle] = nil
            }
            guard groups.count < limits.maxGroups,
                !hello.durable || stored[hello.group] != nil || stored.count < limits.maxStoredGroups
            else {
                return refuse(id, code: "too_many_groups", "this producer serves at most \(limits.maxGroups) groups at once").first
            }
            let start: UInt64
            if hello.durable, let stored = stored[hello.group] {
                start = stored.position
            } else if let resume = hello.resumeAfter {
                start = min(resume, journal.lastSequence)
            } else {
                start = hello.start == .latest ? journal.lastSequence : journal.oldestSequence - 1
            }
            groups[hello.group] = Group(
                name: hello.group, durable: hello.durable, topicPrefix: hello.topicPrefix, position: start, cursor: start + 1,
                dirty: hello.durable)
            logger.info("feed: group joined", metadata: ["group": "\(hello.group)", "position": "\(start)"])
        }
        let window = min(max(1, hello.window), limits.maxWindow)
        if replicas[id] != nil {
            replicas[id]!.window = window
            replicas[id]!.lastSeen = now
            return nil
        }
        guard let members = groups[hello.group]?.members.count, members < limits.maxReplicasPerGroup else {
            let refusal = refuse(id, code: "too_many_replicas", "group \(hello.group) has \(limits.maxReplicasPerGroup) replicas already")
            forgetIfUnused(hello.group)
            return refusal.first
        }
        replicas[id] = Replica(id: id, group: hello.group, instance: hello.instance, window: window, lastSeen: now)
        groups[hello.group]?.members.append(id)
        logger.info("feed: replica joined", metadata: ["group": "\(hello.group)", "replica": "\(hello.instance)"])
        return nil
    }

    /// Takes an acknowledgement from replica `id`: only for a message in flight to it.
    ///
    /// Replicas and groups are changed in place (never copied out and back, which would copy their
    /// in-flight tables and sets on every message).
    mutating func acknowledge(_ sequence: UInt64, from id: Data) {
        guard let (groupName, instance) = replicas[id].map({ ($0.group, $0.instance) }) else {
            rejectAck(id, "sequence \(sequence) from a replica that has not greeted")
            return
        }
        guard let bytes = replicas[id]!.inFlight.removeValue(forKey: sequence) else {
            // A late ack of a message already handled (after a redelivery) is harmless; anything else is
            // a peer acknowledging what it never received.
            if let group = groups[groupName], sequence > group.position, !group.acked.contains(sequence) {
                rejectAck(id, "sequence \(sequence), which is not in flight to \(instance)")
            }
            return
        }
        replicas[id]!.inFlightBytes -= bytes
        totalInFlightBytes -= bytes
        guard groups[groupName] != nil else { return }
        groups[groupName]!.redeliver.remove(sequence)
        Self.advance(&groups[groupName]!, past: sequence)
    }

    /// Records `sequence` as handled by `group` and moves its position over every handled number.
    private static func advance(_ group: inout Group, past sequence: UInt64) {
        guard sequence > group.position else { return }
        group.acked.insert(sequence)
        while group.acked.remove(group.position + 1) != nil {
            group.position += 1
            group.dirty = true
        }
    }

    private mutating func rejectAck(_ id: Data, _ what: String) {
        rejectedAcks += 1
        if rejectedAcks <= 5 || rejectedAcks % 1000 == 0 {
            logger.warning("feed: acknowledgement refused", metadata: ["ack": "\(what)", "refused": "\(rejectedAcks)"])
        }
    }

    mutating func remove(replica id: Data) {
        guard let replica = replicas.removeValue(forKey: id) else { return }
        logger.info(
            "feed: replica left",
            metadata: ["group": "\(replica.group)", "replica": "\(replica.instance)", "requeued": "\(replica.inFlight.count)"])
        totalInFlightBytes -= replica.inFlightBytes
        groups[replica.group]?.redeliver.formUnion(replica.inFlight.keys)
        groups[replica.group]?.members.removeAll { $0 == id }
        forgetIfUnused(replica.group)
    }

    /// A group that is not durable is forgotten when its last replica leaves.
    private mutating func forgetIfUnused(_ name: String) {
        if let group = groups[name], !group.durable, group.members.isEmpty { groups[name] = nil }
    }

    mutating func expireSilentReplicas(now: ContinuousClock.Instant) {
        let deadline = now - FeedServer.replicaTimeout
        for (id, replica) in replicas where replica.lastSeen < deadline { remove(replica: id) }
    }

    /// Forgets durable groups that no replica has read for longer than retention keeps entries: their
    /// position would point at entries long dropped, and nothing else ever removes them.
    mutating func expireIdleGroups(now: Date) {
        let cutoff = now.addingTimeInterval(-Double(journal.retention.maxAge.components.seconds))
        let idle = stored.filter { name, group in
            group.updatedAt < cutoff && (groups[name]?.members.isEmpty ?? true) && groups[name]?.dirty != true
        }.map(\.key).sorted()
        guard !idle.isEmpty else { return }
        do {
            try journal.removeGroups(idle)
        } catch {
            logger.error("feed: could not forget idle groups", metadata: ["error": "\(error)"])
            return
        }
        for name in idle {
            stored[name] = nil
            groups[name] = nil
            logger.warning("feed: group expired after a retention period without readers", metadata: ["group": "\(name)"])
        }
        expiredGroups = Array((expiredGroups + idle).suffix(100))
    }

    // MARK: Sending

    /// Sends what the groups' replicas have room for, through `send`, which says what became of each
    /// message. Each message costs the same whatever the number of replicas.
    mutating func dispatch(now: ContinuousClock.Instant, send: (Data, [Data]) -> FeedSendResult) {
        let head = journal.lastSequence
        // Replicas whose queues were full this round: not offered more until the next.
        var full = Set<Data>()
        for name in Array(groups.keys) {
            while groups[name] != nil {
                // In place: the group's sets are not copied per message.
                guard let target = Self.nextTarget(
                    &groups[name]!, replicas: replicas, totalInFlightBytes: totalInFlightBytes, limits: limits, skipping: full)
                else { break }
                let sequence: UInt64
                if let resend = groups[name]!.redeliver.popMin() {
                    sequence = resend
                } else if groups[name]!.cursor <= head {
                    sequence = groups[name]!.cursor
                    groups[name]!.cursor += 1
                } else {
                    break
                }
                let entry: JournalEntry
                switch lookup(sequence) {
                case .found(let found):
                    entry = found
                case .dropped:
                    // Retention removed it; skipDropped has told the group. Nothing to send.
                    markHandled(sequence, group: name)
                    continue
                case .unavailable:
                    // The journal could not be read just now: try again on the next round.
                    groups[name]?.redeliver.insert(sequence)
                    return
                }
                if let prefix = groups[name]?.topicPrefix, !entry.topic.hasPrefix(prefix) {
                    markHandled(sequence, group: name)
                    continue
                }
                switch send(target, [Data(FeedFrame.message.utf8), Data(String(sequence).utf8), Data(entry.topic.utf8), entry.body]) {
                case .sent:
                    replicas[target]?.inFlight[sequence] = entry.body.count
                    replicas[target]?.inFlightBytes += entry.body.count
                    totalInFlightBytes += entry.body.count
                case .full:
                    groups[name]?.redeliver.insert(sequence)
                    full.insert(target)
                case .unreachable:
                    groups[name]?.redeliver.insert(sequence)
                    remove(replica: target)
                }
            }
        }
    }

    /// The next replica of `group`, round-robin, with room in its window and byte budget; nil when none
    /// has room or the producer's byte budget is spent.
    private static func nextTarget(
        _ group: inout Group, replicas: [Data: Replica], totalInFlightBytes: Int, limits: FeedLimits, skipping full: Set<Data>
    ) -> Data? {
        guard !group.members.isEmpty, totalInFlightBytes < limits.totalInFlightBytes else { return nil }
        for _ in 0..<group.members.count {
            let id = group.members[group.next % group.members.count]
            group.next = (group.next + 1) % group.members.count
            if !full.contains(id), let replica = replicas[id], replica.inFlight.count < replica.window,
                replica.inFlight.isEmpty || replica.inFlightBytes < limits.replicaInFlightBytes
            {
                return id
            }
        }
        return nil
    }

    private mutating func markHandled(_ sequence: UInt64, group name: String) {
        guard groups[name] != nil else { return }
        Self.advance(&groups[name]!, past: sequence)
    }

    enum Lookup {
        case found(JournalEntry)
        case dropped
        case unavailable
    }

    /// The journal entry `sequence`: from the cache, or read back from the journal with the entries
    /// after it. Never "dropped" unless retention really removed it.
    private mutating func lookup(_ sequence: UInt64) -> Lookup {
        if let cached = entries[sequence] { return .found(cached) }
        if sequence < journal.oldestSequence { return .dropped }
        do {
            let batch = try journal.entries(from: sequence, limit: 512)
            guard let first = batch.first, first.sequence == sequence else {
                if sequence < journal.oldestSequence { return .dropped }
                logger.error("feed: journal entry \(sequence) is missing; will retry")
                return .unavailable
            }
            cache(batch)
            return .found(first)
        } catch {
            logger.error("feed: cannot read journal entry \(sequence); will retry", metadata: ["error": "\(error)"])
            return .unavailable
        }
    }

    func heartbeats() -> [FeedSend] {
        let encoder = JSONEncoder()
        return replicas.values.compactMap { replica in
            let group = groups[replica.group]
            let beat = FeedHeartbeat(
                producer: producer.id, epoch: producer.epoch, head: journal.lastSequence, oldest: journal.oldestSequence,
                group: replica.group, position: group?.position ?? 0, registered: true)
            guard let body = try? encoder.encode(beat) else { return nil }
            return FeedSend(to: replica.id, frames: [Data(FeedFrame.heartbeat.utf8), body])
        }
    }

    mutating func savePositions(now: Date) {
        var dirty: [String: UInt64] = [:]
        for (name, group) in groups where group.durable && group.dirty {
            dirty[name] = group.position
            groups[name]?.dirty = false
        }
        guard !dirty.isEmpty else { return }
        do {
            try journal.saveGroupPositions(dirty)
            for (name, position) in dirty { stored[name] = (position, now) }
        } catch {
            logger.error("feed: could not store group positions", metadata: ["error": "\(error)"])
            for name in dirty.keys { groups[name]?.dirty = true }
        }
    }

    /// A durable group that has replicas counts as active: its stored time is refreshed even when its
    /// position has not moved (nothing new to read), so only a group nobody reads expires.
    mutating func touchActiveGroups() {
        for (name, group) in groups where group.durable && !group.members.isEmpty { groups[name]?.dirty = true }
    }

    mutating func enforceRetention(now: Date) -> [FeedSend] {
        do {
            let dropped = try journal.enforceRetention(now: now)
            if dropped > 0 { logger.info("feed: retention dropped journal entries", metadata: ["count": "\(dropped)"]) }
        } catch {
            logger.error("feed: retention failed", metadata: ["error": "\(error)"])
        }
        expireIdleGroups(now: now)
        return skipDropped()
    }

    /// Moves every group that is behind the journal's oldest entry up to it, and tells its replicas.
    mutating func skipDropped() -> [FeedSend] {
        let oldest = journal.oldestSequence
        var sends: [FeedSend] = []
        for (name, group) in groups where group.position + 1 < oldest {
            let problem = FeedProblem(
                code: "dropped",
                message:
                    "group \(name) was at \(group.position) but the journal of \(producer.id) keeps only \(oldest) onwards; messages \(group.position + 1)-\(oldest - 1) were dropped by retention and are skipped"
            )
            logger.error("\(problem.message)")
            if let body = try? JSONEncoder().encode(problem) {
                for id in group.members { sends.append(FeedSend(to: id, frames: [Data(FeedFrame.problem.utf8), body])) }
            }
            groups[name]?.position = oldest - 1
            groups[name]?.cursor = max(group.cursor, oldest)
            groups[name]?.acked = group.acked.filter { $0 >= oldest }
            groups[name]?.dirty = true
        }
        return sends
    }
}

/// Sequence numbers a group must send again, lowest first: a min-heap gives the order and a set the
/// membership, so taking the next costs O(log n) instead of a scan, and an acknowledged number leaves
/// the set at once (its heap entry is skipped when it comes to the top).
struct RedeliveryQueue {
    private var heap = Heap<UInt64>()
    private var members = Set<UInt64>()

    /// Whether nothing waits.
    var isEmpty: Bool { members.isEmpty }
    /// How many numbers wait.
    var count: Int { members.count }

    /// Whether `sequence` waits.
    func contains(_ sequence: UInt64) -> Bool { members.contains(sequence) }

    /// Adds `sequence` (once).
    mutating func insert(_ sequence: UInt64) {
        if members.insert(sequence).inserted { heap.insert(sequence) }
    }

    /// Adds every number of `sequences`.
    mutating func formUnion(_ sequences: some Sequence<UInt64>) {
        for sequence in sequences { insert(sequence) }
    }

    /// Takes `sequence` out, if it waits.
    mutating func remove(_ sequence: UInt64) {
        members.remove(sequence)
    }

    /// Takes out and returns the lowest waiting number.
    mutating func popMin() -> UInt64? {
        while let sequence = heap.popMin() {
            if members.remove(sequence) != nil { return sequence }
        }
        return nil
    }
}
