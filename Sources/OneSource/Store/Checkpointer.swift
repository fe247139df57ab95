import Foundation

/// Copies the write-ahead log back into the database file on a background thread while a run works.
///
/// By default SQLite checkpoints inside the commit of whichever transaction pushes the log past 1000 pages:
/// each stage's commit then also copied and synced its few hundred megabytes, on the run's critical path
/// (about 4 s of a 1M-person night). While a checkpointer runs, the writer's automatic checkpoint is off and a
/// second connection checkpoints (PASSIVE: it never blocks the writer) whenever the log has grown.
/// Crash safety is unchanged: committed transactions are in the log until copied, as before.
public final class Checkpointer {
    private let writer: Database
    private let state = State()

    /// What the background thread shares with `stop()`. The thread holds only this, never the checkpointer or its
    /// writer: had it held the writer, a thread still unwinding after `stop()` could drop the writer's last reference
    /// after the command had returned, and the process exit before the writer's close had checkpointed the log and
    /// removed it and its index (a run then left `-wal` and `-shm` behind now and then).
    private final class State: @unchecked Sendable {   // every `var` is guarded by `condition`
        let condition = NSCondition()
        var stopping = false
        var finished = false
        /// Asked to close its connection while `paused(_:)` runs its body, and whether it has (set by the thread alone: true only
        /// while it holds no connection).
        var paused = false
        var closed = false
    }

    /// Starts checkpointing the database `writer` is connected to; call `stop()` when the work is done.
    public init(writer: Database, thresholdBytes: Int64 = 64 << 20) throws {
        self.writer = writer
        guard writer.path != ":memory:" else { state.finished = true; return }
        try writer.execute("PRAGMA wal_autocheckpoint=0")
        let path = writer.path, state = self.state
        // Yielding (nice 10): copying the log waits for a free core instead of taking turns with the stages' own work
        // (associate's parallel passes used to share both cores with it for about 0.7 s of processor time at 1M persons).
        Background.run(yielding: true) {
            Checkpointer.loop(path: path, threshold: thresholdBytes, state: state)
        }
    }

    /// Checkpoints whenever the log has reached `threshold` bytes, until stopped.
    private static func loop(path: String, threshold: Int64, state: State) {
        // Closed before `finished` is set, for the same reason: the writer's close must be the last.
        var database: Database?
        let walPath = path + "-wal"
        let condition = state.condition
        condition.lock()
        while !state.stopping {
            if state.paused {
                // Closed while paused: an open connection would keep the writer from leaving the log.
                if database != nil {
                    condition.unlock()
                    database = nil
                    condition.lock()
                }
                state.closed = true
                condition.broadcast()
                condition.wait()
                continue
            }
            state.closed = false
            condition.unlock()
            if database == nil { database = try? Database(path: path) }
            let size = (try? FileManager.default.attributesOfItem(atPath: walPath)[.size] as? NSNumber)?.int64Value ?? 0
            if size >= threshold, let database {
                // Busy or locked is fine: the next round tries again, and the writer's close checkpoints the rest.
                _ = try? database.execute("PRAGMA wal_checkpoint(PASSIVE)")
            }
            condition.lock()
            if !state.stopping && !state.paused { _ = condition.wait(until: Date().addingTimeInterval(0.25)) }
        }
        database = nil
        state.finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Runs `body` with the background connection closed (for `Database.withRollbackJournal`, which needs the writer to
    /// be the only connection), then lets the thread go on.
    public func paused<R>(_ body: () throws -> R) rethrows -> R {
        let condition = state.condition
        condition.lock()
        state.paused = true
        condition.broadcast()
        while !state.closed && !state.finished { condition.wait() }
        condition.unlock()
        defer {
            condition.lock()
            state.paused = false
            condition.broadcast()
            condition.unlock()
        }
        return try body()
    }

    /// Stops the background thread and gives the writer its automatic checkpoint back.
    public func stop() {
        let condition = state.condition
        condition.lock()
        state.stopping = true
        condition.broadcast()
        while !state.finished { condition.wait() }
        condition.unlock()
        if writer.path != ":memory:" { try? writer.execute("PRAGMA wal_autocheckpoint=1000") }
    }
}
