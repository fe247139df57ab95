import Foundation

/// Fault injection for the tests of crash safety: with `ONESOURCE_FAILPOINT=STAGE:N` in the environment, the
/// process stops inside the stage's transaction once the stage has written N records, says so on standard error
/// (`onesource: failpoint STAGE:N reached`) and waits to be killed. A test then acts on that event, never on a
/// time. Without the variable (as in production) it does nothing.
enum Failpoint {
    private static let setting: (stage: String, records: Int)? = {
        guard let text = ProcessInfo.processInfo.environment["ONESOURCE_FAILPOINT"] else { return nil }
        let parts = text.split(separator: ":")
        guard parts.count == 2, let records = Int(parts[1]) else { return nil }
        return (String(parts[0]), records)
    }()

    /// Stops here for good when the failpoint names `stage` and `records` reached its count.
    static func check(stage: String, records: Int) {
        guard let setting, setting.stage == stage, records >= setting.records else { return }
        FileHandle.standardError.write(Data("onesource: failpoint \(stage):\(setting.records) reached\n".utf8))
        while true { pause() }
    }
}
