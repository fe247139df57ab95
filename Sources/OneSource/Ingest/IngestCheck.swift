import Foundation

extension IngestStage {
    /// Before a night: the data folder exists; each dataset has a file matching its pattern; each file's header (for
    /// CSV) or first record reads, with every mapped column. Reads no further than the first record of a file.
    public func check(_ context: CheckContext) -> [CheckFinding] {
        let root = context.pipeline.dataRoot
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isFolder), isFolder.boolValue else {
            return [CheckFinding(.problem, file: context.pipeline.path, path: "$.dataRoot", "data folder \(root) not found")]
        }
        var findings: [CheckFinding] = []
        for dataset in context.datasets {
            let files: [String]
            do {
                files = try FilePattern.matches(dataset.file, under: root)
            } catch {
                findings.append(CheckFinding(.problem, file: "\(context.pipeline.catalogDirectory)/datasets", path: "\(dataset.id).file", "\(error)"))
                continue
            }
            if files.isEmpty {
                findings.append(CheckFinding(.delivery, file: (root as NSString).appendingPathComponent(dataset.file),
                                             "no file of \(dataset.id) (\(context.catalog.agency(dataset.agency)?.name ?? dataset.agency)) matches \(dataset.file) under \(root)"))
            }
            for file in files {
                if let problem = IngestStage.firstRecordProblem(dataset, path: file) {
                    findings.append(CheckFinding(.delivery, file: file, "dataset \(dataset.id): \(problem)"))
                }
            }
        }
        return findings
    }

    private struct Stop: Error {}

    private final class FirstRecord: RecordSink {
        func accept(_ record: RecordFields) throws { throw Stop() }
        func reject(_ rejection: Rejection) throws { throw Stop() }
        func note(_ note: Rejection) throws { throw Stop() }
    }

    /// Why `path` cannot be read as `dataset`'s export, judged on its header and first record; nil when it reads.
    static func firstRecordProblem(_ dataset: Dataset, path: String) -> String? {
        do {
            // Its first megabytes are read ahead; hashing and counting them would be work the night does again.
            let (input, _) = try RecordReaders.open(dataset, path: path, whole: false)
            _ = try RecordReaders.make(for: dataset, input: input, displayPath: path, decodedCounter: nil).read(into: FirstRecord())
            return nil
        } catch is Stop {
            return nil
        } catch {
            // The file is named on the line already: keep the line number and the reason.
            var text = "\(error)"
            if text.hasPrefix(path + ":") {
                text.removeFirst(path.count + 1)
                if let colon = text.firstIndex(of: ":"), let line = Int(text[..<colon]) { text = "line \(line)" + text[colon...] }
            }
            return text
        }
    }
}
