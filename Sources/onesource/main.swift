import Foundation
import OneSource

func command(named name: String) -> (any Command.Type)? { Commands.all.first { $0.name == name } }

/// An unknown subcommand: says so, with the closest known one, and prints the main help.
func unknownSubcommand(_ name: String) -> ExitCode {
    let hint = Similarity.hint(for: name, among: Commands.all.map { $0.name })
    printError("unknown subcommand \(name)\(hint)", usage: ["onesource <subcommand> [options]", "see `onesource --help` for the subcommands"])
    return .usage
}

func main(_ words: [String]) -> ExitCode {
    // A closed pipe (`onesource findings | head`, a sendmail that exits early) is an error to handle, not a reason to die.
    signal(SIGPIPE, SIG_IGN)
    guard let first = words.first else {
        FileHandle.standardError.write(Data(Commands.mainHelp.utf8))
        return .usage
    }
    if first == "-h" || first == "--help" { print(Commands.mainHelp, terminator: ""); return .success }
    if first == "--version" || first == "version" { print(Version.description); return .success }
    if first == "help" {
        guard words.count > 1 else { print(Commands.mainHelp, terminator: ""); return .success }
        guard let command = command(named: words[1]) else { return unknownSubcommand(words[1]) }
        print(command.help, terminator: "")
        return .success
    }
    guard let command = command(named: first) else { return unknownSubcommand(first) }
    do {
        return try command.main(Array(words.dropFirst()))
    } catch let error as UsageError {
        // The mistake, how the command is called, and where the whole help is: not the whole help.
        printError(error.description, usage: command.usage.map { "onesource " + $0 }
                   + ["see `onesource \(command.name) --help`"])
        return .usage
    } catch let error as CatalogError {
        printError(error.description)
        return .invalidConfiguration
    } catch let error as WriterLockError {
        printError(error.description)
        if case .busy = error { return .busy }
        return .failure
    } catch let error as SQLiteError where error.code.primary == .busy || error.code.primary == .locked {
        printError(error.description)
        return .busy
    } catch let error as PipelineError {
        printError(error.description)
        if case .invalidDefinition = error { return .invalidConfiguration }
        if case .unknownStage = error { return .invalidConfiguration }
        return .failure
    } catch {
        printError("\(error)")
        return .failure
    }
}

exit(main(Array(CommandLine.arguments.dropFirst())).rawValue)
