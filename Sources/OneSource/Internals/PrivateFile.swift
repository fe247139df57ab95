import Foundation

/// Files that hold personal data (task exports with an agency's own record keys): written readable by their
/// owner only (0600), in folders only the owner can enter (0700), whatever the umask.
enum PrivateFile {
    /// Creates `folder` (and its parents) owner-only; an existing folder is made owner-only.
    static func makeFolder(_ folder: String) throws {
        if !FileManager.default.fileExists(atPath: folder) {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
        guard chmod(folder, 0o700) == 0 else { throw PrivateFileError(path: folder, reason: String(cString: strerror(errno))) }
    }

    /// Writes `bytes` to `path`, mode 0600 (an existing file is truncated and made 0600 first).
    static func write(_ bytes: [UInt8], to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw PrivateFileError(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        guard fchmod(fd, 0o600) == 0 else { throw PrivateFileError(path: path, reason: String(cString: strerror(errno))) }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBufferPointer { Glibc.write(fd, $0.baseAddress! + written, bytes.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                throw PrivateFileError(path: path, reason: String(cString: strerror(errno)))
            }
            written += n
        }
    }
}

/// A private file or folder could not be written.
public struct PrivateFileError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "cannot write \(path): \(reason)" }
}
