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
        let rejections = try database.rows("""
            SELECT f.path, r.line, r.record_index, r.field, r.reason
            FROM rejections r JOIN run_files f USING (file_id)
            WHERE r.run_id = ? ORDER BY f.dataset_id, f.path, r.record_index, r.line LIMIT ?
            """, [.integer(runID), .int(rejectionLimit)]).map {
            RejectionLine(path: $0[0].text ?? "", line: $0[1].integer.map(Int.init), recordIndex: $0[2].integer.map(Int.init),
                          field: $0[3].text, reason: $0[4].text ?? "")
        }
        let count = try database.queryScalarInt("SELECT count(*) FROM rejections WHERE run_id = ?", [.integer(runID)]) ?? 0
        let findings = try database.rows("""
            SELECT dataset_id, sum(severity = 'error'), sum(severity = 'warning'), sum(severity = 'notice')
            FROM findings WHERE run_id = ? GROUP BY dataset_id ORDER BY dataset_id
            """, [.integer(runID)]).map {
            FindingLine(dataset: $0[0].text ?? "", errors: Int($0[1].integer ?? 0), warnings: Int($0[2].integer ?? 0),
                        notices: Int($0[3].integer ?? 0))
        }
        let stages = try ledger.stages(of: runID)
        var quarantined: Int?
        if stages.contains(where: { $0.stage == LoadStage().name && $0.status.isDone }) {
            quarantined = Int(try database.queryScalarInt("SELECT count(*) FROM quarantine WHERE run_id = ?", [.integer(runID)]) ?? 0)
        }
        return RunSummary(run: run, findings: findings, stages: stages, files: files, rejections: rejections,
                          totalRejections: Int(count), quarantined: quarantined)
    }

    /// The summary as plain text for a terminal or a log file. It names files, lines and fields, never values.
    public func render() -> String {
        var out = "Run \(run.id) · pipeline \(run.pipeline) · \(run.status.rawValue)\n"
        out += "  started \(run.startedAt)" + (run.finishedAt.map { ", finished \($0)" } ?? "") + " by \(run.user)@\(run.host)\n"
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
