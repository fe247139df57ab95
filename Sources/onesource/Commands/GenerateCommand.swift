import Foundation
import OneSource

enum GenerateCommand: Command {
    static let name = "generate"
    static let summary = "Write a synthetic city with injected defects and their ground truth."
    static let overview = """
        Write a synthetic city: every agency's exports (formats and encodings as in SampleData), with
        defects injected at a known rate, ground-truth.csv listing each one (file, line, stage, rule), and the
        catalog, division table, calendar and nightly.json to run it as is. Deterministic for a seed.
        """
    static let usage = ["generate --persons <n> --out <dir> [--seed <s>] [--defect-rate <r>] [--night <n>] [--pipelines <dir>]"]
    static let options: [Option] = [
        .value("--persons", "<n>", "People in the city; the other agencies' data are in proportion."),
        .value("--out", "<dir>", "Where to write the city."),
        .value("--seed", "<s>", "Seed of the generator (default 1)."),
        .value("--defect-rate", "<r>", "Share of records with an injected defect (default 0.01)."),
        .value("--night", "<n>", "The same city n nights later: 3 in 1,000 people a night have moved house or\nchanged phone; the defects and the ground truth stay night 0's (default 0)."),
        .value("--pipelines", "<dir>", "Where the catalog, divisions and calendar are copied from (default: the installation's Pipelines)."),
    ]

    static func run(_ arguments: Arguments) throws -> ExitCode {
        guard let out = arguments.value("--out") else { throw UsageError("--out is required") }
        let persons = Int(try arguments.integer("--persons"))
        let seed = UInt64(try arguments.integer("--seed", otherwise: 1))
        var rate = 0.01
        if let text = arguments.value("--defect-rate") {
            guard let value = Double(text), (0...0.5).contains(value) else { throw UsageError("--defect-rate is a fraction from 0 to 0.5") }
            rate = value
        }
        var night = 0
        if let text = arguments.value("--night") {
            guard let value = Int(text), value >= 0 else { throw UsageError("--night is a whole number from 0") }
            night = value
        }
        let started = Date()
        let defects = try CityGenerator(persons: persons, seed: seed, defectRate: rate, output: out,
                                        pipelines: try arguments.value("--pipelines") ?? Installation.pipelines("", option: "--pipelines"), night: night).write()
        print("wrote a city of \(persons) persons to \(out) in \(String(format: "%.1f", Date().timeIntervalSince(started))) s: "
              + "\(defects.count) injected defects listed in \(out)/ground-truth.csv; run it with: onesource run \(out)/nightly.json --store PATH")
        return .success
    }
}
