import OneSource

/// Command-line arguments after the command words: `--name value` (or `--name=value`), `--flag`, and positionals,
/// checked against the options the command declares.
struct Arguments {
    private(set) var positionals: [String] = []
    private var options: [String: String] = [:]
    private var flags: Set<String> = []

    /// - Throws: `UsageError` for an option the command does not declare (naming the closest one it does), or a
    ///   value missing.
    init(_ words: [String], options declared: [Option]) throws {
        let valued = Set(declared.filter { $0.value != nil }.map(\.name))
        let allowedFlags = Set(declared.filter { $0.value == nil }.map(\.name))
        var i = 0
        while i < words.count {
            let word = words[i]
            if word == "--help" || word == "-h" {
                flags.insert("--help")
            } else if word == "--" {
                positionals += words[(i + 1)...]
                break
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
                    guard inlineValue == nil else { throw UsageError("\(name) takes no value") }
                    flags.insert(name)
                } else {
                    let hint = Similarity.hint(for: name, among: declared.map(\.name))
                    throw UsageError("unknown option \(name)\(hint)")
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

    /// A required positive whole number.
    func integer(_ name: String) throws -> Int64 {
        guard let text = options[name] else { throw UsageError("\(name) is required") }
        guard let value = Int64(text), value > 0 else { throw UsageError("\(name) must be a positive whole number, not \"\(text)\"") }
        return value
    }

    /// An optional positive whole number, `otherwise` when not given.
    func integer(_ name: String, otherwise: Int) throws -> Int {
        options[name] == nil ? otherwise : Int(try integer(name))
    }

    /// An optional date like 2026-12-01.
    func date(_ name: String) throws -> CivilDate? {
        guard let text = options[name] else { return nil }
        guard let date = CivilDate(iso: text) else { throw UsageError("\(name) takes a date like 2026-12-01, not \"\(text)\"") }
        return date
    }
}

/// A mistake in how the command was called: prints the usage and exits 64.
struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
