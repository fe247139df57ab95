import Foundation

/// One thing `onesource check` found, located by file and (for JSON files) JSON path.
public struct CheckFinding: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Comparable {
        /// The configuration is wrong: the run would fail or do the wrong thing (exit 2; `run` refuses to start).
        case problem
        /// Tonight's delivery is incomplete (a file missing, a header without a mapped column): the run goes ahead and
        /// raises it against the agency, as it would anyway (exit 3).
        case delivery
        /// Worth knowing, changes nothing (a provisional calendar year).
        case notice

        private var order: Int { self == .problem ? 0 : self == .delivery ? 1 : 2 }
        public static func < (lhs: Kind, rhs: Kind) -> Bool { lhs.order < rhs.order }
    }

    public let kind: Kind
    public let file: String
    /// JSONPath-style location in `file`, when it is a JSON file.
    public let path: String?
    public let message: String

    public init(_ kind: Kind, file: String, path: String? = nil, _ message: String) {
        self.kind = kind
        self.file = file
        self.path = path
        self.message = message
    }

    public var description: String {
        let label = kind == .problem ? "problem" : kind == .delivery ? "delivery" : "notice"
        return "\(label): \(file)" + (path.map { ": \($0)" } ?? "") + ": \(message)"
    }
}

/// What a stage's check is given: the loaded definition and catalog, the day the run would judge as, and the store.
public struct CheckContext: Sendable {
    public let pipeline: PipelineDefinition
    public let catalog: Catalog
    public let datasets: [Dataset]
    public let asOf: CivilDate
    /// The store the run would write (its reports go beside it unless the pipeline names a folder).
    public let storePath: String
}

/// Checks a pipeline before a night (`onesource check`, and `onesource run` before it touches the store): the
/// definition, the catalog, then what each of its stages needs (each stage says, `Stage.check`). Nothing is written.
public enum PipelineCheck {
    public struct Report: Sendable {
        public let pipeline: PipelineDefinition?
        public let findings: [CheckFinding]

        public var problems: [CheckFinding] { findings.filter { $0.kind == .problem } }
        public var deliveries: [CheckFinding] { findings.filter { $0.kind == .delivery } }
    }

    /// Checks the definition at `path`; `dataRoot` replaces its data folder (`run --data`).
    public static func run(path: String, dataRoot: String? = nil, asOf: CivilDate, storePath: String) -> Report {
        let pipeline: PipelineDefinition
        do {
            pipeline = try PipelineDefinition.load(path: path)
        } catch let error as PipelineError {
            if case .invalidDefinition(let file, let message) = error {
                let (jsonPath, text) = splitPath(message)
                return Report(pipeline: nil, findings: [CheckFinding(.problem, file: file, path: jsonPath, text)])
            }
            return Report(pipeline: nil, findings: [CheckFinding(.problem, file: path, "\(error)")])
        } catch {
            return Report(pipeline: nil, findings: [CheckFinding(.problem, file: path, "\(error)")])
        }
        var definition = pipeline
        if let dataRoot {
            do { definition = try pipeline.reading(from: dataRoot) } catch {
                return Report(pipeline: pipeline, findings: [CheckFinding(.problem, file: path, "\(error)")])
            }
        }
        return run(definition, asOf: asOf, storePath: storePath)
    }

    /// Checks a loaded definition.
    public static func run(_ pipeline: PipelineDefinition, asOf: CivilDate, storePath: String) -> Report {
        var findings: [CheckFinding] = []
        let known = Stages.all.map(\.name)
        var stages: [any Stage] = []
        for (index, name) in pipeline.stages.enumerated() {
            if let stage = Stages.byName[Stages.aliases[name] ?? name] {
                stages.append(stage)
            } else {
                let hint = Similarity.suggestion(for: name, among: known).map { "did you mean \"\($0)\"? " } ?? ""
                findings.append(CheckFinding(.problem, file: pipeline.path, path: "$.stages[\(index)]",
                                             "unknown stage \"\(name)\" (\(hint)known: \(known.joined(separator: ", ")))"))
            }
        }
        let catalog: Catalog
        do {
            catalog = try Catalog.load(directory: pipeline.catalogDirectory)
        } catch let error as CatalogError {
            findings += error.problems.map { problem in
                let file = problem.file.hasPrefix("/") ? problem.file : (pipeline.catalogDirectory as NSString).appendingPathComponent(problem.file)
                return CheckFinding(.problem, file: file, path: problem.path, problem.message)
            }
            return Report(pipeline: pipeline, findings: findings)
        } catch {
            findings.append(CheckFinding(.problem, file: pipeline.path, path: "$.catalog", "\(error)"))
            return Report(pipeline: pipeline, findings: findings)
        }
        var datasets = catalog.datasets
        if let selected = pipeline.datasets {
            let ids = catalog.datasets.map(\.id)
            for (index, id) in selected.enumerated() where catalog.dataset(id) == nil {
                findings.append(CheckFinding(.problem, file: pipeline.path, path: "$.datasets[\(index)]",
                                             "no dataset \"\(id)\" in the catalog" + Similarity.hint(for: id, among: ids, quoted: true)))
            }
            datasets = catalog.datasets.filter { selected.contains($0.id) }
        }
        for warning in catalog.reviewWarnings(today: asOf) {
            findings.append(CheckFinding(.notice, file: (pipeline.catalogDirectory as NSString).appendingPathComponent(warning.file), path: warning.path,
                                         warning.message))
        }
        let context = CheckContext(pipeline: pipeline, catalog: catalog, datasets: datasets, asOf: asOf, storePath: storePath)
        for stage in stages {
            for finding in stage.check(context) where !findings.contains(finding) { findings.append(finding) }
        }
        return Report(pipeline: pipeline, findings: findings)
    }

    /// `$.key: message` split into the path and the message.
    static func splitPath(_ message: String) -> (String?, String) {
        guard message.hasPrefix("$"), let colon = message.range(of: ": ") else { return (nil, message) }
        return (String(message[..<colon.lowerBound]), String(message[colon.upperBound...]))
    }

    /// Whether this user can create files in `folder`, or create the folder (its nearest existing ancestor is writable).
    public static func canWrite(into folder: String) -> Bool {
        var path = URL(fileURLWithPath: folder).standardizedFileURL
        let fm = FileManager.default
        while true {
            var isFolder: ObjCBool = false
            if fm.fileExists(atPath: path.path, isDirectory: &isFolder) {
                return isFolder.boolValue && access(path.path, W_OK | X_OK) == 0
            }
            if path.path == "/" { return false }
            path = path.deletingLastPathComponent()
        }
    }
}
