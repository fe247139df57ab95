import Foundation

/// Fault injection for the tests of crash safety and concurrency: with `ONESOURCE_FAILPOINT=STAGE:N` in the
/// environment, the process stops inside the stage's transaction once the stage has written N records, says so on
/// standard error (`onesource: failpoint STAGE:N reached`) and waits to be killed; with `STAGE:N:PATH` it waits
/// there until the file PATH exists, then goes on. A test acts on that line (an event), never on a time. Without the
/// variable (as in production) it does nothing.
enum Failpoint {
    private static let setting: (stage: String, records: Int, resumeWhen: String?)? = {
        guard let text = ProcessInfo.processInfo.environment["ONESOURCE_FAILPOINT"] else { return nil }
        let parts = text.split(separator: ":", maxSplits: 2)
        guard parts.count >= 2, let records = Int(parts[1]) else { return nil }
        return (String(parts[0]), records, parts.count == 3 ? String(parts[2]) : nil)
    }()
    nonisolated(unsafe) private static var reached = false

    /// Stops here when the failpoint names `stage` and `records` reached its count: for good, or until its file
    /// exists. Reached once per process.
    static func check(stage: String, records: Int) {
        guard let setting, !reached, setting.stage == stage, records >= setting.records else { return }
        reached = true
        FileHandle.standardError.write(Data("onesource: failpoint \(stage):\(setting.records) reached\n".utf8))
        guard let path = setting.resumeWhen else {
            while true { pause() }
        }
        while !FileManager.default.fileExists(atPath: path) { usleep(10_000) }
    }
}
