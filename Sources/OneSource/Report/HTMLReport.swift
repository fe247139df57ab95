import Foundation

/// Renders a quality report as one self-contained HTML page: inline CSS and SVG charts, no scripts, nothing
/// fetched, readable on screen and on paper.
public enum HTMLReport {
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func percent(_ ratio: Double) -> String { String(format: "%.1f%%", ratio * 100) }

    static let statusNames = ["delivered": "已交付", "duplicate": "重复文件（与第%d次运行相同）", "missing": "未交付", "failed": "文件无法读取"]
    static let severityNames = ["error": "错误", "warning": "警告", "notice": "提示"]

    /// Horizontal bars, one per dimension.
    static func dimensionChart(_ metrics: [QualityReport.Metric]) -> String {
        let rowHeight = 30, width = 640, labelWidth = 90, barWidth = 380
        var svg = "<svg class=\"chart\" viewBox=\"0 0 \(width) \(metrics.count * rowHeight + 10)\" role=\"img\" aria-label=\"各维度指标\">"
        for (index, metric) in metrics.enumerated() {
            let y = index * rowHeight + 5
            let length = Int((metric.ratio * Double(barWidth)).rounded())
            let colour = metric.ratio >= 0.99 ? "#2e7d32" : metric.ratio >= 0.95 ? "#f9a825" : "#c62828"
            svg += "<text x=\"0\" y=\"\(y + 18)\" font-size=\"14\">\(escape(QualityMetrics.chineseNames[metric.dimension] ?? metric.dimension))</text>"
            svg += "<rect x=\"\(labelWidth)\" y=\"\(y + 4)\" width=\"\(barWidth)\" height=\"18\" fill=\"#eceff1\"/>"
            svg += "<rect x=\"\(labelWidth)\" y=\"\(y + 4)\" width=\"\(length)\" height=\"18\" fill=\"\(colour)\"/>"
            svg += "<text x=\"\(labelWidth + barWidth + 8)\" y=\"\(y + 18)\" font-size=\"13\">\(percent(metric.ratio)) (\(metric.numerator)/\(metric.denominator))</text>"
        }
        return svg + "</svg>"
    }

    /// The score over the last runs.
    static func trendChart(_ trend: [(run: Int64, date: String, score: Double)]) -> String {
        guard !trend.isEmpty else { return "<p>暂无历史数据。</p>" }
        let width = 640.0, height = 200.0, left = 40.0, bottom = 30.0, top = 10.0
        let low = max(0, (trend.map(\.score).min() ?? 0) - 5).rounded(.down), high = 100.0
        func x(_ index: Int) -> Double { trend.count == 1 ? left + (width - left) / 2 : left + Double(index) * (width - left - 20) / Double(trend.count - 1) }
        func y(_ score: Double) -> Double { top + (high - score) / max(1, high - low) * (height - top - bottom) }
        var svg = "<svg class=\"chart\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"综合得分趋势\">"
        for tick in stride(from: low, through: high, by: max(1, ((high - low) / 4).rounded())) {
            svg += "<line x1=\"\(left)\" x2=\"\(width - 10)\" y1=\"\(y(tick))\" y2=\"\(y(tick))\" stroke=\"#cfd8dc\"/>"
            svg += "<text x=\"0\" y=\"\(y(tick) + 4)\" font-size=\"11\">\(Int(tick))</text>"
        }
        let points = trend.enumerated().map { "\(x($0.offset)),\(y($0.element.score))" }.joined(separator: " ")
        svg += "<polyline fill=\"none\" stroke=\"#1565c0\" stroke-width=\"2\" points=\"\(points)\"/>"
        for (index, point) in trend.enumerated() {
            svg += "<circle cx=\"\(x(index))\" cy=\"\(y(point.score))\" r=\"4\" fill=\"#1565c0\"/>"
            svg += "<text x=\"\(x(index) - 18)\" y=\"\(height - 8)\" font-size=\"11\">第\(point.run)次</text>"
            svg += "<text x=\"\(x(index) - 12)\" y=\"\(y(point.score) - 8)\" font-size=\"11\">\(String(format: "%.1f", point.score))</text>"
        }
        return svg + "</svg>"
    }

    public static func render(_ report: QualityReport, catalog: Catalog) -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="zh-CN"><head><meta charset="utf-8">
            <title>\(escape(report.title))</title>
            <style>
            body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif; margin: 2em auto; max-width: 1000px; color: #212121; padding: 0 1em; }
            h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.2em; border-bottom: 2px solid #1565c0; padding-bottom: 0.2em; margin-top: 1.6em; }
            .meta { color: #546e7a; } .score { font-size: 2.4em; font-weight: bold; color: #1565c0; }
            table { border-collapse: collapse; width: 100%; font-size: 0.9em; margin: 0.6em 0; }
            th, td { border: 1px solid #cfd8dc; padding: 0.3em 0.5em; text-align: left; vertical-align: top; }
            th { background: #eceff1; white-space: nowrap; } td.tag { white-space: nowrap; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
            .bad { color: #c62828; font-weight: bold; } .ok { color: #2e7d32; }
            .chart { width: 100%; max-width: 640px; height: auto; } .note { color: #546e7a; font-size: 0.85em; }
            ul.examples { margin: 0; padding-left: 1.2em; font-size: 0.85em; color: #37474f; }
            @media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; } tr, svg { break-inside: avoid; } a { color: inherit; } }
            </style></head><body>
            <h1>\(escape(report.title))</h1>
            <p class="meta">第\(report.runID)次运行 · 运行日期 \(report.runDate) · 依据 GB/T 36344-2018《信息技术 数据质量评价指标》</p>
            <p>综合得分 <span class="score">\(String(format: "%.1f", report.score))</span> / 100</p>
            <p class="note">综合得分为各数据集得分的平均值；数据集得分 = 各维度比率的加权平均 × 100，权重：\(QualityMetrics.measured.map { "\(QualityMetrics.chineseNames[$0] ?? $0) \(Int(QualityMetrics.scoreWeights[$0] ?? 0))%" }.joined(separator: "，"))。规范性、完整性、准确性、一致性 = 无该维度问题的记录数 / 接收记录数；时效性 = 是否在更新周期内交付；交付 = 成功读取行数 / 交付行数。</p>

            """
        html += "<h2>各维度指标</h2>\n" + dimensionChart(report.totals) + "\n"
        html += "<h2>得分趋势（最近\(report.trend.count)次运行）</h2>\n" + trendChart(report.trend) + "\n"
        html += "<h2>数据集</h2>\n<table><thead><tr><th>数据集</th>\(report.agency == nil ? "<th>单位</th>" : "")<th>得分</th>"
        html += QualityMetrics.measured.map { "<th>\(QualityMetrics.chineseNames[$0] ?? $0)</th>" }.joined() + "</tr></thead><tbody>\n"
        for dataset in report.datasets {
            html += "<tr><td>\(escape(dataset.name))<br><span class=\"note\">\(escape(dataset.id))</span></td>"
            if report.agency == nil { html += "<td>\(escape(catalog.agency(dataset.agency)?.name ?? dataset.agency))</td>" }
            html += "<td class=\"n\">\(String(format: "%.1f", dataset.score))</td>"
            for dimension in QualityMetrics.measured {
                if let metric = dataset.metrics.first(where: { $0.dimension == dimension }) {
                    html += "<td class=\"n\(metric.ratio < 0.95 ? " bad" : "")\">\(percent(metric.ratio))<br><span class=\"note\">\(metric.numerator)/\(metric.denominator)</span></td>"
                } else { html += "<td>—</td>" }
            }
            html += "</tr>\n"
        }
        html += "</tbody></table>\n<h2>问题最多的规则</h2>\n"
        if report.rules.isEmpty { html += "<p class=\"ok\">本次运行未发现问题。</p>\n" } else {
            html += "<table><thead><tr><th>规则</th><th>维度</th><th>级别</th><th>数量</th><th>示例（已脱敏）</th></tr></thead><tbody>\n"
            for rule in report.rules {
                html += "<tr><td>\(escape(rule.name))<br><span class=\"note\">\(escape(rule.rule))</span></td><td class=\"tag\">\(escape(QualityMetrics.chineseNames[rule.dimension] ?? rule.dimension))</td>"
                html += "<td class=\"tag\">\(escape(severityNames[rule.severity] ?? rule.severity))</td><td class=\"n\">\(rule.count)</td>"
                html += "<td><ul class=\"examples\">" + rule.examples.map { "<li>\(escape($0))</li>" }.joined() + "</ul></td></tr>\n"
            }
            html += "</tbody></table>\n"
        }
        let t = report.tasks
        html += "<h2>整改任务</h2>\n<table><thead><tr><th>待整改</th><th>其中逾期</th><th>已更正待核验</th><th>有异议</th><th>已核销</th></tr></thead><tbody>"
        html += "<tr><td class=\"n\">\(t["open"] ?? 0)</td><td class=\"n\((t["overdue"] ?? 0) > 0 ? " bad" : "")\">\(t["overdue"] ?? 0)</td>"
        html += "<td class=\"n\">\(t["corrected"] ?? 0)</td><td class=\"n\">\(t["disputed"] ?? 0)</td><td class=\"n\">\(t["resolved"] ?? 0)</td></tr></tbody></table>\n"
        html += "<p class=\"note\">整改期限为下发后7个工作日（《泰州市公共数据管理办法》第十二条），逾期以本次运行日期计。</p>\n"
        if let provisional = t["provisional"], provisional > 0 {
            html += "<p class=\"note\">其中\(provisional)个任务的截止日期为暂定：所跨年份的国务院放假安排尚未发布，暂按法定节假日计算，发布后自动重新计算。</p>\n"
        }
        html += "<h2>数据交付</h2>\n<table><thead><tr><th>数据集</th><th>状态</th><th>交付日期</th><th>时效</th><th>记录数</th><th>较上次</th></tr></thead><tbody>\n"
        for delivery in report.deliveries {
            var status = statusNames[delivery.status] ?? delivery.status
            if delivery.status == "duplicate", let run = delivery.duplicateOf { status = String(format: status, Int(run)) }
            let timeliness = delivery.late
                ? "<span class=\"bad\">逾期\(delivery.ageDays.map { "（已\($0)天，周期\(delivery.allowedDays)天）" } ?? "（未交付）")</span>"
                : "<span class=\"ok\">及时</span>"
            var change = "—"
            if let previous = delivery.previousRecords {
                let diff = delivery.records - previous
                change = (diff >= 0 ? "+" : "") + String(diff) + (delivery.sharpChange ? " <span class=\"bad\">变化剧烈</span>" : "")
            }
            html += "<tr><td>\(escape(delivery.name))</td><td\(delivery.status == "delivered" ? "" : " class=\"bad\"")>\(escape(status))</td>"
            html += "<td>\(delivery.deliveredOn ?? "—")</td><td>\(timeliness)</td><td class=\"n\">\(delivery.records)</td><td class=\"n\">\(change)</td></tr>\n"
        }
        html += "</tbody></table>\n<p class=\"note\">个人信息已脱敏：身份号码保留前6位和后4位，姓名保留首字，电话保留前3位和后4位。本报告由 OneSource 生成。</p>\n</body></html>\n"
        return html
    }
}
