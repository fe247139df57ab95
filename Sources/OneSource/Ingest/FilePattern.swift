import Foundation

/// Resolves a dataset's `file` pattern (`公安局/户籍人口*.csv`) under a data root.
/// `*` and `?` match within one path component; matches are returned sorted, so runs are repeatable.
public enum FilePattern {
    public static func matches(_ pattern: String, under root: String) throws -> [String] {
        var candidates = [root]
        for component in pattern.split(separator: "/").map(String.init) {
            var next: [String] = []
            for folder in candidates {
                if component.contains("*") || component.contains("?") {
                    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
                    for name in names.sorted() where fnmatch(component, name, 0) == 0 && !name.hasPrefix(".") {
                        next.append((folder as NSString).appendingPathComponent(name))
                    }
                } else {
                    let path = (folder as NSString).appendingPathComponent(component)
                    if FileManager.default.fileExists(atPath: path) { next.append(path) }
                }
            }
            candidates = next
        }
        return candidates.filter { path in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
        }.sorted()
    }

    /// `path` relative to `root` when it lies under it.
    public static func relative(_ path: String, to root: String) -> String {
        let prefix = root.hasSuffix("/") ? root : root + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }
}
