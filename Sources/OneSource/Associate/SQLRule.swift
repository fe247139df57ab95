import Foundation

/// A rule a data engineer writes without Swift: a SELECT, in associations.json (`"kind": "sql"`), over the
/// standardized tables (`std_<dataset>`) and the base tables (`base_<base>`), that returns the rows at fault.
///
/// Columns the SELECT must return: `record_key`, `observed`, and `source_row` (the `staging_rowid` of the row of
/// the rule's dataset it is about, so that file and line follow). It may also return `expected`, `reason` and
/// `element`. Parameters are bound, never spliced: `:run` (the run's id) and `:as_of` (the run's date,
/// yyyy-MM-dd). The rule runs on a read-only connection that may only select and read (SQLite's authorizer and
/// `sqlite3_stmt_readonly` enforce it: no write, no ATTACH, no PRAGMA).
public struct SQLRule {
    static let requiredColumns = ["record_key", "observed", "source_row"]
    static let optionalColumns = ["expected", "reason", "element"]
    static let parameters = [":run", ":as_of"]

    /// Why a rule's SQL cannot be used.
    struct Problem: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    /// The query to run for `rule`: its SELECT, checked on `connection` (which must only read), wrapped to give
    /// each row's file, line and record index from the dataset's standardized table, in delivery order.
    /// - Throws: `Problem` when the SQL does not compile, is not one SELECT that only reads, uses another
    ///   parameter, or lacks a required column.
    static func query(for rule: AssociationRule, dataset: Dataset, on connection: Database) throws -> String {
        guard let sql = rule.sql else { throw Problem(message: "a rule of kind sql needs \"sql\", a SELECT") }
        let body = sql.trimmingCharacters(in: .whitespacesAndNewlines).trimmingCharacters(in: CharacterSet(charactersIn: ";"))
        let first = body.prefix { $0.isLetter }.uppercased()
        guard first == "SELECT" || first == "WITH" else {
            throw Problem(message: "the rule's SQL must be one SELECT (or WITH … SELECT), not \(first.isEmpty ? "\"\(body.prefix(20))\"" : first)")
        }
        let statement: Statement
        do {
            statement = try connection.prepare(body)
        } catch let error as SQLiteError {
            if error.code.primary == .authorization {
                throw Problem(message: "the rule's SQL may only read (no write, ATTACH, PRAGMA or schema change): \(error.message)")
            }
            throw Problem(message: "the rule's SQL does not compile: \(error.message)")
        }
        guard statement.isReadOnly else { throw Problem(message: "the rule's SQL writes: a rule may only read") }
        for name in statement.parameterNames where !parameters.contains(name ?? "?") {
            throw Problem(message: "the rule's SQL uses the parameter \(name ?? "?"): only \(parameters.joined(separator: " and ")) are bound")
        }
        let columns = Set((0..<statement.columnCount).map { statement.columnName($0) })
        let missing = requiredColumns.filter { !columns.contains($0) }
        guard missing.isEmpty else {
            throw Problem(message: "the rule's SELECT lacks the column(s) \(missing.joined(separator: ", ")) (required: \(requiredColumns.joined(separator: ", ")); "
                          + "optional: \(optionalColumns.joined(separator: ", ")))")
        }
        let optional = optionalColumns.map { columns.contains($0) ? "u.\($0)" : "NULL" }
        let std = StagingTable.quote(StandardizedTable(dataset: dataset).name)
        return """
            SELECT s.file_id, s.line, s.record_index, u.record_key, u.observed, \(optional.joined(separator: ", "))
            FROM (\(body)) u LEFT JOIN \(std) s ON s.staging_rowid = u.source_row AND s.run_id = :run
            ORDER BY s.staging_rowid, u.record_key
            """
    }

    /// Every SQL rule of `catalog` checked on an empty store of the catalog's schema: what `catalog check` reports.
    public static func problems(in catalog: Catalog) -> [CatalogProblem] {
        let rules = catalog.associations.enumerated().filter { $0.element.kind == "sql" }
        guard !rules.isEmpty else { return [] }
        do {
            let database = try Database(path: ":memory:")
            try Schema.migrate(database)
            for dataset in catalog.datasets { try StandardizedTable(dataset: dataset).ensure(in: database) }
            for base in catalog.bases { try BaseTable(base: base, catalog: catalog).ensure(in: database) }
            database.allowOnlyReading()
            return rules.compactMap { index, rule in
                guard let dataset = rule.params["dataset"].flatMap(catalog.dataset) else { return nil }
                do {
                    _ = try query(for: rule, dataset: dataset, on: database)
                    return nil
                } catch {
                    return CatalogProblem(file: "associations.json", path: "$.rules[\(index)].sql", message: "rule \(rule.id): \(error)")
                }
            }
        } catch {
            return [CatalogProblem(file: "associations.json", path: "$", message: "the SQL rules could not be checked: \(error)")]
        }
    }
}
