import OneSource

enum UnsealCommand: Command {
    static let name = "unseal"
    static let summary = "Lift a seal: the data is used again from the next run."
    static let overview = "Lift a seal: the data is used again from the next run."
    static let usage = ["unseal <dataset> --reason <text> [--store <path>]",
                        "unseal --key <key> [<dataset>] --reason <text> [--store <path>]"]
    static let arguments = [(name: "<dataset>", help: "The sealed dataset, or with --key the dataset the key was sealed in.")]
    static let options: [Option] = [
        .value("--key", "<key>", "The sealed record key."),
        .value("--reason", "<text>", "Why (required)."),
        .store, .catalog, .divisions,
    ]

    static func run(_ arguments: Arguments) throws -> ExitCode {
        guard let reason = arguments.value("--reason") else { throw UsageError("unseal needs --reason TEXT") }
        let lock = try writerLock(arguments, "onesource unseal")
        defer { withExtendedLifetime(lock) {} }
        let database = try openStore(arguments)
        let scope = try DataScope(arguments, database: database)
        let seal = try SealTable(database: database).unseal(dataset: scope.dataset, key: scope.key, reason: reason)
        print("seal \(seal.id): \(seal.scope) lifted at \(seal.unsealedAt ?? "")")
        return .success
    }
}
