/// Command-line arguments after the command words: `--name value`, `--flag`, and positionals.
struct Arguments {
    private(set) var positionals: [String] = []
    private var options: [String: String] = [:]
    private var flags: Set<String> = []

    /// - Parameters:
    ///   - valued: options that take a value (`--store PATH`).
    ///   - flags: options that stand alone (`--reveal`).
    init(_ words: [String], valued: Set<String>, flags allowedFlags: Set<String>) throws {
        var i = 0
        while i < words.count {
            let word = words[i]
            if word == "--help" || word == "-h" {
                flags.insert("--help")
            } else if word.hasPrefix("--") {
                var name = word
                var inlineValue: String?
                if let equals = word.firstIndex(of: "=") {
                    name = String(word[..<equals])
                    inlineValue = String(word[word.index(after: equals)...])
                }
                if valued.contains(name) {
                    if let inlineValue {
                        options[name] = inlineValue
                    } else {
                        guard i + 1 < words.count else { throw UsageError("\(name) needs a value") }
                        options[name] = words[i + 1]
                        i += 1
                    }
                } else if allowedFlags.contains(name) {
                    flags.insert(name)
                } else {
                    throw UsageError("unknown option \(name)")
                }
            } else {
                positionals.append(word)
            }
            i += 1
        }
    }

    func value(_ name: String) -> String? { options[name] }
    func has(_ flag: String) -> Bool { flags.contains(flag) }
    var wantsHelp: Bool { flags.contains("--help") }

    /// A required integer option.
    func integer(_ name: String) throws -> Int64 {
        guard let text = options[name] else { throw UsageError("\(name) is required") }
        guard let value = Int64(text), value > 0 else { throw UsageError("\(name) must be a positive whole number, not \"\(text)\"") }
        return value
    }
}

/// A mistake in how the command was called: prints the usage and exits 64.
struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
