import Foundation

/// Sealing (measures art. 22): data that may no longer be used is kept, but no longer shared, exported, shown by
/// `lookup` or used by comparisons. A seal covers a whole dataset, or one record key (in one dataset, or in every
/// dataset and base where records carry it). Sealing and unsealing each need a reason; sealing a legal basis too.
/// Both are recorded with who and when, in the `seals` table and the audit trail.
public struct SealTable {
    public let database: Database

    public init(database: Database) { self.database = database }

    /// One seal, in force or lifted.
    public struct Seal: Sendable, Equatable {
        public let id: Int64
        public let dataset: String?
        public let key: String?
        public let sealedAt: String
        public let sealedBy: String
        public let reason: String
        public let basis: String
        public let unsealedAt: String?
        public let unsealReason: String?

        /// What it covers, with the key masked.
        public var scope: String {
            switch (dataset, key) {
            case (let dataset?, nil): return "dataset \(dataset)"
            case (let dataset?, let key?): return "key \(Masking.mask(key, kind: "id_number")) in dataset \(dataset)"
            case (nil, let key?): return "key \(Masking.mask(key, kind: "id_number")) in every dataset"
            default: return "nothing"
            }
        }
    }

    /// SealTable a dataset, a key, or a key in one dataset.
    /// - Throws: `SealError` when nothing is named, the reason or basis is empty, or the same seal is in force.
    @discardableResult
    public func seal(dataset: String?, key: String?, reason: String, basis: String) throws -> Seal {
        guard dataset != nil || key != nil else { throw SealError.nothingNamed }
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw SealError.needs("a reason") }
        guard !basis.trimmingCharacters(in: .whitespaces).isEmpty else { throw SealError.needs("a legal basis") }
        return try database.transaction {
            if let existing = try inForce().first(where: { $0.dataset == dataset && $0.key == key }) {
                throw SealError.alreadySealed(existing)
            }
            try database.run("""
                INSERT INTO seals (dataset_id, record_key, sealed_at, sealed_by, reason, basis) VALUES (?, ?, ?, ?, ?, ?)
                """, [.optional(dataset), .optional(key), .text(Clock.now()), .text("\(Clock.userName())@\(Clock.hostName())"),
                      .text(reason), .text(basis)])
            let seal = try self.seal(database.lastInsertRowID)!
            try AuditTrail(database: database).record("data_sealed", dataset: dataset,
                                                      counts: "seal \(seal.id): \(seal.scope); reason: \(reason); basis: \(basis)", outcome: "sealed")
            return seal
        }
    }

    /// Lifts the seal in force on exactly this dataset and key.
    /// - Throws: `SealError.notSealed` when there is none; `.needs` without a reason.
    @discardableResult
    public func unseal(dataset: String?, key: String?, reason: String) throws -> Seal {
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw SealError.needs("a reason") }
        return try database.transaction {
            guard let seal = try inForce().first(where: { $0.dataset == dataset && $0.key == key }) else {
                throw SealError.notSealed(dataset: dataset, key: key.map { Masking.mask($0, kind: "id_number") })
            }
            try database.run("UPDATE seals SET unsealed_at = ?, unsealed_by = ?, unseal_reason = ? WHERE seal_id = ?",
                             [.text(Clock.now()), .text("\(Clock.userName())@\(Clock.hostName())"), .text(reason), .integer(seal.id)])
            try AuditTrail(database: database).record("data_unsealed", dataset: dataset,
                                                      counts: "seal \(seal.id): \(seal.scope); reason: \(reason)", outcome: "unsealed")
            return try self.seal(seal.id)!
        }
    }

    /// Every seal in force, oldest first.
    public func inForce() throws -> [Seal] {
        try database.map("\(SealTable.select) WHERE unsealed_at IS NULL ORDER BY seal_id", [], SealTable.make)
    }

    /// Every seal, lifted ones too, oldest first.
    public func all() throws -> [Seal] {
        try database.map("\(SealTable.select) ORDER BY seal_id", [], SealTable.make)
    }

    func seal(_ id: Int64) throws -> Seal? {
        try database.map("\(SealTable.select) WHERE seal_id = ?", [.integer(id)], SealTable.make).first
    }

    /// The seal in force that covers `key` in `dataset` (the dataset's, the key's in every dataset, or the key's there).
    public func covering(dataset: String, key: String?) throws -> Seal? {
        try database.map("""
            \(SealTable.select) WHERE unsealed_at IS NULL AND (dataset_id IS NULL OR dataset_id = ?1)
              AND (record_key IS NULL OR record_key = ?2) ORDER BY seal_id LIMIT 1
            """, [.text(dataset), .optional(key)], SealTable.make).first
    }

    /// The datasets sealed as a whole.
    public func sealedDatasets() throws -> Set<String> {
        Set(try inForce().filter { $0.key == nil }.compactMap(\.dataset))
    }

    /// The datasets with a record key sealed in them (nil standing for a key sealed in every dataset), for stages that
    /// leave the `keySealed` condition out of a read no key seal in force can touch.
    public func datasetsWithSealedKeys() throws -> Set<String?> {
        Set(try inForce().filter { $0.key != nil }.map(\.dataset))
    }

    /// Whether a whole dataset is sealed.
    public func isSealed(dataset: String) throws -> Bool {
        try database.queryScalarInt("SELECT count(*) FROM seals WHERE unsealed_at IS NULL AND record_key IS NULL AND dataset_id = ?",
                                    [.text(dataset)]) ?? 0 > 0
    }

    /// An SQL condition true when the record key `column` is sealed for any of `datasets` (or for every dataset).
    /// Stages add `AND NOT (…)` to what they read; with no seals in force it costs one look at an empty index.
    public static func keySealed(_ column: String, datasets: [String]) -> String {
        let list = datasets.map { "'" + $0.replacingOccurrences(of: "'", with: "''") + "'" }.joined(separator: ", ")
        return "\(column) IN (SELECT record_key FROM seals WHERE unsealed_at IS NULL AND record_key IS NOT NULL "
            + "AND (dataset_id IS NULL\(list.isEmpty ? "" : " OR dataset_id IN (\(list))")))"
    }

    private static let select = """
        SELECT seal_id, dataset_id, record_key, sealed_at, sealed_by, reason, basis, unsealed_at, unseal_reason FROM seals
        """

    private static func make(_ row: Statement) -> Seal {
        Seal(id: row.int64("seal_id"), dataset: row.text("dataset_id"), key: row.text("record_key"), sealedAt: row.text("sealed_at") ?? "",
             sealedBy: row.text("sealed_by") ?? "", reason: row.text("reason") ?? "", basis: row.text("basis") ?? "",
             unsealedAt: row.text("unsealed_at"), unsealReason: row.text("unseal_reason"))
    }
}

public enum SealError: Error, CustomStringConvertible {
    case nothingNamed
    case needs(String)
    case alreadySealed(SealTable.Seal)
    case notSealed(dataset: String?, key: String?)

    public var description: String {
        switch self {
        case .nothingNamed: return "name a dataset, a key (--key), or both"
        case .needs(let what): return "sealing and unsealing need \(what) (--reason TEXT, and --basis TEXT to seal)"
        case .alreadySealed(let seal): return "\(seal.scope) is already sealed (seal \(seal.id), \(seal.sealedAt) by \(seal.sealedBy))"
        case .notSealed(let dataset, let key):
            return "no seal in force on exactly " + [dataset.map { "dataset \($0)" }, key.map { "key \($0)" }].compactMap { $0 }.joined(separator: ", ")
        }
    }
}
