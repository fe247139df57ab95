import Foundation

/// Files that hold personal data (task exports with an agency's own record keys): written readable by their
/// owner only (0600), in folders only the owner can enter (0700), whatever the umask.
enum PrivateFile {
    /// Creates `folder` (and its parents) owner-only; an existing folder is made owner-only.
    /// `mode` 0o750 for reports: the owner's group (the data bureau's readers) may read, nobody else.
    static func makeFolder(_ folder: String, mode: mode_t = 0o700) throws {
        if !FileManager.default.fileExists(atPath: folder) {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: Int(mode)])
        }
        guard chmod(folder, mode) == 0 else { throw PrivateFileError(path: folder, reason: String(cString: strerror(errno))) }
    }

    /// Writes `bytes` to `path`, mode 0600 (an existing file is truncated and made 0600 first).
    /// `mode` 0o640 for reports (masked data only).
    static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o600) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode)
        guard fd >= 0 else { throw PrivateFileError(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        guard fchmod(fd, mode) == 0 else { throw PrivateFileError(path: path, reason: String(cString: strerror(errno))) }
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
