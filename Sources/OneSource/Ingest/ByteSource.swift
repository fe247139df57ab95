import Foundation

/// Something that yields the bytes of an input, chunk by chunk.
public protocol ByteSource: AnyObject {
    /// Reads up to `count` bytes into `destination`; returns how many, 0 at the end.
    func read(into destination: UnsafeMutablePointer<UInt8>, count: Int) throws -> Int
}

/// An input file read with plain `read(2)` calls, hashed (SHA-256) and counted as it goes.
///
/// Hashing runs on its own serial queue, fed copies of the chunks read, so it overlaps parsing;
/// a semaphore bounds the chunks in flight, so memory does not grow when hashing falls behind.
public final class FileInput: ByteSource {
    private let descriptor: Int32
    /// The path as given.
    public let path: String
    /// The file size when opened.
    public let size: Int64
    /// Bytes read so far (for progress).
    public private(set) var bytesRead: Int64 = 0
    /// Nil for a look at the start of a file (the check before a night), which needs no digest.
    private let hashing: HashingQueue?
    private var digest: String?

    /// Opens a regular file for reading.
    /// - Throws: `IngestError.cannotOpen` naming the path and the system's reason; a directory, FIFO, device or
    ///   socket is refused without waiting on it (a FIFO is opened non-blocking, so no writer can hold the run).
    public convenience init(path: String) throws {
        try self.init(path: path, counter: nil)
    }

    /// Opens a regular file; every byte read is also handed to `counter` (on the hashing queue). Without `hashing`, it
    /// is neither hashed nor counted, and `sha256()` may not be asked.
    init(path: String, counter: RecordCounter?, hashing: Bool = true) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            throw IngestError.cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw IngestError.cannotOpen(path: path, reason: reason)
        }
        let kind = info.st_mode & S_IFMT
        guard kind == S_IFREG else {
            close(fd)
            let what = kind == S_IFDIR ? "a directory" : kind == S_IFIFO ? "a FIFO (named pipe)" : kind == S_IFCHR || kind == S_IFBLK ? "a device"
                : kind == S_IFSOCK ? "a socket" : "not a regular file"
            throw IngestError.cannotOpen(path: path, reason: "is \(what), not a regular file")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        descriptor = fd
        size = Int64(info.st_size)
        self.hashing = hashing ? HashingQueue(counter: counter) : nil
    }

    deinit { close(descriptor) }

    public func read(into destination: UnsafeMutablePointer<UInt8>, count: Int) throws -> Int {
        while true {
            let n = Glibc.read(descriptor, destination, count)
            if n < 0 {
                if errno == EINTR { continue }
                throw IngestError.cannotRead(path: path, reason: String(cString: strerror(errno)))
            }
            if n > 0 {
                hashing?.add(UnsafeBufferPointer(start: destination, count: n))
                bytesRead += Int64(n)
            }
            return n
        }
    }

    /// The SHA-256 of the bytes read; reads the rest of the file first if the reader stopped early.
    public func sha256() throws -> String {
        if let digest { return digest }
        guard let hashing else { preconditionFailure("\(path) was opened without hashing") }
        let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: 1 << 16)
        defer { scratch.deallocate() }
        while try read(into: scratch, count: 1 << 16) > 0 {}
        let value = hashing.finish()
        digest = value
        return value
    }
}

/// SHA-256 (and the independent record count) on a serial queue; the hasher and the counter are only ever
/// touched on that queue. Small reads (libxml2 asks for 4 KB at a time) are gathered into 1 MB pieces first,
/// so the hand-over costs nothing noticeable.
private final class HashingQueue: @unchecked Sendable {
    private let queue = DispatchQueue(label: "onesource.sha256")
    private let inFlight = DispatchSemaphore(value: 8)
    private var hasher = SHA256()
    private let counter: RecordCounter?
    private var gathering: [UInt8] = []
    private static let piece = 1 << 20

    init(counter: RecordCounter?) { self.counter = counter }

    /// Called on the reading thread only.
    func add(_ bytes: UnsafeBufferPointer<UInt8>) {
        gathering.append(contentsOf: bytes)
        if gathering.count >= HashingQueue.piece { flush() }
    }

    private func flush() {
        guard !gathering.isEmpty else { return }
        let chunk = gathering
        gathering = []
        gathering.reserveCapacity(HashingQueue.piece + (1 << 16))
        inFlight.wait()
        queue.async {
            self.hasher.update(chunk)
            chunk.withUnsafeBufferPointer { self.counter?.add($0) }
            self.inFlight.signal()
        }
    }

    func finish() -> String {
        flush()
        return queue.sync { hasher.finalizeHex() }
    }
}

/// A growable window over a byte source: readers parse from `start` to `end` and call `refill()`
/// when a record runs past `end`. Refilling moves the unconsumed bytes to the front, so positions
/// are only stable between refills; readers restart the current record after one.
public final class InputBuffer {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int
    /// First byte not yet consumed.
    var start = 0
    /// One past the last valid byte.
    var end = 0
    /// True once the source reported its end.
    private(set) var atEnd = false
    /// The largest capacity the buffer had, in bytes.
    private(set) var largestCapacity = 0
    private let source: ByteSource
    private let chunkSize: Int

    init(source: ByteSource, chunkSize: Int = 1 << 20) {
        self.source = source
        self.chunkSize = chunkSize
        capacity = chunkSize * 2
        base = .allocate(capacity: capacity)
        largestCapacity = capacity
    }

    deinit { base.deallocate() }

    /// Number of bytes buffered beyond `start`.
    var available: Int { end - start }

    /// Moves unconsumed bytes to the front and reads more; returns false at the end of input.
    @discardableResult
    func refill() throws -> Bool {
        if atEnd { return false }
        if start > 0 {
            if end > start { memmove(base, base + start, end - start) }
            end -= start
            start = 0
        }
        if capacity - end < chunkSize {
            let newCapacity = max(capacity * 2, end + chunkSize)
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
            grown.update(from: base, count: end)
            base.deallocate()
            base = grown
            capacity = newCapacity
            largestCapacity = max(largestCapacity, capacity)
        }
        let n = try source.read(into: base + end, count: capacity - end)
        if n == 0 {
            atEnd = true
            return false
        }
        end += n
        return true
    }

    /// Shrinks the buffer back after an unusually long record, so memory stays bounded.
    func shrinkIfLarge() {
        guard capacity > chunkSize * 8, end - start < chunkSize else { return }
        let count = end - start
        let smaller = UnsafeMutablePointer<UInt8>.allocate(capacity: chunkSize * 2)
        smaller.update(from: base + start, count: count)
        base.deallocate()
        base = smaller
        capacity = chunkSize * 2
        start = 0
        end = count
    }
}

@available(*, unavailable)
extension InputBuffer: Sendable {}
@available(*, unavailable)
extension FileInput: Sendable {}
