import Foundation

/// Copies the write-ahead log back into the database file on a background thread while a run works.
///
/// By default SQLite checkpoints inside the commit of whichever transaction pushes the log past 1000 pages:
/// each stage's commit then also copied and synced its few hundred megabytes, on the run's critical path
/// (about 4 s of a 1M-person night). While a checkpointer runs, the writer's automatic checkpoint is off and a
/// second connection checkpoints (PASSIVE: it never blocks the writer) whenever the log has grown.
/// Crash safety is unchanged: committed transactions are in the log until copied, as before.
public final class Checkpointer: @unchecked Sendable {   // state is guarded by `condition`
    private let writer: Database
    private let condition = NSCondition()
    private var stopping = false
    private var finished = false
    /// Log size that triggers a checkpoint.
    private let threshold: Int64

    /// Starts checkpointing the database `writer` is connected to; call `stop()` when the work is done.
    public init(writer: Database, thresholdBytes: Int64 = 64 << 20) throws {
        self.writer = writer
        self.threshold = thresholdBytes
        guard writer.path != ":memory:" else { finished = true; return }
        try writer.execute("PRAGMA wal_autocheckpoint=0")
        let path = writer.path
        // Yielding (nice 10): copying the log waits for a free core instead of taking turns with the stages' own work
        // (associate's parallel passes used to share both cores with it for about 0.7 s of processor time at 1M persons).
        Background.run(yielding: true) { [self] in
            self.loop(path: path)
        }
    }

    private func loop(path: String) {
        let database = try? Database(path: path)
        let walPath = path + "-wal"
        condition.lock()
        while !stopping {
            condition.unlock()
            let size = (try? FileManager.default.attributesOfItem(atPath: walPath)[.size] as? NSNumber)?.int64Value ?? 0
            if size >= threshold, let database {
                // Busy or locked is fine: the next round tries again, and the writer's close checkpoints the rest.
                _ = try? database.execute("PRAGMA wal_checkpoint(PASSIVE)")
            }
            condition.lock()
            if !stopping { _ = condition.wait(until: Date().addingTimeInterval(0.25)) }
        }
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Stops the background thread and gives the writer its automatic checkpoint back.
    public func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
        if writer.path != ":memory:" { try? writer.execute("PRAGMA wal_autocheckpoint=1000") }
    }
}
