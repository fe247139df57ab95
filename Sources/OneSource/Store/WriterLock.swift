import Foundation

/// One writer per store: an exclusive `flock` on `<store>.lock`, which also holds who has it. The kernel
/// releases the lock when the holder dies, so a lock file left by a killed process is recognised as stale
/// (the file is there, nobody holds the lock) and taken over.
public final class WriterLock {
    private let descriptor: Int32
    public let path: String
    /// What the lock file said when this process found it stale, if it did.
    public let clearedStale: String?

    /// Takes the lock for the store at `storePath`.
    /// - Throws: `WriterLockError.busy` naming the holder when another process writes to the store.
    public init(storePath: String, purpose: String) throws {
        path = storePath + ".lock"
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty && !FileManager.default.fileExists(atPath: folder) {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw WriterLockError.cannotOpen(path: path, reason: "cannot create its folder: \((error as NSError).localizedDescription)")
            }
        }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw WriterLockError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        let previous = WriterLock.contents(fd)
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            close(fd)
            throw WriterLockError.busy(path: path, holder: previous.isEmpty ? "another process" : previous)
        }
        descriptor = fd
        clearedStale = previous.isEmpty ? nil : previous
        let holder = "pid \(getpid()) on \(Clock.hostName()) by \(Clock.userName()) since \(Clock.now()): \(purpose)"
        ftruncate(fd, 0)
        _ = holder.withCString { pwrite(fd, $0, strlen($0), 0) }
        fsync(fd)
    }

    /// Records what the holder is doing now (e.g. which run), for a second process's refusal message.
    public func update(_ purpose: String) {
        let holder = "pid \(getpid()) on \(Clock.hostName()) by \(Clock.userName()) since \(Clock.now()): \(purpose)"
        ftruncate(descriptor, 0)
        _ = holder.withCString { pwrite(descriptor, $0, strlen($0), 0) }
    }

    deinit {
        ftruncate(descriptor, 0)
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    private static func contents(_ fd: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 1024)
        let n = pread(fd, &buffer, buffer.count, 0)
        return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : ""
    }
}

@available(*, unavailable)
extension WriterLock: Sendable {}

public enum WriterLockError: Error, CustomStringConvertible {
    case busy(path: String, holder: String)
    case cannotOpen(path: String, reason: String)

    public var description: String {
        switch self {
        case .busy(let path, let holder): return "the store is being written by \(holder) (lock \(path)); try again when it has finished"
        case .cannotOpen(let path, let reason):
            return "cannot write the store's lock file \(path): \(reason); this command writes the store (read commands such as "
                + "`onesource runs` and `onesource summary` work on a store that can only be read)"
        }
    }
}
