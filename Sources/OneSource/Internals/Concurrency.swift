import Foundation

/// An uninitialized buffer that concurrent workers fill, each its own disjoint positions, exactly once.
struct DisjointSlots<Element>: @unchecked Sendable {   // workers never touch the same position
    private let buffer: UnsafeMutableBufferPointer<Element>

    init(_ buffer: UnsafeMutableBufferPointer<Element>) { self.buffer = buffer }

    func initialize(_ index: Int, to value: consuming Element) {
        precondition(index >= 0 && index < buffer.count)
        (buffer.baseAddress! + index).initialize(to: value)
    }
}

/// Hands out 0, 1, 2, … to concurrent workers, each number once.
final class TicketDispenser: @unchecked Sendable {   // guarded by `lock`
    private let lock = NSLock()
    private var value = 0

    /// The next number, or nil once `limit` is reached.
    func take(below limit: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard value < limit else { return nil }
        value += 1
        return value - 1
    }
}

/// Where background work runs.
enum Background {
    /// Runs `work` on another thread. Work done ahead of time, while the run's own thread is busy (compare
    /// while load writes), runs `yielding`: on a thread of its own with a lower priority (nice 10; on Linux
    /// the nice value is per thread, and threads it starts, such as SQLite's sorter helpers, inherit it).
    /// It then takes the processor time the run's thread leaves, instead of taking turns with it.
    static func run(yielding: Bool = false, _ work: @escaping @Sendable () -> Void) {
        guard yielding else {
            DispatchQueue.global(qos: .userInitiated).async(execute: work)
            return
        }
        Thread.detachNewThread {
            #if os(Linux)
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
            #endif
            work()
        }
    }

    /// Runs `work`, a loop that spends much of its time waiting (on a channel), on a thread of its own: on a serial
    /// queue of its own, which Dispatch serves from its overcommitting pool (a thread whenever none is idle). The global
    /// queues keep about as many threads running as there are cores and count a waiting one as running, so loops waiting
    /// there left `DispatchQueue.concurrentPerform` and other queued work fewer threads.
    static func loop(_ work: @escaping @Sendable () -> Void) {
        DispatchQueue(label: "onesource.loop").async(execute: work)
    }
}

/// A result computed on a background thread, collected later by `wait()`.
final class Pending<Value: Sendable>: @unchecked Sendable {   // `result` is written once, before `done` is signalled
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<Value, Error>?

    /// A result the thread computing it hands over with `fulfil`.
    init() {}

    /// A result `work` computes on a thread of its own (see `Background.run`).
    convenience init(yielding: Bool = false, _ work: @escaping @Sendable () throws -> Value) {
        self.init()
        Background.run(yielding: yielding) { [self] in fulfil(Result { try work() }) }
    }

    /// Hands the result over; called once.
    func fulfil(_ result: Result<Value, Error>) {
        self.result = result
        done.signal()
    }

    func wait() throws -> Value {
        done.wait()
        done.signal()   // a second wait returns at once
        return try result!.get()
    }
}

/// A bounded first-in first-out channel between one producer and one consumer thread.
/// Bounded so a fast reader cannot run ahead of the store and fill memory.
final class BoundedChannel<Element: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Element] = []
    private let capacity: Int
    private var cancelled = false

    init(capacity: Int) { self.capacity = capacity }

    /// True once the consumer gave up.
    var isCancelled: Bool {
        condition.lock()
        defer { condition.unlock() }
        return cancelled
    }

    /// The consumer gave up (it failed): the producer's sends return at once and are dropped, so it can finish.
    func cancel() {
        condition.lock()
        cancelled = true
        items.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    func send(_ item: Element) {
        condition.lock()
        while items.count >= capacity && !cancelled { condition.wait() }
        if cancelled { condition.unlock(); return }
        items.append(item)
        condition.broadcast()
        condition.unlock()
    }

    func receive() -> Element {
        condition.lock()
        while items.isEmpty { condition.wait() }
        let item = items.removeFirst()
        condition.broadcast()
        condition.unlock()
        return item
    }

    /// The next item, or nil once the channel is cancelled: for consumers other than the one that cancels it.
    func receiveUnlessCancelled() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !cancelled { condition.wait() }
        guard !cancelled else { return nil }
        let item = items.removeFirst()
        condition.broadcast()
        return item
    }
}

/// Hands items that several workers finished in any order to one consumer in the order they were numbered (0, 1, 2, …).
/// A worker waits while its item is `window` or more ahead of the next one due, so the items held stay few.
final class InOrder<Element: Sendable>: @unchecked Sendable {   // every field is guarded by `condition`
    private let condition = NSCondition()
    private var pending: [Int: Element] = [:]
    private var next = 0
    private let window: Int
    private var cancelled = false

    init(window: Int) { self.window = max(1, window) }

    /// Gives item `number`; dropped once cancelled. The item due next is always taken at once, so no worker waits for
    /// another that waits for it. Consumed: a giver's own reference to the item is gone before the taker has it, so the
    /// taker can change it in place (a record batch given borrowed was still held by its worker when the key check
    /// changed it, and was copied whole).
    func put(_ number: Int, _ item: consuming Element) {
        condition.lock()
        defer { condition.unlock() }
        while number >= next + window && !cancelled { condition.wait() }
        guard !cancelled else { return }
        pending[number] = item
        condition.broadcast()
    }

    /// The item due next, waiting for it.
    func take() -> Element {
        condition.lock()
        defer { condition.unlock() }
        while pending[next] == nil { condition.wait() }
        let item = pending.removeValue(forKey: next)!
        next += 1
        condition.broadcast()
        return item
    }

    /// The consumer gave up: items are dropped and waiting workers go on.
    func cancel() {
        condition.lock()
        cancelled = true
        pending.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}
