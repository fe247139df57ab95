/// Dates in the forms agencies really deliver, with or without a time; canonical `yyyy-MM-dd`
/// (`yyyy-MM` for month values, `yyyy-MM-dd HH:mm:ss` for date-times).
public enum DateStandard {
    /// A written form of a date. The catalog names the forms each dataset may use.
    public enum Form: String, Sendable, CaseIterable {
        /// 2024-03-07 (the standard form)
        case iso
        /// 2024/3/7 or 2024/03/07
        case slash
        /// 20240307
        case compact
        /// 2024年3月7日
        case chinese
        /// 2024.3.7
        case dotted
        /// 2024-03, 2024年3月, 202403 (a month)
        case month
    }

    /// A parsed date with the form it was written in.
    public struct Parsed: Sendable, Equatable {
        public let date: CivilDate
        /// Nil when only a month was given.
        public let hasDay: Bool
        public let time: (hour: Int, minute: Int, second: Int)?
        public let form: Form

        public static func == (lhs: Parsed, rhs: Parsed) -> Bool {
            lhs.date == rhs.date && lhs.hasDay == rhs.hasDay && lhs.form == rhs.form
                && lhs.time?.hour == rhs.time?.hour && lhs.time?.minute == rhs.time?.minute && lhs.time?.second == rhs.time?.second
        }
    }

    /// Standardizes a date. `allowed` are the forms the dataset declared; nil means only ISO is the standard.
    public static func standardize(_ raw: String, allowed: Set<Form>?, keepTime: Bool = false) -> StandardResult {
        var (text, changes) = TextNormalizer.normalize(raw)
        if text.isEmpty { return .empty }
        text = text.replacingOccurrences(of: "T", with: " ")
        switch parse(text) {
        case .failure(let failure):
            return .invalid(failure, changes)
        case .success(let parsed):
            let permitted = allowed ?? [.iso]
            let formAllowed = permitted.contains(parsed.form) || (parsed.form == .month && permitted.contains(.month))
            if !parsed.hasDay && !permitted.contains(.month) {
                return .invalid(StandardFailure("precision", "应为具体日期，实为月份“\(text)”"), changes)
            }
            if !formAllowed { changes.append(.reformatted) }
            var value = parsed.hasDay ? parsed.date.description : String(parsed.date.description.prefix(7))
            if keepTime {
                let t = parsed.time ?? (0, 0, 0)
                value += " " + [t.hour, t.minute, t.second].map { $0 < 10 ? "0\($0)" : String($0) }.joined(separator: ":")
            }
            return .valid(value, changes)
        }
    }

    /// Parses the date part (and an optional time) of already normalized text.
    public static func parse(_ text: String) -> Result<Parsed, StandardFailure> {
        let pieces = text.split(separator: " ", maxSplits: 1).map(String.init)
        guard let datePart = pieces.first else { return .failure(StandardFailure("format", "不是日期")) }
        var time: (Int, Int, Int)?
        if pieces.count == 2 {
            let t = pieces[1].split(separator: ":").map { Int($0) }
            guard (2...3).contains(t.count), t.allSatisfy({ $0 != nil }), let h = t[0], let m = t[1],
                  (0...23).contains(h), (0...59).contains(m), (0...59).contains(t.count == 3 ? t[2]! : 0) else {
                return .failure(StandardFailure("time", "时间“\(pieces[1])”无效"))
            }
            time = (h, m, t.count == 3 ? t[2]! : 0)
        }
        var year = 0, month = 0, day = 0
        var form = Form.iso
        var hasDay = true
        func numbers(_ parts: [Substring]) -> [Int]? {
            let values = parts.map { $0.allSatisfy(\.isASCII) && !$0.isEmpty ? Int($0) : nil }
            return values.contains { $0 == nil } ? nil : values.map { $0! }
        }
        if datePart.hasSuffix("日") || datePart.contains("年") {
            var body = datePart
            if body.hasSuffix("日") { body.removeLast() }
            let parts = body.split(whereSeparator: { $0 == "年" || $0 == "月" }).map { $0 }
            guard let values = numbers(parts), (2...3).contains(values.count) else {
                return .failure(StandardFailure("format", "无法识别的日期“\(text)”"))
            }
            year = values[0]; month = values[1]
            if values.count == 3 { day = values[2] } else { hasDay = false; day = 1 }
            form = hasDay ? .chinese : .month
            if hasDay && !datePart.hasSuffix("日") { return .failure(StandardFailure("format", "无法识别的日期“\(text)”")) }
        } else if datePart.allSatisfy({ $0.isASCII && $0.isNumber }) {
            guard datePart.count == 8 || datePart.count == 6 else {
                return .failure(StandardFailure("format", "无法识别的日期“\(text)”"))
            }
            let digits = Array(datePart)
            year = Int(String(digits[0..<4]))!
            month = Int(String(digits[4..<6]))!
            if digits.count == 8 { day = Int(String(digits[6..<8]))!; form = .compact } else { day = 1; hasDay = false; form = .month }
        } else {
            let separator: Character = datePart.contains("/") ? "/" : datePart.contains(".") ? "." : "-"
            let parts = datePart.split(separator: separator, omittingEmptySubsequences: false)
            guard let values = numbers(parts), (2...3).contains(values.count), parts[0].count == 4 else {
                return .failure(StandardFailure("format", "无法识别的日期“\(text)”"))
            }
            year = values[0]; month = values[1]
            if values.count == 3 { day = values[2] } else { day = 1; hasDay = false }
            switch separator {
            case "/": form = .slash
            case ".": form = .dotted
            default: form = (parts.dropFirst().allSatisfy { $0.count == 2 }) ? .iso : .slash
            }
            if separator == "-" && !parts.dropFirst().allSatisfy({ $0.count == 2 }) { form = .slash }
            if !hasDay { form = .month }
        }
        guard (1...12).contains(month) else {
            return .failure(StandardFailure("date", "“\(text)”不是真实日期（月份\(month)）"))
        }
        guard let date = CivilDate(year: year, month: month, day: day), year >= 1800 else {
            return .failure(StandardFailure("date", "“\(text)”不是真实日期"))
        }
        return .success(Parsed(date: date, hasDay: hasDay, time: time, form: form))
    }
}
