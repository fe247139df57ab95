import Foundation

/// Resolves a dataset's `file` pattern (`公安局/户籍人口*.csv`) under a data root.
/// `*` and `?` match within one path component; matches are returned sorted, so runs are repeatable.
/// A pattern stays inside the data root: relative, without `..` (`Dataset.filePatternProblem`, refused by `catalog check`
/// and here).
public enum FilePattern {
    /// The entries matching `pattern` under `root`, sorted: every entry that is not a folder (regular files, and
    /// also links, FIFOs and devices, which ingest reports as failed files rather than skipping in silence).
    /// - Throws: `IngestError.cannotOpen` when the pattern would leave the root.
    public static func matches(_ pattern: String, under root: String) throws -> [String] {
        if let problem = Dataset.filePatternProblem(pattern) { throw IngestError.cannotOpen(path: pattern, reason: problem) }
        var candidates = [root]
        let components = pattern.split(separator: "/").map(String.init)
        for (position, component) in components.enumerated() {
            let last = position == components.count - 1
            var next: [String] = []
            for folder in candidates {
                if component.contains("*") || component.contains("?") {
                    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
                    for name in names.sorted() where fnmatch(component, name, 0) == 0 && !name.hasPrefix(".") {
                        next.append((folder as NSString).appendingPathComponent(name))
                    }
                } else {
                    let path = (folder as NSString).appendingPathComponent(component)
                    if exists(path) { next.append(path) }
                }
            }
            // Folders lead on; the last component keeps what is not a folder.
            candidates = next.filter { last ? !isDirectory($0) : isDirectory($0) }
        }
        return candidates.sorted()
    }

    /// Whether `path` leaves `root` once links are resolved (a link pointing outside the data root).
    public static func leavesRoot(_ path: String, root: String) -> Bool {
        guard let resolved = realpath(path), let resolvedRoot = realpath(root) else { return false }
        return !(resolved + "/").hasPrefix(resolvedRoot.hasSuffix("/") ? resolvedRoot : resolvedRoot + "/")
    }

    private static func realpath(_ path: String) -> String? {
        guard let pointer = Glibc.realpath(path, nil) else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }

    /// The entry itself (a dangling link exists too).
    private static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    private static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// `path` relative to `root` when it lies under it.
    public static func relative(_ path: String, to root: String) -> String {
        let prefix = root.hasSuffix("/") ? root : root + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }
}
