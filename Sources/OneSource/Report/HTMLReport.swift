import Foundation

/// Renders a quality report as one self-contained HTML page: inline CSS and SVG charts, no scripts, nothing
/// fetched, readable on screen and on paper.
public enum HTMLReport {
    static func escape(_ text: String) -> String { MarkupText.escape(text) }

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
    static func trendChart(_ trend: [(run: Int64, date: String, score: Double)], warned: Set<Int64> = []) -> String {
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
            let warning = warned.contains(point.run)
            svg += "<circle cx=\"\(x(index))\" cy=\"\(y(point.score))\" r=\"\(warning ? 6 : 4)\" fill=\"\(warning ? "#c62828" : "#1565c0")\">"
                + (warning ? "<title>第\(point.run)次运行有预警</title>" : "") + "</circle>"
            svg += "<text x=\"\(x(index) - 18)\" y=\"\(height - 8)\" font-size=\"11\">第\(point.run)次</text>"
            svg += "<text x=\"\(x(index) - 12)\" y=\"\(y(point.score) - 8)\" font-size=\"11\">\(String(format: "%.1f", point.score))</text>"
        }
        return svg + "</svg>"
    }

    /// Where each agency stands: agencies with data this run, best score first, and the city's figures.
    public struct Ranking {
        public let city: QualityReport
        public let ranked: [QualityReport]

        public init(city: QualityReport, agencies: [QualityReport]) {
            self.city = city
            ranked = agencies.filter { !$0.datasets.isEmpty }
                .sorted { ($0.score, $1.agency?.code ?? "") > ($1.score, $0.agency?.code ?? "") }
        }

        /// The agency's place (1 = best) among the ranked, or nil.
        public func position(of code: String?) -> Int? {
            ranked.firstIndex { $0.agency?.code == code }.map { $0 + 1 }
        }
    }

    /// The page's head: A4 portrait with the title and page numbers on every printed page; readable on a phone.
    static func head(_ title: String) -> String {
        let cssTitle = title.replacingOccurrences(of: "\\", with: "").replacingOccurrences(of: "\"", with: "")
        return """
            <!DOCTYPE html>
            <html lang="zh-CN"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title))</title>
            <style>
            body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif; margin: 2em auto; max-width: 1000px; color: #212121; padding: 0 1em; line-height: 1.5; }
            h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.2em; border-bottom: 2px solid #1565c0; padding-bottom: 0.2em; margin-top: 1.6em; }
            nav { font-size: 0.9em; margin-bottom: 0.6em; } nav a { margin-right: 1em; }
            .meta { color: #546e7a; } .score { font-size: 2.4em; font-weight: bold; color: #1565c0; } .score.low { color: #c62828; }
            .headline { display: flex; flex-wrap: wrap; gap: 1.5em; align-items: center; }
            .counts span { display: inline-block; margin-right: 0.8em; }
            .wrap { overflow-x: auto; -webkit-overflow-scrolling: touch; }
            table { border-collapse: collapse; width: 100%; font-size: 0.9em; margin: 0.6em 0; }
            th, td { border: 1px solid #cfd8dc; padding: 0.3em 0.5em; text-align: left; vertical-align: top; }
            th { background: #eceff1; white-space: nowrap; } td.tag { white-space: nowrap; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
            .bad { color: #c62828; font-weight: bold; } .ok { color: #2e7d32; } .warn { color: #e65100; }
            .alert { border: 2px solid #e65100; background: #fff3e0; padding: 0.5em 1em; margin: 1em 0; }
            .alert h2 { border: none; margin-top: 0.2em; color: #e65100; }
            .chart { width: 100%; max-width: 640px; height: auto; } .note { color: #546e7a; font-size: 0.85em; } .id { color: #78909c; font-size: 0.75em; }
            ul.examples { margin: 0; padding-left: 1.2em; font-size: 0.85em; color: #37474f; }
            @media (max-width: 600px) { body { margin: 0.5em auto; padding: 0 0.5em; } .score { font-size: 1.8em; } table { font-size: 0.8em; } h1 { font-size: 1.3em; } }
            @page { size: A4 portrait; margin: 18mm 12mm 18mm 12mm;
              @top-center { content: "\(cssTitle)"; font-size: 9pt; color: #546e7a; }
              @bottom-center { content: "第 " counter(page) " 页，共 " counter(pages) " 页"; font-size: 9pt; color: #546e7a; } }
            @media print { body { margin: 0; max-width: none; padding: 0; } nav { display: none; } .wrap { overflow: visible; }
              h2 { break-after: avoid; } tr, svg, .alert { break-inside: avoid; } a { color: inherit; text-decoration: none; } }
            </style></head><body>

            """
    }

    static func table(_ header: [String], _ rows: [String]) -> String {
        "<div class=\"wrap\"><table><thead><tr>" + header.map { "<th>\($0)</th>" }.joined() + "</tr></thead><tbody>\n" + rows.joined() + "</tbody></table></div>\n"
    }

    /// What the score says and how it is made, with the open tasks by severity beside it.
    static func headline(_ report: QualityReport) -> String {
        let open = report.openBySeverity
        var html = "<div class=\"headline\"><p>综合得分 <span class=\"score\(report.penalty > 0 ? " low" : "")\">\(String(format: "%.1f", report.score))</span> / 100</p>"
        html += "<p class=\"counts\">待整改任务：<span class=\"\((open["error"] ?? 0) > 0 ? "bad" : "ok")\">错误 \(open["error"] ?? 0)</span>"
        html += "<span>警告 \(open["warning"] ?? 0)</span><span>提示 \(open["notice"] ?? 0)</span>"
        html += "<span class=\"\((open["error_overdue"] ?? 0) > 0 ? "bad" : "")\">其中错误级逾期 \(open["error_overdue"] ?? 0)</span></p></div>\n"
        html += "<p class=\"note\">综合得分 = 数据得分 \(String(format: "%.1f", report.dataScore)) − 整改扣分 \(String(format: "%.1f", report.penalty))。"
        html += "数据得分为各数据集得分的平均值；数据集得分 = 各维度比率的加权平均 × 100，权重：\(QualityMetrics.measured.map { "\(QualityMetrics.chineseNames[$0] ?? $0) \(Int(QualityMetrics.scoreWeights[$0] ?? 0))%" }.joined(separator: "，"))。"
        html += "整改扣分：每个待整改的错误级任务扣\(QualityReport.penaltyPerOpenError)分，其中已逾期的再扣\(QualityReport.penaltyPerOverdueError)分，最多扣\(Int(QualityReport.penaltyCap))分。"
        html += "规范性、完整性、准确性、一致性 = 无该维度问题的记录数 / 接收记录数；时效性 = 是否在更新周期内交付；交付 = 成功读取行数 / 交付行数。</p>\n"
        return html
    }

    static func warnings(_ report: QualityReport) -> String {
        guard !report.warnings.isEmpty else { return "" }
        var html = "<div class=\"alert\"><h2>预警（\(report.warnings.count)项）</h2><ul>"
        for warning in report.warnings {
            html += "<li>\(report.agency == nil ? escape(warning.agency) + " · " : "")《\(escape(warning.datasetName))》：\(escape(warning.message))</li>"
        }
        return html + "</ul><p class=\"note\">\(escape(EarlyWarning.method))</p></div>\n"
    }

    /// The agency's live tasks: what to fix, by when; overdue first.
    static func openTasks(_ report: QualityReport) -> String {
        var html = "<h2>待办整改任务（\(report.openTaskTotal)项）</h2>\n"
        if report.openTaskTotal > report.openTasks.count {
            html += "<p class=\"warn\">共\(report.openTaskTotal)项，此处按逾期优先、截止日期先后列出前\(report.openTasks.count)项；"
                + "全部任务见本单位的任务导出（onesource tasks export）。</p>\n"
        }
        guard !report.openTasks.isEmpty else { return html + "<p class=\"ok\">当前没有待办的整改任务。</p>\n" }
        let rows = report.openTasks.map { task -> String in
            let left = task.status.awaitsAgency
                ? (task.daysLeft < 0 ? "<span class=\"bad\">逾期\(-task.daysLeft)天</span>" : task.daysLeft == 0 ? "<span class=\"warn\">今日到期</span>" : "剩余\(task.daysLeft)天")
                : "—"
            return "<tr><td class=\"n\">\(task.id)</td><td>\(escape(task.ruleName))<br><span class=\"id\">\(escape(task.rule))</span></td>"
                + "<td class=\"tag\">\(severityNames[task.severity] ?? task.severity)</td><td>\(escape(task.datasetName))</td>"
                + "<td class=\"tag\">\(escape(task.key))</td><td>\(escape(task.elementName))</td>"
                + "<td class=\"tag\">\(task.dueOn)\(task.provisional ? "<br><span class=\"note\">暂定</span>" : "")</td><td class=\"tag\">\(left)</td>"
                + "<td class=\"tag\">\(escape(task.status.chineseName))</td></tr>\n"
        }
        html += table(["任务号", "规则", "级别", "数据集", "记录（已脱敏）", "数据项", "截止日期", "剩余/逾期", "状态"], rows)
        return html + "<p class=\"note\">记录键已脱敏；按任务号在本单位的任务导出（onesource tasks export）中可查到完整记录键。整改期限为下发后7个工作日（《泰州市公共数据管理办法》第十二条）。</p>\n"
    }

    static func deliveries(_ report: QualityReport) -> String {
        var rows: [String] = []
        for delivery in report.deliveries {
            let fresh: String
            switch delivery.status {
            case "delivered": fresh = "<span class=\"ok\">是</span>"
            case "duplicate": fresh = "否：与第\(delivery.duplicateOf.map(String.init) ?? "?")次运行收到的文件相同"
            case "missing": fresh = "<span class=\"bad\">否：未报送</span>"
            default: fresh = "<span class=\"bad\">否：文件无法读取</span>"
            }
            let timeliness = delivery.late
                ? "<span class=\"bad\">已超出更新周期\(delivery.ageDays.map { "（数据已\($0)天未更新，周期\(delivery.allowedDays)天）" } ?? "")</span>"
                : "<span class=\"ok\">在更新周期内</span>\(delivery.ageDays.map { "<br><span class=\"note\">数据\($0)天前报送，周期\(delivery.allowedDays)天</span>" } ?? "")"
            var change = "—"
            if let previous = delivery.previousRecords {
                let diff = delivery.records - previous
                change = (diff >= 0 ? "+" : "") + String(diff) + (delivery.sharpChange ? " <span class=\"bad\">变化剧烈</span>" : "")
            }
            rows.append("<tr><td>\(escape(delivery.name))</td><td>\(fresh)</td><td>\(delivery.deliveredOn ?? "—")</td><td>\(timeliness)</td>"
                        + "<td class=\"n\">\(delivery.records)</td><td class=\"n\">\(change)</td></tr>\n")
        }
        return "<h2>数据交付</h2>\n" + table(["数据集", "本期是否报送新数据", "数据报送日期", "时效", "记录数", "较上次"], rows)
    }

    public static func render(_ report: QualityReport, catalog: Catalog, ranking: Ranking? = nil) -> String {
        var html = head(report.title)
        html += "<nav><a href=\"index.html\">总览</a><a href=\"city.html\">全市报告</a></nav>\n"
        html += "<h1>\(escape(report.title))</h1>\n"
        html += "<p class=\"meta\">第\(report.runID)次运行 · 运行日期 \(report.runDate) · 依据 GB/T 36344-2018《信息技术 数据质量评价指标》</p>\n"
        html += warnings(report)
        html += headline(report)
        if let ranking, let agency = report.agency {
            if let position = ranking.position(of: agency.code) {
                html += "<p>在全市\(ranking.ranked.count)个单位中排名<strong>第\(position)</strong>；全市综合得分 \(String(format: "%.1f", ranking.city.score))。</p>\n"
            } else {
                html += "<p class=\"note\">本次运行没有本单位的数据集，不参与排名。</p>\n"
            }
        }
        if report.agency != nil { html += openTasks(report) }
        html += "<h2>各维度指标</h2>\n" + dimensionChart(report.totals) + "\n"
        if let ranking, report.agency != nil {
            let city = Dictionary(ranking.city.totals.map { ($0.dimension, $0) }, uniquingKeysWith: { a, _ in a })
            let rows = report.totals.map { metric -> String in
                let other = city[metric.dimension]
                let worse = other.map { metric.ratio < $0.ratio } ?? false
                return "<tr><td>\(QualityMetrics.chineseNames[metric.dimension] ?? metric.dimension)</td>"
                    + "<td class=\"n\(worse ? " warn" : "")\">\(percent(metric.ratio))</td><td class=\"n\">\(other.map { percent($0.ratio) } ?? "—")</td></tr>\n"
            }
            html += table(["维度", "本单位", "全市"], rows)
        }
        html += "<h2>得分趋势（最近\(report.trend.count)次运行，数据得分）</h2>\n" + trendChart(report.trend, warned: report.warningRuns) + "\n"
        if !report.warningRuns.isEmpty { html += "<p class=\"note\">红色圆点：该次运行有预警。</p>\n" }
        html += "<h2>数据集</h2>\n"
        var datasetRows: [String] = []
        for dataset in report.datasets {
            var row = "<tr><td>\(escape(dataset.name))<br><span class=\"id\">\(escape(dataset.id))</span></td>"
            if report.agency == nil { row += "<td>\(escape(catalog.agency(dataset.agency)?.name ?? dataset.agency))</td>" }
            row += "<td class=\"n\">\(String(format: "%.1f", dataset.score))</td>"
            for dimension in QualityMetrics.measured {
                if let metric = dataset.metrics.first(where: { $0.dimension == dimension }) {
                    row += "<td class=\"n\(metric.ratio < 0.95 ? " bad" : "")\">\(percent(metric.ratio))<br><span class=\"note\">\(metric.numerator)/\(metric.denominator)</span></td>"
                } else { row += "<td>—</td>" }
            }
            datasetRows.append(row + "</tr>\n")
        }
        html += table(["数据集"] + (report.agency == nil ? ["单位"] : []) + ["得分"] + QualityMetrics.measured.map { QualityMetrics.chineseNames[$0] ?? $0 },
                      datasetRows)
        html += "<h2>问题最多的规则</h2>\n"
        if report.rules.isEmpty { html += "<p class=\"ok\">本次运行未发现问题。</p>\n" } else {
            let rows = report.rules.map { rule -> String in
                "<tr><td>\(escape(rule.name))<br><span class=\"id\">\(escape(rule.rule))</span></td><td class=\"tag\">\(escape(QualityMetrics.chineseNames[rule.dimension] ?? rule.dimension))</td>"
                    + "<td class=\"tag\">\(escape(severityNames[rule.severity] ?? rule.severity))</td><td class=\"n\">\(rule.count)</td>"
                    + "<td>" + (rule.mostOf.map { "<p class=\"warn\">命中《\(escape($0.dataset))》\(percent($0.share))的记录：规则可能不适用于该数据集，"
                        + "请核查（可在目录中按数据集关闭）。</p>" } ?? "")
                    + "<ul class=\"examples\">" + rule.examples.map { "<li>\(escape($0))</li>" }.joined() + "</ul></td></tr>\n"
            }
            html += table(["规则", "维度", "级别", "数量", "示例（已脱敏）"], rows)
        }
        let t = report.tasks
        html += "<h2>整改任务统计</h2>\n" + table(["待整改", "其中逾期", "已更正待核验", "有异议", "已核销"], [
            "<tr><td class=\"n\">\(t["open"] ?? 0)</td><td class=\"n\((t["overdue"] ?? 0) > 0 ? " bad" : "")\">\(t["overdue"] ?? 0)</td>"
                + "<td class=\"n\">\(t["corrected"] ?? 0)</td><td class=\"n\">\(t["disputed"] ?? 0)</td><td class=\"n\">\(t["resolved"] ?? 0)</td></tr>",
        ])
        html += "<p class=\"note\">整改期限为下发后7个工作日（《泰州市公共数据管理办法》第十二条），逾期以本次运行日期计。</p>\n"
        let r = report.requests
        html += "<h2>数据需求与共享申请</h2>\n" + table(["待办理", "逾期", "超期办结"], [
            "<tr><td class=\"n\">\(r.open)</td><td class=\"n\(r.overdue > 0 ? " bad" : "")\">\(r.overdue)</td><td class=\"n\">\(r.late)</td></tr>",
        ])
        html += "<p class=\"note\">向\(report.agency == nil ? "各单位" : "本单位")提出的数据需求（5个工作日内答复，同意后5个工作日内提供，第十一条）和共享申请（3个工作日内审核，第十五条），按工作日计。</p>\n"
        if let provisional = t["provisional"], provisional > 0 {
            html += "<p class=\"note\">其中\(provisional)个任务的截止日期为暂定：所跨年份的国务院放假安排尚未发布，暂按法定节假日计算，发布后自动重新计算。</p>\n"
        }
        html += deliveries(report)
        html += "<p class=\"note\">个人信息已脱敏：身份号码保留前6位和后4位，姓名保留首字，电话保留前3位和后4位。本报告由 OneSource 生成。</p>\n</body></html>\n"
        return html
    }

    /// The index: the latest run, every agency ranked, links to each page.
    public static func renderIndex(_ ranking: Ranking, catalog: Catalog) -> String {
        let city = ranking.city
        var html = head("泰州市公共数据质量报告 · 总览")
        html += "<h1>泰州市公共数据质量报告 · 总览</h1>\n"
        html += "<p class=\"meta\">第\(city.runID)次运行 · 运行日期 \(city.runDate)</p>\n"
        html += warnings(city)
        html += headline(city)
        html += "<p><a href=\"city.html\">全市报告</a></p>\n<h2>各单位排名</h2>\n"
        let rows = ranking.ranked.enumerated().map { index, report -> String in
            let code = report.agency?.code ?? ""
            let open = report.openBySeverity
            return "<tr><td class=\"n\">\(index + 1)</td><td><a href=\"agency-\(escape(code)).html\">\(escape(report.agency?.name ?? code))</a></td>"
                + "<td class=\"n\">\(String(format: "%.1f", report.score))</td><td class=\"n\">\(String(format: "%.1f", report.dataScore))</td>"
                + "<td class=\"n\((open["error"] ?? 0) > 0 ? " bad" : "")\">\(open["error"] ?? 0)</td><td class=\"n\">\(open["error_overdue"] ?? 0)</td>"
                + "<td class=\"n\">\((open["warning"] ?? 0) + (open["notice"] ?? 0))</td><td class=\"n\(report.warnings.isEmpty ? "" : " warn")\">\(report.warnings.count)</td></tr>\n"
        }
        html += table(["名次", "单位", "综合得分", "数据得分", "待整改错误", "错误逾期", "待整改警告/提示", "预警"], rows)
        let unranked = catalog.agencies.filter { agency in !ranking.ranked.contains { $0.agency?.code == agency.code } }
        if !unranked.isEmpty {
            html += "<p class=\"note\">本次运行没有数据集、不参与排名的单位：" + unranked.map { "<a href=\"agency-\(escape($0.code)).html\">\(escape($0.name))</a>" }.joined(separator: "，") + "</p>\n"
        }
        html += "<p class=\"note\">排名按综合得分（数据得分减去待整改错误级任务的扣分）。个人信息已脱敏。本报告由 OneSource 生成。</p>\n</body></html>\n"
        return html
    }
}
