import Foundation

/// A pipeline definition (`Pipelines/nightly.json`): which catalog, which data, which stages in order.
public struct PipelineDefinition: Sendable, Equatable {
    /// The name recorded with each run.
    public let name: String
    /// Absolute path of the definition file.
    public let path: String
    /// Absolute path of the catalog directory.
    public let catalogDirectory: String
    /// Absolute path of the folder the datasets' `file` patterns are relative to.
    public let dataRoot: String
    /// Stage names, in order.
    public let stages: [String]
    /// The datasets this pipeline covers (nil: every dataset in the catalog).
    public let datasets: [String]?
    /// Absolute path of the GB/T 2260 division table.
    public let divisionTable: String
    /// Absolute path of the working-day calendar folder.
    public let calendarDirectory: String
    /// Absolute path of the folder the report stage writes into, when the definition names one (nil: a `reports`
    /// folder beside the store, so that two stores never share their reports).
    public let reportsDirectory: String?
    /// Findings at or above this severity become rectification tasks.
    public let taskThreshold: Severity
    /// Working days an agency has to rectify (measures art. 12: 7), per rule where the definition says so.
    public let dueWorkingDays: Int
    public let ruleDueWorkingDays: [String: Int]
    /// How long delivered copies of records are kept (nil: for ever), applied at the end of each run.
    public let retention: RetentionPolicy?
    /// Where each run's message goes (nil: nowhere; the exit code and the log say it all).
    public let notify: NotifyPolicy?
    /// The definition's JSON text, stored with every run.
    public let text: String

    /// Loads a definition; relative paths in it are relative to the file's own folder.
    /// - Throws: `PipelineError.invalidDefinition` naming the file and the property at fault.
    public static func load(path: String) throws -> PipelineDefinition {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        guard let data = FileManager.default.contents(atPath: absolute) else {
            throw PipelineError.invalidDefinition(path: path, message: "file not found")
        }
        return try parse(data: data, path: absolute)
    }

    /// Parses a definition's text as if it were stored at `path`.
    public static func parse(data: Data, path: String) throws -> PipelineDefinition {
        let object: [String: Any]
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw PipelineError.invalidDefinition(path: path, message: "$: must be a JSON object")
            }
            object = parsed
        } catch let error as PipelineError {
            throw error
        } catch {
            throw PipelineError.invalidDefinition(path: path, message: "$: not valid JSON: \(error.localizedDescription)")
        }
        let allowed: Set<String> = ["name", "catalog", "dataRoot", "stages", "datasets", "divisions", "calendar", "tasks", "reports", "retention", "notify", "description"]
        for key in object.keys.sorted() where !allowed.contains(key) {
            throw PipelineError.invalidDefinition(path: path, message: "$.\(key): unknown property" + Similarity.hint(for: key, among: allowed.sorted(), quoted: true))
        }
        func string(_ key: String) throws -> String {
            guard let value = object[key] as? String, !value.isEmpty else {
                throw PipelineError.invalidDefinition(path: path, message: "$.\(key): required, a non-empty string")
            }
            return value
        }
        guard let stages = object["stages"] as? [String], !stages.isEmpty else {
            throw PipelineError.invalidDefinition(path: path, message: "$.stages: required, a non-empty array of stage names")
        }
        var datasets: [String]?
        if let value = object["datasets"] {
            guard let list = value as? [String], !list.isEmpty else {
                throw PipelineError.invalidDefinition(path: path, message: "$.datasets: an array of dataset ids, or leave it out for all")
            }
            datasets = list
        }
        var threshold = Severity.error
        var due = 7
        var ruleDue: [String: Int] = [:]
        if let tasks = object["tasks"] {
            guard let map = tasks as? [String: Any] else {
                throw PipelineError.invalidDefinition(path: path, message: "$.tasks: an object with minimumSeverity, dueWorkingDays, ruleDueWorkingDays")
            }
            for key in map.keys.sorted() where !["minimumSeverity", "dueWorkingDays", "ruleDueWorkingDays"].contains(key) {
                throw PipelineError.invalidDefinition(path: path, message: "$.tasks.\(key): unknown property")
            }
            if let text = map["minimumSeverity"] {
                guard let value = (text as? String).flatMap(Severity.init(rawValue:)) else {
                    throw PipelineError.invalidDefinition(path: path, message: "$.tasks.minimumSeverity: error, warning or notice")
                }
                threshold = value
            }
            if let days = map["dueWorkingDays"] {
                guard let value = wholeNumber(days), value > 0 else {
                    throw PipelineError.invalidDefinition(path: path, message: "$.tasks.dueWorkingDays: a positive whole number")
                }
                due = value
            }
            if let perRule = map["ruleDueWorkingDays"] {
                guard let value = perRule as? [String: Int], value.values.allSatisfy({ $0 > 0 }) else {
                    throw PipelineError.invalidDefinition(path: path, message: "$.tasks.ruleDueWorkingDays: rule id -> positive whole number")
                }
                ruleDue = value
            }
        }
        var retention: RetentionPolicy?
        if let value = object["retention"] {
            guard let map = value as? [String: Any] else {
                throw PipelineError.invalidDefinition(path: path, message: "$.retention: an object like {\"keepRuns\": 7}")
            }
            for key in map.keys.sorted() where key != "keepRuns" {
                throw PipelineError.invalidDefinition(path: path, message: "$.retention.\(key): unknown property (known: keepRuns)")
            }
            guard let keep = wholeNumber(map["keepRuns"]), keep >= 1 else {
                throw PipelineError.invalidDefinition(path: path, message: "$.retention.keepRuns: required, a whole number of runs from 1")
            }
            retention = RetentionPolicy(keepRuns: keep)
        }
        let notify = try object["notify"].map { try NotifyPolicy.parse($0, path: path) }
        for key in ["divisions", "calendar", "reports", "description"] where object[key] != nil && !(object[key] is String) {
            throw PipelineError.invalidDefinition(path: path, message: "$.\(key): a string")
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        func resolve(_ relative: String) -> String {
            URL(fileURLWithPath: relative, relativeTo: folder).standardizedFileURL.path
        }
        return PipelineDefinition(name: try string("name"), path: path,
                                  catalogDirectory: resolve(try string("catalog")),
                                  dataRoot: resolve(try string("dataRoot")), stages: stages, datasets: datasets,
                                  divisionTable: resolve(object["divisions"] as? String ?? "divisions/gbt2260.tsv"),
                                  calendarDirectory: resolve(object["calendar"] as? String ?? "calendar"),
                                  reportsDirectory: (object["reports"] as? String).map(resolve),
                                  taskThreshold: threshold, dueWorkingDays: due, ruleDueWorkingDays: ruleDue, retention: retention,
                                  notify: notify, text: String(decoding: data, as: UTF8.self))
    }
}

extension PipelineDefinition {
    /// The folder the reports of runs in the store at `storePath` go to: the definition's `reports`, else a `reports`
    /// folder beside the store.
    public func reportsFolder(store storePath: String) -> String {
        if let reportsDirectory { return reportsDirectory }
        let store = URL(fileURLWithPath: storePath == ":memory:" ? "onesource.sqlite" : storePath).standardizedFileURL
        return store.deletingLastPathComponent().appendingPathComponent("reports").path
    }

    /// The top-level properties whose values differ between this definition's text and `other`'s, sorted.
    public func differences(from other: PipelineDefinition) -> [String] {
        func object(_ text: String) -> [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
        }
        let mine = object(text), theirs = object(other.text)
        return Set(mine.keys).union(theirs.keys).filter { key in
            switch (mine[key], theirs[key]) {
            case let (a?, b?): return !NSDictionary(dictionary: ["v": a]).isEqual(to: ["v": b])
            default: return true
            }
        }.sorted()
    }

    /// What `run --resume` should say about the definition it uses: the one stored with the run, and whether the file
    /// it came from now says something else.
    public func resumeNotice(run runID: Int64) -> String {
        let start = "run \(runID) resumes with the pipeline definition stored when it started (\(path))"
        guard FileManager.default.fileExists(atPath: path) else { return start + "; that file is gone" }
        guard let current = try? PipelineDefinition.load(path: path) else { return start + "; that file now cannot be read as a definition" }
        let changed = current.differences(from: self)
        return changed.isEmpty ? start + "; the file says the same"
            : start + "; the file now differs in \(changed.joined(separator: ", ")) (not used: start a new run to use it)"
    }

    /// The same definition reading its exports from `folder` (`run --data`): the stored definition names the
    /// folder, so a resumed or re-run stage reads the same files.
    public func reading(from folder: String) throws -> PipelineDefinition {
        guard var object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw PipelineError.invalidDefinition(path: path, message: "$: must be a JSON object")
        }
        object["dataRoot"] = URL(fileURLWithPath: folder).standardizedFileURL.path
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return try PipelineDefinition.parse(data: data, path: path)
    }

    /// The catalog's datasets this pipeline covers, in catalog order.
    /// - Throws: `PipelineError.invalidDefinition` naming a dataset id the catalog does not have.
    public func selectedDatasets(in catalog: Catalog) throws -> [Dataset] {
        guard let datasets else { return catalog.datasets }
        for (index, id) in datasets.enumerated() where catalog.dataset(id) == nil {
            throw PipelineError.invalidDefinition(path: path, message: "$.datasets[\(index)]: no dataset \"\(id)\" in the catalog")
        }
        return catalog.datasets.filter { datasets.contains($0.id) }
    }
}

/// Errors of pipelines and runs (as opposed to row-level defects, which are counted, not thrown).
public enum PipelineError: Error, CustomStringConvertible {
    case invalidDefinition(path: String, message: String)
    case unknownStage(String, known: [String])
    case stageNotInPipeline(stage: String, run: Int64, stages: [String])
    /// A stage could not do its work: why, and the error that stopped it when there was one.
    case stageFailed(stage: String, reason: String, cause: (any Error)?)
    case nothingToResume(run: Int64)
    case pruned(run: Int64, at: String)

    public var description: String {
        switch self {
        case .invalidDefinition(let path, let message): return "pipeline definition \(path): \(message)"
        case .unknownStage(let name, let known):
            return "unknown stage \"\(name)\" (known stages: \(known.joined(separator: ", ")))"
        case .stageNotInPipeline(let stage, let run, let stages):
            return "run \(run)'s pipeline has no stage \"\(stage)\" (it has: \(stages.joined(separator: ", ")))"
        case .stageFailed(let stage, let reason, let cause): return "stage \(stage) failed: \(reason)" + (cause.map { ": \($0)" } ?? "")
        case .pruned(let run, let at):
            return "run \(run)'s delivered records were pruned by the retention policy on \(at): its stages cannot run again "
                + "(its findings, tasks and the files' hashes are kept; see `onesource summary --run \(run)`)"
        case .nothingToResume(let run): return "run \(run) finished every stage; nothing to resume (use `onesource stage NAME --run \(run)` to re-run one)"
        }
    }
}
