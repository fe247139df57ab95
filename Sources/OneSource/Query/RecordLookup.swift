import Foundation

/// What the city knows about one key (identity number, credit code, licence or decision number): the base
/// record, every agency's value per element with its provenance, which value won and why, the history of
/// changes and the open findings. Personal values are masked unless revealed; every reveal is recorded.
public struct RecordLookup {
    let database: Database
    let catalog: Catalog
    let standards: StandardContext

    public init(database: Database, catalog: Catalog, standards: StandardContext) {
        self.database = database
        self.catalog = catalog
        self.standards = standards
    }

    /// The canonical forms `raw` may stand for: an identity number, a credit code, or the text itself.
    public func candidates(_ raw: String) -> [String] {
        var keys: [String] = []
        if let value = IdentityNumber.standardize(raw, context: standards).value { keys.append(value) }
        if let value = CreditCode.standardize(raw, context: standards).value, !keys.contains(value) { keys.append(value) }
        if let value = TextStandards.documentNumber(raw).value, !keys.contains(value) { keys.append(value) }
        return keys
    }

    /// Records a reveal of personal data: who, on which host, when, for which key and with what command, in the
    /// `reveals` table and the audit trail. The audit entry names the reveal and the key masked (the trail is a log and
    /// can never be changed); `audit --key` finds it through the reveal.
    public func recordReveal(key: String, command: String) throws {
        try database.transaction {
            try database.run("INSERT INTO reveals (revealed_at, user_name, host_name, lookup_key, command) VALUES (?, ?, ?, ?, ?)",
                             [.text(Clock.now()), .text(Clock.userName()), .text(Clock.hostName()), .text(key), .text(command)])
            try AuditTrail(database: database).record("personal_data_revealed",
                                                      counts: "reveal \(database.lastInsertRowID): \(Masking.mask(key, kind: "id_number"))", outcome: "revealed")
        }
    }

    private func tableExists(_ name: String) throws -> Bool {
        try database.queryScalarInt("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", [.text(name)]) == 1
    }

    private func source(_ fileID: Int64?, _ line: Int64?) throws -> String {
        guard let fileID else { return "" }
        let rows = try database.rows("SELECT run_id, dataset_id, path FROM run_files WHERE file_id = ?", [.integer(fileID)])
        guard let row = rows.first else { return "file \(fileID)" }
        let dataset = catalog.dataset(row[1].text ?? "")
        let agency = dataset.flatMap { catalog.agency($0.agency)?.name } ?? ""
        return "\(agency)《\(dataset?.name ?? row[1].text ?? "")》 \(row[2].text ?? ""):\(line.map(String.init) ?? "?") (run \(row[0].integer ?? 0))"
    }

    /// The report for `raw`, as text; nil when no base, dataset or finding knows the key.
    public func report(_ raw: String, reveal: Bool) throws -> String? {
        func show(_ value: String?, _ element: DataElement?) -> String {
            guard let value else { return "—" }
            return reveal ? value : Masking.mask(value, kind: element?.personal)
        }
        var out = ""
        var found = false
        let seals = Seals(database: database)
        var sealedFiles: [Int64: Bool] = [:]
        /// Whether the file's dataset is sealed for `key` (its values are kept, not shown).
        func sealed(file: Int64?, key: String) throws -> Bool {
            guard let file else { return false }
            if let known = sealedFiles[file] { return known }
            let dataset = try database.queryScalarText("SELECT dataset_id FROM run_files WHERE file_id = ?", [.integer(file)]) ?? ""
            let answer = try seals.covering(dataset: dataset, key: key) != nil
            sealedFiles[file] = answer
            return answer
        }
        for key in candidates(raw) {
            sealedFiles = [:]
            // A key sealed in every dataset is not shown at all, only that it is sealed (art. 22).
            if let seal = try seals.inForce().first(where: { $0.key == key && $0.dataset == nil }) {
                found = true
                out += "\(reveal ? key : Masking.mask(key, kind: "id_number")): 已封存，不予显示（seal \(seal.id)，\(seal.sealedAt)，\(seal.sealedBy)；"
                    + "原因：\(seal.reason)；依据：\(seal.basis)）\n"
                continue
            }
            for base in catalog.bases {
                let table = BaseTable(base: base, catalog: catalog)
                guard try tableExists(table.name) else { continue }
                let keyElement = catalog.element(base.key)
                let columns = table.elements.flatMap { [BaseTable.q($0), BaseTable.q($0 + ":file"), BaseTable.q($0 + ":line")] }
                let rows = try database.rows("SELECT first_run, \(columns.joined(separator: ", ")) FROM \(BaseTable.q(table.name)) WHERE record_key = ?",
                                             [.text(key)])
                let feeding = catalog.datasets(of: base)
                var delivered: [(Dataset, [SQLValue])] = []
                for dataset in feeding where try tableExists("std_" + dataset.id) && seals.covering(dataset: dataset.id, key: key) == nil {
                    let elements = dataset.fields.map(\.element)
                    let latest = try database.rows("""
                        SELECT run_id, file_id, line, has_error\(elements.map { ", " + StagingTable.quote($0) }.joined())
                        FROM \(StagingTable.quote("std_" + dataset.id)) WHERE record_key = ? ORDER BY run_id DESC, staging_rowid LIMIT 1
                        """, [.text(key)])
                    if let row = latest.first { delivered.append((dataset, row)) }
                }
                guard !rows.isEmpty || !delivered.isEmpty else { continue }
                found = true
                out += "\(base.name) (\(table.name)) · \(keyElement?.name ?? base.key) \(show(key, keyElement))\n"
                if let row = rows.first {
                    out += "  base record since run \(row[0].integer ?? 0):\n"
                    for (index, element) in table.elements.enumerated() {
                        let value = row[1 + index * 3].text
                        guard value != nil else { continue }
                        let info = catalog.element(element)
                        if try sealed(file: row[2 + index * 3].integer, key: key) {
                            out += "    \(info?.name ?? element): （已封存）\n"
                            continue
                        }
                        let supplier = try source(row[2 + index * 3].integer, row[3 + index * 3].integer)
                        let authority = info.flatMap { catalog.agency($0.authority)?.name } ?? ""
                        let why = supplier.hasPrefix(authority) ? "权威来源" : "权威来源（\(authority)）无此值，取自其他部门"
                        out += "    \(info?.name ?? element): \(show(value, info))  ← \(supplier) [\(why)]\n"
                    }
                } else {
                    out += "  not in the base (no verified record of it has been loaded)\n"
                }
                if !delivered.isEmpty {
                    out += "  as delivered by each agency (latest run, canonical values):\n"
                    for (dataset, row) in delivered {
                        let agency = catalog.agency(dataset.agency)?.name ?? dataset.agency
                        let status = row[3].integer == 1 ? "，有错误，已隔离" : ""
                        out += "    \(agency)《\(dataset.name)》 run \(row[0].integer ?? 0), line \(row[2].integer ?? 0)\(status):\n"
                        for (index, field) in dataset.fields.enumerated() where field.element != base.key {
                            let info = catalog.element(field.element)
                            var mark = ""
                            if let baseRow = rows.first, let slot = table.elements.firstIndex(of: field.element) {
                                let winner = baseRow[1 + slot * 3].text
                                if let mine = row[4 + index].text, let winner {
                                    mark = mine == winner ? "" : "  ≠ 基础库值"
                                }
                            }
                            if info?.authority == dataset.agency { mark += "  (权威来源)" }
                            out += "      \(info?.name ?? field.element): \(show(row[4 + index].text, info))\(mark)\n"
                        }
                    }
                }
                let history = try database.rows("""
                    SELECT element, old_value, new_value, replaced_by_run, replaced_at FROM base_history
                    WHERE base = ? AND record_key = ? ORDER BY history_id
                    """, [.text(base.id), .text(key)])
                if !history.isEmpty {
                    out += "  history:\n"
                    for change in history {
                        let info = catalog.element(change[0].text ?? "")
                        out += "    run \(change[3].integer ?? 0) (\(change[4].text ?? "")): \(info?.name ?? "") \(show(change[1].text, info)) → \(show(change[2].text, info))\n"
                    }
                }
            }
            let findings = try database.rows("""
                SELECT g.run_id, g.stage, g.severity, g.rule_id, g.agency, coalesce(f.path, g.dataset_id), g.line, g.element, g.observed,
                       g.expected, g.reason, g.dataset_id
                FROM findings g LEFT JOIN run_files f USING (file_id)
                WHERE (g.record_key = ? OR g.observed = ?) AND g.run_id = (SELECT max(run_id) FROM findings WHERE record_key = ? OR observed = ?)
                ORDER BY g.finding_id
                """, [.text(key), .text(key), .text(key), .text(key)]).filter { try seals.covering(dataset: $0[11].text ?? "", key: key) == nil }
            if !findings.isEmpty {
                found = true
                out += "Findings of run \(findings[0][0].integer ?? 0) about \(reveal ? key : Masking.mask(key, kind: "id_number")):\n"
                for finding in findings {
                    let element = catalog.element(finding[7].text ?? "")
                    let rule = catalog.ruleBook[finding[3].text ?? ""]
                    let association = catalog.associations.first { $0.id == finding[3].text }
                    let message = rule?.render(element: element?.name, observed: show(finding[8].text, element),
                                               expected: show(finding[9].text, element), standard: element.map { RecordVerifier.standardName($0.standard) },
                                               reason: finding[10].text)
                        ?? association?.render(observed: show(finding[8].text, element), expected: finding[9].text, reason: finding[10].text) ?? ""
                    out += "  [\(finding[2].text ?? "")] \(finding[1].text ?? "")/\(finding[3].text ?? "") → \(catalog.agency(finding[4].text ?? "")?.name ?? "") "
                        + "\(finding[5].text ?? ""):\(finding[6].integer.map(String.init) ?? "-"): \(message)\n"
                }
            }
        }
        guard found else { return nil }
        if !reveal { out += "(personal data masked; --reveal shows it and is recorded)\n" }
        return out
    }
}
