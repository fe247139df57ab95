/// Reads one export with its dataset's reader without touching the store: how an engineer checks a
/// delivery before a run, and how the benchmark measures a reader alone.
public struct FileInspection: Sendable {
    public let path: String
    public let sizeBytes: Int64
    public let sha256: String
    public let summary: ReadSummary
    /// The first rejections (at most `limit`).
    public let rejections: [Rejection]

    private final class CountingSink: RecordSink {
        let limit: Int
        var rejections: [Rejection] = []
        var valueBytes = 0
        init(limit: Int) { self.limit = limit }
        func accept(_ record: RecordFields) throws {
            // Touch every value so the work of handing them on is measured too.
            for slot in 0..<record.count { valueBytes &+= record[slot]?.count ?? 0 }
        }
        func reject(_ rejection: Rejection) throws {
            if rejections.count < limit { rejections.append(rejection) }
        }
    }

    /// Reads `path` as an export of `dataset`.
    /// - Throws: `IngestError` when the file as a whole cannot be read.
    public static func inspect(_ dataset: Dataset, path: String, limit: Int = 20) throws -> FileInspection {
        let (input, counter) = try RecordReaders.open(dataset, path: path)
        let sink = CountingSink(limit: limit)
        let summary = try RecordReaders.read(dataset, input: input, counter: counter, displayPath: path, into: sink)
        return FileInspection(path: path, sizeBytes: input.size, sha256: try input.sha256(), summary: summary,
                              rejections: sink.rejections)
    }
}
