@testable import OneSource

enum StandardFixtures {
    /// The shipped division table, loaded once.
    static let divisions: DivisionTable = {
        let path = Paths.packageRoot.appendingPathComponent("Pipelines/divisions/gbt2260.tsv").path
        return (try? DivisionTable.load(path: path)) ?? DivisionTable(entries: [], source: "missing")
    }()

    static let context = StandardContext(today: CivilDate(year: 2026, month: 11, day: 29)!, divisions: divisions)
}
