/// What a run did, read back from the ledger: the text the CLI prints after a run.
public struct RunSummary: Sendable {
    public struct FileLine: Sendable, Equatable {
        public let dataset: String
        public let path: String
        public let status: String
        public let read: Int
        public let staged: Int
        public let rejected: Int
        public let blankLines: Int
        public let note: String?
        /// Records the independent count of the file's bytes found that the reader did not account for.
        public let unaccounted: Int
    }

    public struct RejectionLine: Sendable, Equatable {
        public let path: String
        public let line: Int?
        public let recordIndex: Int?
        public let field: String?
        public let reason: String
    }

    /// Findings of one dataset by severity.
    public struct FindingLine: Sendable, Equatable {
        public let dataset: String
        public let errors: Int
        public let warnings: Int
        public let notices: Int
    }

    public let run: RunLedger.Run
    public let findings: [FindingLine]
    public let stages: [RunLedger.StageRecord]
    public let files: [FileLine]
    public let rejections: [RejectionLine]
    public let totalRejections: Int
    /// Records quarantined by the load stage (nil when it has not run).
    public let quarantined: Int?
    /// Early warnings of the report stage (`quality_slip`): "dataset: message", counts and ratios only.
    public var earlyWarnings: [String] = []

    public var totalRead: Int { files.reduce(0) { $0 + $1.read } }
    public var totalStaged: Int { files.reduce(0) { $0 + $1.staged } }
    public var totalRejected: Int { files.reduce(0) { $0 + $1.rejected } }
    /// Read = staged + rejected, the rejection table holds exactly the rejected rows, and every file's rows read
    /// match the records an independent count of its bytes found.
    public var reconciles: Bool {
        totalRead == totalStaged + totalRejected && totalRejections == totalRejected && files.allSatisfy { $0.unaccounted == 0 }
    }

    /// Reads the summary of `runID`, with at most `rejectionLimit` rejections listed.
    public static func load(_ database: Database, run runID: Int64, rejectionLimit: Int = 20) throws -> RunSummary {
        let ledger = RunLedger(database: database)
        let run = try ledger.run(runID)
        let files = try RunFileTable(database: database).files(run: runID, byPath: true).map {
            FileLine(dataset: $0.dataset, path: $0.path, status: $0.status.rawValue, read: $0.read, staged: $0.staged, rejected: $0.rejected,
                     blankLines: $0.blankLines, note: $0.note, unaccounted: $0.unaccounted)
        }
        let rejectionTable = RejectionTable(database: database)
        let rejections = try rejectionTable.rows(run: runID, byPath: true, limit: rejectionLimit).map {
            RejectionLine(path: $0.path, line: $0.line, recordIndex: $0.recordIndex, field: $0.field, reason: $0.reason)
        }
        let count = try rejectionTable.count(run: runID)
        let findings = try FindingTable(database: database).countsByDataset(run: runID).map {
            FindingLine(dataset: $0.dataset, errors: $0.errors, warnings: $0.warnings, notices: $0.notices)
        }
        let stages = try ledger.stages(of: runID)
        var quarantined: Int?
        // Load commits base by base and the quarantine with its last base: the count is complete once the stage is done.
        if stages.contains(where: { $0.stage == "load" && $0.status.isDone }) {
            quarantined = try QuarantineTable(database: database).count(run: runID)
        }
        var summary = RunSummary(run: run, findings: findings, stages: stages, files: files, rejections: rejections,
                                 totalRejections: Int(count), quarantined: quarantined)
        summary.earlyWarnings = try FindingTable(database: database)
            .list(run: runID, dataset: nil, rule: BuiltInRule.qualitySlip.rawValue, severity: nil, limit: 100).findings
            .map { "\($0.dataset): \($0.message)" }
        return summary
    }

    /// The exit code the run's status gives and why, in a few words: what a scheduler's operator reads first.
    public var exitReason: String {
        switch run.status {
        case .done: return "exit 0: no defects"
        case .running: return "exit 1: still running (or stopped without finishing; `onesource run --resume \(run.id)`)"
        case .failed:
            let failed = stages.first { $0.status == .failed }
            return "exit 1: stage \(failed?.stage ?? "?") failed" + (failed?.message.map { " (\($0.prefix(160)))" } ?? "")
        case .incomplete:
            return "exit 1: stages not run: \(stages.filter { !$0.status.isDone }.map(\.stage).joined(separator: ", "))"
        case .doneWithDefects:
            var reasons: [String] = []
            if totalRejected > 0 { reasons.append("\(totalRejected) row(s) rejected") }
            let missing = files.filter { $0.status == "missing" }.count, failed = files.filter { $0.status == "failed" }.count
            if missing > 0 { reasons.append("\(missing) delivery(ies) missing") }
            if failed > 0 { reasons.append("\(failed) file(s) unreadable") }
            let unaccounted = files.filter { $0.unaccounted != 0 }.count
            if unaccounted > 0 { reasons.append("\(unaccounted) file(s) with unaccounted records") }
            let errors = findings.reduce(0) { $0 + $1.errors }
            if errors > 0 { reasons.append("\(errors) error finding(s)") }
            if let quarantined, quarantined > 0 { reasons.append("\(quarantined) record(s) quarantined") }
            return "exit 3: " + (reasons.isEmpty ? "defects found (see the stages)" : reasons.joined(separator: ", "))
        }
    }

    /// The summary as plain text for a terminal or a log file. It names files, lines and fields, never values.
    public func render() -> String {
        var out = "Run \(run.id) · pipeline \(run.pipeline) · \(run.status.rawValue) · \(exitReason)\n"
        out += "  started \(run.startedAt)" + (run.finishedAt.map { ", finished \($0)" } ?? "") + " by \(run.user)@\(run.host)\n"
        if !earlyWarnings.isEmpty {
            out += "Early warnings (预警, against each indicator's own history):\n" + earlyWarnings.map { "  \($0)\n" }.joined()
        }
        out += "Stages:\n"
        for stage in stages {
            out += "  \(stage.stage.padding(toLength: 12, withPad: " ", startingAt: 0)) \(stage.status.rawValue)"
            if let message = stage.message { out += " — \(message)" }
            out += "\n"
        }
        if !files.isEmpty {
            out += "Files:\n"
            let header = ["dataset", "file", "status", "read", "staged", "rejected"]
            var rows = files.map { [$0.dataset, $0.path, $0.status, String($0.read), String($0.staged), String($0.rejected)] }
            rows.append(["total", "", "", String(totalRead), String(totalStaged), String(totalRejected)])
            out += TextTable.render(header: header, rows: rows, rightAligned: [3, 4, 5], indent: "  ")
            for file in files {
                if file.blankLines > 0 { out += "  \(file.path): \(file.blankLines) blank line(s) between rows, not counted as rows\n" }
                if let note = file.note { out += "  \(file.path): \(note)\n" }
            }
            let check = reconciles ? "reconciles" : "DOES NOT RECONCILE"
            out += "Rows: read \(totalRead) = staged \(totalStaged) + rejected \(totalRejected) (\(check))\n"
            for file in files where file.unaccounted != 0 {
                out += "  unaccounted \(file.unaccounted) in \(file.path): an independent count of the file's records disagrees with the rows read\n"
            }
            if let quarantined {
                out += "Records: read \(totalRead) = loaded \(totalStaged - quarantined) + quarantined \(quarantined) + rejected \(totalRejected)\n"
            }
        }
        if !findings.isEmpty {
            out += "Findings (onesource findings --run \(run.id) lists them):\n"
            var rows = findings.map { [$0.dataset, String($0.errors), String($0.warnings), String($0.notices)] }
            rows.append(["total", String(findings.reduce(0) { $0 + $1.errors }), String(findings.reduce(0) { $0 + $1.warnings }),
                         String(findings.reduce(0) { $0 + $1.notices })])
            out += TextTable.render(header: ["dataset", "errors", "warnings", "notices"], rows: rows, rightAligned: [1, 2, 3], indent: "  ")
        }
        if !rejections.isEmpty {
            out += "Rejected rows" + (totalRejections > rejections.count ? " (first \(rejections.count) of \(totalRejections))" : "") + ":\n"
            for rejection in rejections {
                var location = rejection.path
                if let line = rejection.line { location += ":\(line)" } else if let index = rejection.recordIndex { location += " record \(index)" }
                out += "  \(location): " + (rejection.field.map { "[\($0)] " } ?? "") + rejection.reason + "\n"
            }
        }
        return out
    }
}
