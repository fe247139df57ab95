import Foundation

/// Quality indicators per run, agency, dataset and GB/T 36344 dimension, each a ratio with its numerator and
/// denominator, computed from the stored findings and counts and stored per run so trends can be drawn.
///
/// - conformity, completeness, accuracy, consistency: records of the dataset with no finding of that
///   dimension (any severity: a value delivered in full-width digits is usable but still not conforming)
///   / records staged.
/// - timeliness: 1/1 when the dataset's current delivery is within its update frequency, 0/1 when it is
///   late or missing. A file with the same SHA-256 as an earlier run's is not a new delivery.
/// - delivery: rows staged / rows read (rows the file format let through); 0/1 when the file is missing.
public enum QualityMetrics {
    /// Days a delivery stays current for each update frequency.
    public static func allowedDays(_ frequency: Dataset.Frequency) -> Int {
        switch frequency {
        case .daily: return 1
        case .weekly: return 7
        case .monthly: return 31
        case .quarterly: return 92
        case .yearly: return 366
        }
    }

    /// "delivery" is stored under the dimension name `delivery` (GB/T 36344 has no such dimension; the
    /// issue asks for it beside the five). Accessibility is not measured.
    public static let measured: [String] = ["conformity", "completeness", "accuracy", "consistency", "timeliness", "delivery"]
    /// Weights of the overall score, stated in every report.
    public static let scoreWeights: [String: Double] = ["conformity": 25, "completeness": 20, "accuracy": 25, "consistency": 20,
                                                        "timeliness": 5, "delivery": 5]
    public static let chineseNames: [String: String] = ["conformity": "规范性", "completeness": "完整性", "accuracy": "准确性",
                                                        "consistency": "一致性", "timeliness": "时效性", "delivery": "交付"]

    /// A relative change of the record count above this is "sharp".
    public static let sharpChange = 0.3

    /// Computes and stores the run's metrics and deliveries (replacing earlier ones for the run).
    public static func compute(_ database: Database, catalog: Catalog, datasets: [Dataset], run runID: Int64) throws {
        let ledger = RunLedger(database: database)
        let today = try ledger.run(runID).date
        try database.run("DELETE FROM quality_metrics WHERE run_id = ?", [.integer(runID)])
        try database.run("DELETE FROM quality_deliveries WHERE run_id = ?", [.integer(runID)])
        let insert = try database.prepare("INSERT INTO quality_metrics (run_id, agency, dataset_id, dimension, numerator, denominator) VALUES (?, ?, ?, ?, ?, ?)")
        for dataset in datasets {
            let files = try database.rows("""
                SELECT status, sha256, rows_read, rows_staged FROM run_files WHERE run_id = ? AND dataset_id = ? ORDER BY file_id
                """, [.integer(runID), .text(dataset.id)])
            let read = files.reduce(0) { $0 + Int($1[2].integer ?? 0) }
            let staged = files.reduce(0) { $0 + Int($1[3].integer ?? 0) }
            let delivered = files.contains { $0[0].text == "ingested" }
            func store(_ dimension: String, _ numerator: Int, _ denominator: Int) throws {
                try insert.bind([.integer(runID), .text(dataset.agency), .text(dataset.id), .text(dimension), .int(numerator), .int(denominator)])
                try insert.run()
            }
            for dimension in ["conformity", "completeness", "accuracy", "consistency"] {
                let affected = Int(try database.queryScalarInt("""
                    SELECT count(DISTINCT coalesce(file_id || ':' || record_index, 'key:' || record_key)) FROM findings
                    WHERE run_id = ? AND dataset_id = ? AND dimension = ?
                    """, [.integer(runID), .text(dataset.id), .text(dimension)]) ?? 0)
                try store(dimension, max(0, staged - affected), staged)
            }
            // Delivery date: the first run that saw the current file's content.
            let allowed = allowedDays(dataset.frequency)
            var deliveredOn: CivilDate?
            var duplicateOf: Int64?
            if let sha = files.first(where: { $0[0].text == "ingested" })?[1].text {
                let first = try database.rows("""
                    SELECT min(f.run_id) FROM run_files f WHERE f.dataset_id = ? AND f.sha256 = ? AND f.run_id <= ?
                    """, [.text(dataset.id), .text(sha), .integer(runID)]).first?[0].integer
                if let first {
                    deliveredOn = try ledger.run(first).date
                    if first < runID { duplicateOf = first }
                }
            }
            let age = deliveredOn.map { today.daysSinceEpoch - $0.daysSinceEpoch }
            let late = !delivered || (age ?? Int.max) > allowed
            try store("timeliness", late ? 0 : 1, 1)
            if delivered { try store("delivery", staged, read) } else { try store("delivery", 0, 1) }
            let previous = try database.rows("""
                SELECT sum(rows_staged) FROM run_files WHERE dataset_id = ? AND run_id = (SELECT max(run_id) FROM run_files WHERE dataset_id = ? AND run_id < ?)
                """, [.text(dataset.id), .text(dataset.id), .integer(runID)]).first?[0].integer.map(Int.init)
            var sharp = false
            if let previous, previous > 0 { sharp = abs(Double(staged - previous)) / Double(previous) > sharpChange }
            let status = !delivered ? (files.isEmpty || files.allSatisfy { $0[0].text == "missing" } ? "missing" : "failed")
                : (duplicateOf != nil ? "duplicate" : "delivered")
            try database.run("""
                INSERT INTO quality_deliveries (run_id, dataset_id, status, delivered_on, age_days, allowed_days, late, duplicate_of_run,
                                                records, previous_records, sharp_change) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.integer(runID), .text(dataset.id), .text(status), .optional(deliveredOn?.description), age.map { .int($0) } ?? .null,
                      .int(allowed), .int(late ? 1 : 0), duplicateOf.map { .integer($0) } ?? .null, .int(staged),
                      previous.map { .int($0) } ?? .null, .int(sharp ? 1 : 0)])
        }
    }

    /// The weighted score (0–100) of a set of dimension ratios; missing dimensions are left out of the weights.
    public static func score(_ ratios: [String: Double]) -> Double {
        var total = 0.0, weight = 0.0
        for (dimension, w) in scoreWeights { if let ratio = ratios[dimension] { total += ratio * w; weight += w } }
        return weight == 0 ? 0 : total / weight * 100
    }
}
