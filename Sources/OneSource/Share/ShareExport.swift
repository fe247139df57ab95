import Foundation

/// An extract of a dataset or a base database for an agency (sharing, measures art. 14-15) or for the public (opening,
/// art. 16), by the catalog's rules:
///
/// - unconditional: any agency, no request needed; conditional: only with an approved share request of that agency
///   for that dataset, and only the elements the request grants (and the record key); none: refused with the reason
///   and legal basis of the catalog. A base takes the strictest type of the datasets that feed it.
/// - values come from the base databases, canonical (one number, one source); a dataset's extract holds the base
///   records it supplied a value to. A personal element (identity number, name, phone, address) is masked unless the
///   request grants it. Sealed data never leaves: a sealed dataset is refused, a sealed key left out.
/// - the open variant applies the open type, and never carries a personal element, granted or not.
/// - the file (CSV, UTF-8 with BOM) and its manifest (JSON) are written 0600 in an owner-only folder, and the extract is
///   recorded in the audit trail: who, for whom, which request, which elements, how many records, the file's SHA-256.
public struct ShareExport {
    public struct Outcome: Sendable {
        public let path: String
        public let manifest: String
        public let records: Int
        public let elements: [String]
        public let masked: [String]
        public let sealedLeftOut: Int
        public let sha256: String
    }

    let database: Database
    let catalog: Catalog

    public init(database: Database, catalog: Catalog) {
        self.database = database
        self.catalog = catalog
    }

    /// The strictest of disclosures: none over conditional over unconditional.
    static func strictest(_ disclosures: [Dataset.Disclosure]) -> Dataset.Disclosure? {
        disclosures.first { $0.type == .none } ?? disclosures.first { $0.type == .conditional } ?? disclosures.first
    }

    /// Writes the extract of dataset or base `target` for agency `to` (nil with `open`), under `request`, into `folder`.
    public func export(_ target: String, to agency: String?, request requestID: Int64?, open: Bool, into folder: String,
                       on day: CivilDate) throws -> Outcome {
        let datasets: [Dataset]
        let base: BaseDefinition
        if let dataset = catalog.dataset(target) {
            guard let owner = catalog.base(of: dataset) else { throw ShareError.refused("\(target) feeds no base database: nothing canonical to share") }
            datasets = [dataset]
            base = owner
        } else if let found = catalog.base(target) {
            datasets = catalog.datasets(of: found)
            base = found
        } else {
            let names = catalog.datasets.map(\.id) + catalog.bases.map(\.id)
            throw ShareError.invalid("no dataset or base \(target)" + Similarity.hint(for: target, among: names))
        }
        if !open {
            guard let agency else { throw ShareError.invalid("a share extract is for an agency (--to)") }
            guard catalog.agency(agency) != nil else {
                throw ShareError.invalid("unknown agency \(agency)" + Similarity.hint(for: agency, among: catalog.agencies.map(\.code)))
            }
        }
        let seals = SealTable(database: database)
        for dataset in datasets where try seals.isSealed(dataset: dataset.id) {
            throw ShareError.refused("\(dataset.id) is sealed: sealed data never leaves the store (measures art. 22)")
        }
        guard let disclosure = ShareExport.strictest(datasets.map { open ? $0.open : $0.share }) else {
            throw ShareError.refused("\(target) has no dataset")
        }
        let what = open ? "opened" : "shared"
        if disclosure.type == .none {
            throw ShareError.refused("\(target) is not \(what): \(disclosure.reason ?? "") (legal basis: \(disclosure.basis ?? ""))")
        }
        var granted: Set<String> = []
        var request: RequestTable.Request?
        if let requestID {
            guard let found = try RequestTable(database: database).request(requestID) else { throw ShareError.invalid("no request \(requestID)") }
            guard found.kind == .share, found.status == .approved else {
                throw ShareError.refused("request \(requestID) is a \(found.kind.rawValue) that is \(found.status.rawValue) (\(found.status.chineseName)): "
                                         + "only an approved share request lets data out")
            }
            guard open || found.requester == agency else {
                throw ShareError.refused("request \(requestID) was made by \(found.requester), not \(agency ?? "")")
            }
            guard let dataset = found.dataset, datasets.contains(where: { $0.id == dataset }) else {
                throw ShareError.refused("request \(requestID) is for \(found.dataset ?? "no dataset"), not \(target)")
            }
            request = found
            granted = Set(found.granted ?? [])
        }
        if disclosure.type == .conditional && request == nil {
            throw ShareError.refused("\(target) is \(what) on conditions: \(disclosure.reason ?? "") (legal basis: \(disclosure.basis ?? "")); "
                                     + "it needs an approved share request of \(open ? "the applicant" : agency ?? "") (--request; `onesource requests`)")
        }
        // The elements: the key, then the dataset's (or base's) elements; on conditions only those granted.
        var elements = [base.key]
        for element in datasets.flatMap({ $0.fields.map(\.element) }) where !elements.contains(element) { elements.append(element) }
        if disclosure.type == .conditional { elements = elements.filter { $0 == base.key || granted.contains($0) } }
        let personal = { (element: String) in self.catalog.element(element)?.personal }
        if open { elements = elements.filter { personal($0) == nil } }
        guard !elements.isEmpty else { throw ShareError.refused("no element of \(target) may be opened: every one is personal") }
        let masked = elements.filter { personal($0) != nil && !granted.contains($0) }
        // The records: the base's, those a value of the dataset went into for a dataset's extract; sealed keys left out.
        let sealedKeys = Set(try seals.inForce().filter { seal in seal.key != nil && (seal.dataset == nil || datasets.contains { $0.id == seal.dataset }) }
            .compactMap(\.key))
        let files: [Int64]? = catalog.dataset(target) != nil ? try RunFileTable(database: database).fileIDs(dataset: target) : nil
        var rows: [[String]] = [elements.map { catalog.element($0)?.name ?? $0 }]
        var sealedLeftOut = 0
        try BaseTable(base: base, catalog: catalog).forEachRecord(elements: elements, suppliedBy: files, in: database) { key, values in
            if sealedKeys.contains(key) { sealedLeftOut += 1; return }
            rows.append(zip(elements, values).map { element, value in
                guard let value else { return "" }
                return masked.contains(element) ? Masking.mask(value, kind: personal(element)) : value
            })
        }
        // Written owner-only, with a manifest, and recorded.
        try PrivateFile.makeFolder(folder)
        let stamp = Clock.now().prefix(19).replacingOccurrences(of: ":", with: "").replacingOccurrences(of: "-", with: "")
        let stem = "\(open ? "open" : "share")-\(target)-\(open ? "public" : agency ?? "")-\(stamp)"
        let path = try PathComponent.child(folder, stem + ".csv")
        let bytes = CSVFile.bytes(rows)
        try PrivateFile.write(bytes, to: path)
        let sha = SHA256.hex(of: bytes)
        let manifest: [String: Any] = [
            "target": target, "base": base.id, "for": open ? "public" : agency ?? "", "variant": open ? "open" : "share",
            "disclosure": ["type": disclosure.type.rawValue, "reason": disclosure.reason as Any? ?? NSNull(), "basis": disclosure.basis as Any? ?? NSNull()],
            "request": requestID as Any? ?? NSNull(), "elements": elements, "masked": masked, "records": rows.count - 1,
            "sealedLeftOut": sealedLeftOut, "sha256": sha, "file": (path as NSString).lastPathComponent, "by": Clock.userName(), "at": Clock.now(),
            "asOf": day.description,
        ]
        let manifestPath = try PathComponent.child(folder, stem + ".json")
        try PrivateFile.write(Array(try JSONSerialization.data(withJSONObject: manifest, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])),
                              to: manifestPath)
        try AuditTrail(database: database).record(open ? "open_exported" : "share_exported", dataset: target, path: path, size: Int64(bytes.count),
                                                  sha256: sha, counts: "\(rows.count - 1) records for \(open ? "the public" : agency ?? "")"
                                                    + (requestID.map { ", request \($0)" } ?? "") + "; elements: \(elements.joined(separator: ", "))"
                                                    + (masked.isEmpty ? "" : "; masked: \(masked.joined(separator: ", "))"),
                                                  outcome: "exported")
        return Outcome(path: path, manifest: manifestPath, records: rows.count - 1, elements: elements, masked: masked,
                       sealedLeftOut: sealedLeftOut, sha256: sha)
    }
}

/// A share or open extract that may not be made, and why.
public enum ShareError: Error, CustomStringConvertible {
    /// The request is malformed (unknown names): a usage error.
    case invalid(String)
    /// The catalog's rules do not let the data out.
    case refused(String)

    public var description: String {
        switch self {
        case .invalid(let message), .refused(let message): return message
        }
    }
}
