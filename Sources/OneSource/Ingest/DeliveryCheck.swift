import Foundation

/// What ingest concludes about each dataset's delivery as a whole, recorded for the reports and raised as
/// findings against the delivering agency, so that delivery problems reach its tasks and report:
///
/// - `row_rejected`: each row that could not be read, with its file, line and reason;
/// - `delivery_unreadable`: a file that could not be read at all (nothing of it was received);
/// - `delivery_overdue`: no readable file, or content unchanged for longer than the update frequency allows;
/// - `record_count_drop`: new content with far fewer records than the previous delivery (a cut-off export).
struct DeliveryCheck {
    let database: Database
    let catalog: Catalog
    let runID: Int64
    let today: CivilDate

    /// Days a delivery stays current for each update frequency.
    static func allowedDays(_ frequency: Dataset.Frequency) -> Int {
        switch frequency {
        case .daily: return 1
        case .weekly: return 7
        case .monthly: return 31
        case .quarterly: return 92
        case .yearly: return 366
        }
    }

    /// The finding for an accepted record the reader reported (a CSV record whose fields span lines).
    static func noteFinding(_ note: Rejection, dataset: Dataset, catalog: Catalog, fileID: Int64, path: String) -> Finding? {
        let book = catalog.ruleBook
        guard let level = book.level(of: .multilineRecord, in: dataset), let definition = book[rule: .multilineRecord] else { return nil }
        let observed = "\((path as NSString).lastPathComponent)第\(note.line ?? 0)行"
        return Finding(ruleID: BuiltInRule.multilineRecord.rawValue, dimension: definition.dimension, severity: level, agency: dataset.agency,
                       datasetID: dataset.id, recordKey: nil, element: nil, observed: observed, expected: nil, reason: note.reason,
                       fileID: fileID, line: note.line, recordIndex: note.recordIndex,
                       message: definition.render(element: nil, observed: observed, expected: nil, reason: note.reason))
    }

    /// Assesses every dataset, records the deliveries and writes the findings; returns how many findings.
    func run(_ datasets: [Dataset]) throws -> Int {
        let files = RunFileTable(database: database)
        let writer = try FindingTable.Writer(database: database, runID: runID, stage: "ingest")
        var deliveries: [DeliveryTable.Delivery] = []
        var count = 0
        for dataset in datasets {
            let (delivery, findings) = try assess(dataset, files: files)
            deliveries.append(delivery)
            for finding in findings { try writer.write(finding) }
            count += findings.count
        }
        try DeliveryTable(database: database).replace(run: runID, with: deliveries)
        return count
    }

    private func assess(_ dataset: Dataset, files table: RunFileTable) throws -> (DeliveryTable.Delivery, [Finding]) {
        let book = catalog.ruleBook
        var findings: [Finding] = []
        func finding(_ rule: BuiltInRule, file: Int64? = nil, line: Int? = nil, index: Int? = nil, element: String? = nil,
                     observed: String?, expected: String?, reason: String?) {
            guard let level = book.level(of: rule, in: dataset), let definition = book[rule: rule] else { return }
            findings.append(Finding(ruleID: rule.rawValue, dimension: definition.dimension, severity: level, agency: dataset.agency,
                                    datasetID: dataset.id, recordKey: nil, element: element, observed: observed, expected: expected,
                                    reason: reason, fileID: file, line: line, recordIndex: index,
                                    message: definition.render(element: nil, observed: observed, expected: expected, reason: reason)))
        }
        let files = try table.files(run: runID, dataset: dataset.id)
        let read = files.filter { $0.status == .ingested }
        for file in files where file.status == .failed {
            finding(.deliveryUnreadable, file: file.id, observed: file.path, expected: nil, reason: file.note ?? "无法读取")
        }
        // Rejected rows, in the order of the files and their lines.
        for row in try RejectionTable(database: database).rows(run: runID, dataset: dataset.id) {
            let name = (row.path as NSString).lastPathComponent
            let place = row.line.map { "第\($0)行" } ?? row.recordIndex.map { "第\($0)条记录" } ?? ""
            let element = row.field.flatMap { source in dataset.fields.first { $0.source == source }?.element }
            finding(.rowRejected, file: row.file, line: row.line, index: row.recordIndex, element: element, observed: "\(name)\(place)",
                    expected: nil, reason: (row.field.map { "字段“\($0)”：" } ?? "") + row.reason)
        }
        // When the content tonight first arrived; a file read before is not a new delivery.
        let allowed = DeliveryCheck.allowedDays(dataset.frequency)
        var deliveredOn: CivilDate?
        var duplicateOf: Int64?
        if let sha = read.first?.sha256, let first = try table.firstRun(of: dataset.id, content: sha, upTo: runID) {
            deliveredOn = try RunLedger(database: database).run(first).date
            if first < runID { duplicateOf = first }
        }
        let previous = try table.previousDelivery(of: dataset.id, before: runID)
        var overdue = false
        if read.isEmpty, let last = previous, deliveredOn == nil, let sha = last.sha256,
           let first = try table.firstRun(of: dataset.id, content: sha, upTo: last.run) {
            // Nothing readable tonight: the data in hand is the last delivery's.
            let lastOn = try RunLedger(database: database).run(first).date
            let age = today.daysSinceEpoch - lastOn.daysSinceEpoch
            if age > allowed {
                overdue = true
                finding(.deliveryOverdue, observed: lastOn.description, expected: String(allowed),
                        reason: "本次未收到可读取的文件，上次交付为\(lastOn)（已\(age)天）")
            }
        } else if read.isEmpty && !files.contains(where: { $0.status == .failed }) {
            // (A file that came but could not be read is its own finding, `delivery_unreadable`.)
            overdue = true
            finding(.deliveryOverdue, observed: "未交付", expected: String(allowed), reason: "从未收到可读取的文件")
        }
        let age = deliveredOn.map { today.daysSinceEpoch - $0.daysSinceEpoch }
        if let deliveredOn, let age, age > allowed {
            overdue = true
            finding(.deliveryOverdue, observed: deliveredOn.description, expected: String(allowed),
                    reason: "文件内容自\(deliveredOn)起未更新（已\(age)天）")
        }
        let staged = read.reduce(0) { $0 + $1.staged }
        var sharp = false
        if let previous, previous.staged > 0, !read.isEmpty {
            let change = Double(staged - previous.staged) / Double(previous.staged)
            sharp = abs(change) > dataset.recordCountDrop
            if duplicateOf == nil, -change > dataset.recordCountDrop {
                finding(.recordCountDrop, observed: String(staged), expected: String(previous.staged),
                        reason: String(format: "%.0f%%", -change * 100))
            }
        }
        let status: DeliveryTable.Status = read.isEmpty ? (files.contains { $0.status == .failed } ? .failed : .missing)
            : duplicateOf != nil ? .duplicate : .delivered
        let delivery = DeliveryTable.Delivery(dataset: dataset.id, status: status, deliveredOn: deliveredOn?.description, ageDays: age,
                                              allowedDays: allowed, late: overdue,
                                              duplicateOf: duplicateOf, records: staged, previousRecords: previous?.staged,
                                              sharpChange: sharp)
        return (delivery, findings)
    }
}
