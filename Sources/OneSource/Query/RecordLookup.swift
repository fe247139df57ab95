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
            let reveal = try RevealTable(database: database).record(key: key, command: command)
            try AuditTrail(database: database).record("personal_data_revealed",
                                                      counts: "reveal \(reveal): \(Masking.mask(key, kind: "id_number"))", outcome: "revealed")
        }
    }

    private func source(_ fileID: Int64?, _ line: Int64?) throws -> String {
        guard let fileID else { return "" }
        guard let file = try RunFileTable(database: database).file(fileID) else { return "file \(fileID)" }
        let dataset = catalog.dataset(file.dataset)
        let agency = dataset.flatMap { catalog.agency($0.agency)?.name } ?? ""
        return "\(agency)《\(dataset?.name ?? file.dataset)》 \(file.path):\(line.map(String.init) ?? "?") (run \(file.run))"
    }

    /// The report for `raw`, as text; nil when no base, dataset or finding knows the key.
    public func report(_ raw: String, reveal: Bool) throws -> String? {
        func show(_ value: String?, _ element: DataElement?) -> String {
            guard let value else { return "—" }
            // A code shows its meaning: 性别 1（男）.
            if let table = element?.codeTable.flatMap(catalog.codeTable), let code = table.codes.first(where: { $0.code == value }), code.meaning != value {
                return "\(value)（\(code.meaning)）"
            }
            return reveal ? value : Masking.mask(value, kind: element?.personal)
        }
        var out = ""
        var found = false
        let seals = SealTable(database: database)
        var sealedFiles: [Int64: Bool] = [:]
        /// Whether the file's dataset is sealed for `key` (its values are kept, not shown).
        func sealed(file: Int64?, key: String) throws -> Bool {
            guard let file else { return false }
            if let known = sealedFiles[file] { return known }
            let dataset = try RunFileTable(database: database).file(file)?.dataset ?? ""
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
                guard try table.exists(in: database) else { continue }
                let keyElement = catalog.element(base.key)
                let record = try table.record(key, in: database)
                var delivered: [(Dataset, StandardizedTable.Latest)] = []
                for dataset in catalog.datasets(of: base) where try seals.covering(dataset: dataset.id, key: key) == nil {
                    if let latest = try StandardizedTable(dataset: dataset).latest(key: key, in: database) { delivered.append((dataset, latest)) }
                }
                guard record != nil || !delivered.isEmpty else { continue }
                found = true
                out += "\(base.name) (\(table.name)) · \(keyElement?.name ?? base.key) \(show(key, keyElement))\n"
                if let record {
                    out += "  基础库记录（自第\(record.firstRun)次运行）：\n"
                    for value in record.values where value.value != nil {
                        let info = catalog.element(value.element)
                        if try sealed(file: value.file, key: key) {
                            out += "    \(info?.name ?? value.element): （已封存）\n"
                            continue
                        }
                        let supplier = try source(value.file, value.line)
                        let authority = info.flatMap { catalog.agency($0.authority)?.name } ?? ""
                        let why = supplier.hasPrefix(authority) ? "权威来源" : "权威来源（\(authority)）无此值，取自其他部门"
                        out += "    \(info?.name ?? value.element): \(show(value.value, info))  ← \(supplier) [\(why)]\n"
                    }
                } else {
                    out += "  基础库中没有此记录（尚无通过核验的记录入库）\n"
                }
                if !delivered.isEmpty {
                    out += "  各部门报送的值（最近一次运行，标准化后）：\n"
                    for (dataset, latest) in delivered {
                        let agency = catalog.agency(dataset.agency)?.name ?? dataset.agency
                        let status = latest.hasError ? "，有错误，已隔离" : ""
                        out += "    \(agency)《\(dataset.name)》 第\(latest.run)次运行，第\(latest.line ?? 0)行\(status)：\n"
                        for field in dataset.fields where field.element != base.key {
                            let info = catalog.element(field.element)
                            var mark = ""
                            if let winner = record?.values.first(where: { $0.element == field.element })?.value, let mine = latest.values[field.element] ?? nil {
                                mark = mine == winner ? "" : "  ≠ 基础库值"
                            }
                            if info?.authority == dataset.agency { mark += "  (权威来源)" }
                            out += "      \(info?.name ?? field.element): \(show(latest.values[field.element] ?? nil, info))\(mark)\n"
                        }
                    }
                }
                let history = try table.history(of: key, in: database)
                if !history.isEmpty {
                    out += "  变更历史：\n"
                    for change in history {
                        let info = catalog.element(change.element)
                        out += "    第\(change.run)次运行（\(change.at)）：\(info?.name ?? "") \(show(change.old, info)) → \(show(change.new, info))\n"
                    }
                }
            }
            let findings = try FindingTable(database: database).latestAbout(key: key).filter { try seals.covering(dataset: $0.dataset, key: key) == nil }
            if let first = findings.first {
                found = true
                out += "第\(first.run)次运行关于 \(reveal ? key : Masking.mask(key, kind: "id_number")) 的问题：\n"
                for finding in findings {
                    let element = catalog.element(finding.element ?? "")
                    let rule = catalog.ruleBook[finding.rule]
                    let association = catalog.associations.first { $0.id == finding.rule }
                    let message = rule?.render(element: element?.name, observed: show(finding.observed, element),
                                               expected: show(finding.expected, element), standard: element.map { StandardName.of($0.standard) },
                                               reason: finding.reason)
                        ?? association?.render(observed: show(finding.observed, element), expected: finding.expected, reason: finding.reason) ?? ""
                    out += "  [\(finding.severity)] \(finding.stage)/\(finding.rule) → \(catalog.agency(finding.agency)?.name ?? "") "
                        + "\(finding.place):\(finding.line.map(String.init) ?? "-"): \(message)\n"
                }
            }
        }
        guard found else { return nil }
        if !reveal { out += "(personal data masked; --reveal shows it and is recorded)\n" }
        return out
    }
}
