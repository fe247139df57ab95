/// Exit codes, documented in the README for schedulers.
enum ExitCode: Int32 {
    /// Ran, and every row was staged.
    case success = 0
    /// Could not run: store, file system or a stage failed.
    case failure = 1
    /// Configuration invalid: the catalog or the pipeline definition has problems.
    case invalidConfiguration = 2
    /// Ran to the end, but found data defects: rejected rows, missing or unreadable files.
    case defects = 3
    /// The command was called wrongly.
    case usage = 64
    /// Another onesource process is writing to the store; try again later (EX_TEMPFAIL).
    case busy = 75
}
