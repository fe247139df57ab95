/// One agency's export as the catalog describes it.
public struct Dataset: Sendable, Equatable {
    /// What a dataset's records are about.
    public enum Entity: String, Sendable, CaseIterable {
        case person, legalEntity = "legal_entity", licence, credit, geography
    }

    /// File formats the ingest stage reads.
    public enum Format: String, Sendable, CaseIterable {
        case csv, json, ndjson, xml
    }

    /// How often the agency must deliver (timeliness is measured against it).
    public enum Frequency: String, Sendable, CaseIterable {
        case daily, weekly, monthly, quarterly, yearly
    }

    /// Share or open type (measures art. 14, 16).
    public enum DisclosureType: String, Sendable, CaseIterable {
        case unconditional, conditional, none
    }

    /// A share or open attribute; conditional and none must say why and on what legal basis.
    public struct Disclosure: Sendable, Equatable {
        public let type: DisclosureType
        public let reason: String?
        public let basis: String?
    }

    /// One source column / JSON key / XML path mapped to an element.
    public struct Field: Sendable, Equatable {
        public let source: String
        public let element: String
        public let required: Bool
        /// Changes the agency and the bureau agreed on for this field (e.g. 男/女 delivered for codes 1/2):
        /// they are applied without a nonstandard-form finding.
        public let agreedChanges: Set<StandardChange>
        /// Rule switches for this field only (rule id → "on", "off" or a severity).
        public let rules: [String: String]

        public init(source: String, element: String, required: Bool, agreedChanges: Set<StandardChange> = [],
                    rules: [String: String] = [:]) {
            self.source = source
            self.element = element
            self.required = required
            self.agreedChanges = agreedChanges
            self.rules = rules
        }
    }

    public let id: String
    public let name: String
    public let agency: String
    public let entity: Entity
    /// Path of the export relative to the pipeline's data root; `*` and `?` match within one folder level.
    public let file: String
    public let format: Format
    /// `utf-8` or `gb18030` (any name iconv knows).
    public let encoding: String
    public let delimiter: UInt8
    /// XML only: the record element (`企业`, or `企业列表/企业`).
    public let recordPath: String?
    public let key: [String]
    public let fields: [Field]
    public let share: Disclosure
    public let open: Disclosure
    public let grade: String
    public let frequency: Frequency
    /// The date forms this dataset agreed to deliver (nil: ISO only).
    public let dateForms: Set<DateStandard.Form>?
    /// Rule switches: rule id → "on", "off", or a severity ("error", "warning", "notice").
    public let rules: [String: String]
    /// What a key present here but absent from the authority's data means (people registered elsewhere
    /// are not errors): the finding's severity (nil: no finding) and whom it is addressed to.
    public let missingKey: MissingKeyPolicy
    /// A delivery whose record count falls by more than this share of the previous delivery's is reported
    /// (`record_count_drop`): a cut-off export looks like many records deleted. Default 0.3.
    public var recordCountDrop: Double = Dataset.defaultRecordCountDrop

    public static let defaultRecordCountDrop = 0.3
    /// CSV: whether a quoted field may hold line breaks. Off by default: agency exports are one record per line,
    /// and a stray quote typed into a name is far more common than a real line break inside a field; off, such a
    /// line is rejected alone instead of silently merging the lines after it into one record. A dataset with
    /// free text that may span lines (a penalty's 违法事实) turns it on; each record that spans lines is then
    /// still reported (`multiline_record`, with its first and last line).
    public var multilineFields = false
    /// The date of the next periodic evaluation of a closed or conditional opening (measures art. 17), yyyy-MM-dd.
    public var reviewOn: String?
    /// The years whose key open list (开放重点清单) carries this dataset.
    public var openList: [Int] = []
    /// The catalog file that declares it (relative to the catalog folder), for messages.
    public var sourceFile = ""

    /// The policy for keys absent from the authoritative source.
    public struct MissingKeyPolicy: Sendable, Equatable {
        public let severity: Severity?
        /// true: addressed to this dataset's agency; false: to the authority.
        public let addressedToSelf: Bool

        public static let standard = MissingKeyPolicy(severity: .warning, addressedToSelf: true)
    }

    /// The name of this dataset's staging table in the store.
    public var stagingTable: String { "stg_\(id)" }

    /// Whether the file must be decoded to UTF-8 first.
    public var needsTranscoding: Bool {
        let normalized = encoding.lowercased().replacingOccurrences(of: "-", with: "")
        return normalized != "utf8"
    }
}

extension Dataset {
    /// A copy with other rule switches or another missing-key policy (for what-if runs and tests).
    public func replacing(rules: [String: String]? = nil, missingKey: MissingKeyPolicy? = nil) -> Dataset {
        Dataset(id: id, name: name, agency: agency, entity: entity, file: file, format: format, encoding: encoding,
                delimiter: delimiter, recordPath: recordPath, key: key, fields: fields, share: share, open: open, grade: grade,
                frequency: frequency, dateForms: dateForms, rules: rules ?? self.rules, missingKey: missingKey ?? self.missingKey,
                recordCountDrop: recordCountDrop, multilineFields: multilineFields, reviewOn: reviewOn, openList: openList, sourceFile: sourceFile)
    }
}

extension Dataset {
    /// Why a `file` pattern may not be used, or nil when it is fine: it must stay inside the pipeline's data root.
    public static func filePatternProblem(_ pattern: String) -> String? {
        if pattern.hasPrefix("/") { return "file pattern \"\(pattern)\" is absolute: it must be relative to the pipeline's data root" }
        if pattern.contains("\0") { return "file pattern contains a NUL character" }
        let components = pattern.split(separator: "/", omittingEmptySubsequences: false)
        if components.contains(where: { $0 == ".." }) {
            return "file pattern \"\(pattern)\" uses \"..\": it must stay inside the pipeline's data root"
        }
        if components.contains(where: \.isEmpty) { return "file pattern \"\(pattern)\" has an empty path component" }
        return nil
    }
}
