/// How alike two names are, for "did you mean" in messages.
public enum Similarity {
    /// The edit distance between `a` and `b`: insertions, deletions, substitutions and transpositions of two
    /// neighbouring characters ("rnu" is one edit from "run"), each counting one (optimal string alignment).
    public static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var best = min(table[i - 1][j] + 1, table[i][j - 1] + 1)
                best = min(best, table[i - 1][j - 1] + cost)
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] { best = min(best, table[i - 2][j - 2] + 1) }
                table[i][j] = best
            }
        }
        return table[a.count][b.count]
    }

    /// " (did you mean X?)" for the closest candidate (the name in quotes when `quoted`), or "" when none is close.
    public static func hint(for name: String, among candidates: [String], quoted: Bool = false) -> String {
        suggestion(for: name, among: candidates).map { quoted ? " (did you mean \"\($0)\"?)" : " (did you mean \($0)?)" } ?? ""
    }

    /// The candidate closest to `name`, when it is close enough to be what was meant: a third of the name may
    /// differ (at least one edit), never the whole of it.
    public static func suggestion(for name: String, among candidates: [String]) -> String? {
        let limit = max(1, name.count / 3)
        var best: (name: String, distance: Int)?
        for candidate in candidates.sorted() {
            let d = distance(candidate, name)
            if d <= limit && d < name.count && d < (best?.distance ?? Int.max) { best = (candidate, d) }
        }
        return best?.name
    }
}
