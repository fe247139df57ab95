import Foundation

/// The public data catalog (measures art. 8), as published: per dataset its content, owning agency, elements, grade,
/// share and open type with reason and legal basis, update frequency, review date and the date of its last delivery;
/// and a year's key open list (开放重点清单) from the entries marked for it. CSV (UTF-8 with BOM, CRLF: Excel and WPS
/// open it as it is), JSON or a self-contained HTML page.
public struct CatalogExport {
    public enum Format: String, CaseIterable, Sendable { case csv, json, html }

    public struct Entry: Sendable, Equatable {
        public let id: String
        public let name: String
        public let agency: String
        public let elements: [String]
        public let grade: String
        public let share: Dataset.Disclosure
        public let open: Dataset.Disclosure
        public let frequency: String
        public let reviewOn: String?
        public let lastDelivered: String?
        public let openList: [Int]
    }

    public let entries: [Entry]

    static let disclosureNames: [Dataset.DisclosureType: String] = [.unconditional: "无条件", .conditional: "有条件", .none: "不予"]
    static let frequencyNames: [Dataset.Frequency: String] = [.daily: "每日", .weekly: "每周", .monthly: "每月", .quarterly: "每季度", .yearly: "每年"]

    /// The catalog's datasets; `lastDelivered` from the store (empty when there is none); only those on `openList`'s
    /// year when given.
    public init(catalog: Catalog, lastDelivered: [String: String], openList year: Int? = nil) {
        entries = catalog.datasets.filter { year == nil || $0.openList.contains(year!) }.map { dataset in
            let grade = catalog.grades.first { $0.code == dataset.grade }
            return Entry(id: dataset.id, name: dataset.name, agency: catalog.agency(dataset.agency)?.name ?? dataset.agency,
                         elements: dataset.fields.map { catalog.element($0.element)?.name ?? $0.element },
                         grade: grade.map { "\($0.code) \($0.name)" } ?? dataset.grade, share: dataset.share, open: dataset.open,
                         frequency: CatalogExport.frequencyNames[dataset.frequency] ?? dataset.frequency.rawValue, reviewOn: dataset.reviewOn,
                         lastDelivered: lastDelivered[dataset.id], openList: dataset.openList)
        }
    }

    static let header = ["数据集标识", "数据资源名称", "提供单位", "数据项", "分级", "共享类型", "共享条件或不予共享理由", "共享依据", "开放类型",
                         "开放条件或不予开放理由", "开放依据", "更新频率", "最近报送日期", "下次评估日期", "开放重点清单年度"]

    var rows: [[String]] {
        entries.map { entry in
            [entry.id, entry.name, entry.agency, entry.elements.joined(separator: "、"), entry.grade,
             CatalogExport.disclosureNames[entry.share.type] ?? "", entry.share.reason ?? "", entry.share.basis ?? "",
             CatalogExport.disclosureNames[entry.open.type] ?? "", entry.open.reason ?? "", entry.open.basis ?? "", entry.frequency,
             entry.lastDelivered ?? "", entry.reviewOn ?? "", entry.openList.map(String.init).joined(separator: "、")]
        }
    }

    static func disclosure(_ value: Dataset.Disclosure) -> [String: Any] {
        ["type": value.type.rawValue, "reason": value.reason as Any? ?? NSNull(), "basis": value.basis as Any? ?? NSNull()]
    }

    public func render(_ format: Format, title: String) throws -> [UInt8] {
        switch format {
        case .csv: return CSVFile.bytes([CatalogExport.header] + rows)
        case .json:
            let objects = entries.map { entry -> [String: Any] in
                ["id": entry.id, "name": entry.name, "agency": entry.agency, "elements": entry.elements, "grade": entry.grade,
                 "share": CatalogExport.disclosure(entry.share), "open": CatalogExport.disclosure(entry.open),
                 "frequency": entry.frequency, "lastDelivered": entry.lastDelivered ?? NSNull(), "reviewOn": entry.reviewOn ?? NSNull(),
                 "openList": entry.openList]
            }
            return Array(try JSONSerialization.data(withJSONObject: ["title": title, "datasets": objects],
                                                    options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]))
        case .html:
            let escape = MarkupText.escape
            var html = "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\n"
            html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>\(escape(title))</title>\n"
            html += "<style>body { font-family: \"Noto Sans CJK SC\", \"Microsoft YaHei\", sans-serif; margin: 1.5em; } table { border-collapse: collapse; font-size: 0.85em; } "
            html += "th, td { border: 1px solid #cfd8dc; padding: 0.3em 0.5em; vertical-align: top; } th { background: #eceff1; } "
            html += ".wrap { overflow-x: auto; } @page { size: A4 landscape; margin: 12mm; }</style></head><body>\n"
            html += "<h1>\(escape(title))</h1>\n<div class=\"wrap\"><table><thead><tr>" + CatalogExport.header.map { "<th>\($0)</th>" }.joined() + "</tr></thead><tbody>\n"
            for row in rows { html += "<tr>" + row.map { "<td>\(escape($0))</td>" }.joined() + "</tr>\n" }
            html += "</tbody></table></div>\n<p>依据《泰州市公共数据管理办法》第八条编制。</p>\n</body></html>\n"
            return Array(html.utf8)
        }
    }
}
