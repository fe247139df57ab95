import Foundation
import OneSource

/// Tells the person or the log what the run is doing, on standard error (standard output carries the summary).
/// On a terminal: a progress line per stage, rewritten in place (none with `--quiet`). Otherwise: one JSON object
/// per event, for log collectors, its time in Beijing with the offset. Messages name files, stages and counts,
/// never personal values.
final class ConsoleLog: RunLog {
    /// Whether standard error is a terminal (else a scheduler's log).
    static let toTerminal = isatty(STDERR_FILENO) == 1
    private let quiet: Bool
    private var lastProgress = Date.distantPast
    private var progressShown = false

    /// - Parameter quiet: on a terminal, say nothing but warnings (a scheduler's log keeps every event).
    init(quiet: Bool = false) { self.quiet = quiet }

    private func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }

    /// One JSON object on a line of standard error, with the time.
    static func writeJSON(_ fields: [String: Any]) {
        var object = fields
        object["time"] = Clock.now()
        if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) {
            FileHandle.standardError.write(Data((String(decoding: data, as: UTF8.self) + "\n").utf8))
        }
    }

    func info(_ message: String) {
        if ConsoleLog.toTerminal {
            if quiet && !message.hasPrefix("warning") { return }
            if progressShown { write("\r\u{1B}[K"); progressShown = false }
            write("onesource: \(message)\n")
        } else {
            ConsoleLog.writeJSON(["event": "info", "message": message])
        }
    }

    func progress(stage: String, item: String, records: Int, bytes: Int64?, totalBytes: Int64?, elapsed: Double) {
        if quiet && ConsoleLog.toTerminal { return }
        let now = Date()
        guard now.timeIntervalSince(lastProgress) >= (ConsoleLog.toTerminal ? 0.2 : 5) else { return }
        lastProgress = now
        let rate = elapsed > 0 ? Double(records) / elapsed : 0
        var share: Double?
        if let bytes, let totalBytes, totalBytes > 0 { share = Double(bytes) / Double(totalBytes) }
        if ConsoleLog.toTerminal {
            var line = "  \(stage) \(item): \(records) records, \(Int(rate)) records/s"
            if let share { line += String(format: ", %.0f%% of the file", share * 100) }
            line += String(format: ", %.1f s", elapsed)
            write("\r\u{1B}[K" + line)
            progressShown = true
        } else {
            var fields: [String: Any] = ["event": "progress", "stage": stage, "item": item, "records": records,
                                         "recordsPerSecond": Int(rate), "elapsedSeconds": (elapsed * 10).rounded() / 10]
            if let share { fields["shareOfBytes"] = (share * 1000).rounded() / 1000 }
            ConsoleLog.writeJSON(fields)
        }
    }
}
