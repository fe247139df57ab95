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

        /// The form's bit in `Forms`.
        public var bit: Forms {
            switch self {
            case .iso: return Forms(rawValue: 1)
            case .slash: return Forms(rawValue: 2)
            case .compact: return Forms(rawValue: 4)
            case .chinese: return Forms(rawValue: 8)
            case .dotted: return Forms(rawValue: 16)
            case .month: return Forms(rawValue: 32)
            }
        }
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

    /// A set of forms as bits: asked about every date of every record, where a `Set<Form>` hashed each form's
    /// raw string (about 300 instructions a question).
    public struct Forms: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public init<S: Sequence>(_ forms: S) where S.Element == Form {
            self.init(rawValue: forms.reduce(0) { $0 | $1.bit.rawValue })
        }
    }

    /// Standardizes a date. `allowed` are the forms the dataset declared; nil means only ISO is the standard.
    public static func standardize(_ raw: String, allowed: Set<Form>?, keepTime: Bool = false) -> StandardResult {
        standardize(raw, forms: allowed.map(Forms.init), keepTime: keepTime)
    }

    /// Standardizes a date. `forms` are the forms the dataset declared; nil means only ISO is the standard.
    public static func standardize(_ raw: String, forms allowed: Forms?, keepTime: Bool = false) -> StandardResult {
        // Delivered exactly as the standard writes it (the usual case): nothing to clean, parse or rebuild.
        if !keepTime, isValidCanonicalDay(raw), allowed?.contains(Form.iso.bit) ?? true { return .valid(raw, []) }
        var (text, changes) = TextNormalizer.normalize(raw)
        if text.isEmpty { return .empty }
        switch parse(text) {
        case .failure(let failure):
            return .invalid(failure, changes)
        case .success(let parsed):
            let permitted = allowed ?? Form.iso.bit
            if !parsed.hasDay && !permitted.contains(Form.month.bit) {
                return .invalid(StandardFailure("precision", "应为具体日期，实为月份“\(text)”"), changes)
            }
            if !permitted.contains(parsed.form.bit) { changes.append(.reformatted) }
            // Already yyyy-MM-dd (the usual case): nothing to rebuild.
            if !keepTime && parsed.hasDay && parsed.form == .iso && parsed.time == nil && isCanonicalDay(text) { return .valid(text, changes) }
            text = parsed.hasDay ? parsed.date.description : String(parsed.date.description.prefix(7))
            if keepTime {
                let t = parsed.time ?? (0, 0, 0)
                text += " " + [t.hour, t.minute, t.second].map { $0 < 10 ? "0\($0)" : String($0) }.joined(separator: ":")
            }
            return .valid(text, changes)
        }
    }

    /// Whether `text` is exactly yyyy-MM-dd and a real date from 1800 on: what `parse` accepts as an ISO day.
    static func isValidCanonicalDay(_ text: String) -> Bool {
        TextBytes.withBytes(of: text) { b in
            guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return false }
            var year = 0, month = 0, day = 0
            for i in 0..<10 where i != 4 && i != 7 {
                let digit = Int(b[i]) - 0x30
                guard digit >= 0 && digit <= 9 else { return false }
                if i < 4 { year = year * 10 + digit } else if i < 7 { month = month * 10 + digit } else { day = day * 10 + digit }
            }
            return year >= 1800 && CivilDate(year: year, month: month, day: day) != nil
        }
    }

    /// Whether `text` is written exactly yyyy-MM-dd (digits where digits belong, hyphens between).
    static func isCanonicalDay(_ text: String) -> Bool {
        let bytes = text.utf8
        guard bytes.count == 10 else { return false }
        for (index, byte) in bytes.enumerated() {
            if index == 4 || index == 7 { if byte != UInt8(ascii: "-") { return false } }
            else if byte < UInt8(ascii: "0") || byte > UInt8(ascii: "9") { return false }
        }
        return true
    }

    /// Parses the date part (and an optional time) of already normalized text, on its UTF-8 bytes,
    /// without allocating: this runs for every date of every record.
    public static func parse(_ text: String) -> Result<Parsed, StandardFailure> {
        TextBytes.withBytes(of: text) { parse(bytes: $0, text: text) }
    }

    private static func parse(bytes: UnsafeBufferPointer<UInt8>, text: String) -> Result<Parsed, StandardFailure> {
        // Built only when needed: this runs for every date of every record.
        var unreadable: StandardFailure { StandardFailure("format", "无法识别的日期“\(text)”") }
        // Split off a time after a space or a T.
        var dateEnd = bytes.count
        var time: (Int, Int, Int)?
        if let cut = bytes.firstIndex(where: { $0 == 0x20 || $0 == UInt8(ascii: "T") }) {
            dateEnd = cut
            var parts = (0, 0, 0)
            var count = 0
            var value = -1
            var bad = false
            for b in bytes[(cut + 1)...] {
                if b >= 0x30 && b <= 0x39 { value = max(value, 0) * 10 + Int(b - 0x30); if value > 99 { bad = true } }
                else if b == UInt8(ascii: ":") && value >= 0 && count < 2 {
                    if count == 0 { parts.0 = value } else { parts.1 = value }
                    count += 1
                    value = -1
                } else { bad = true }
            }
            if value >= 0 {
                if count == 1 { parts.1 = value } else if count == 2 { parts.2 = value }
                count += 1
            }
            guard !bad, count >= 2, parts.0 <= 23, parts.1 <= 59, parts.2 <= 59 else {
                return .failure(StandardFailure("time", "时间“\(String(decoding: bytes[(cut + 1)...], as: UTF8.self))”无效"))
            }
            time = parts
        }
        // Up to three numbers and the separators between them: '-', '/', '.', or 1, 2, 3 for 年, 月, 日.
        var values = (0, 0, 0), lengths = (0, 0, 0)
        var separators = (UInt8(0), UInt8(0), UInt8(0))
        var numberCount = 0, separatorCount = 0
        var i = 0
        var current = 0, digits = 0
        func push() -> Bool {
            switch numberCount {
            case 0: values.0 = current; lengths.0 = digits
            case 1: values.1 = current; lengths.1 = digits
            case 2: values.2 = current; lengths.2 = digits
            default: return false
            }
            numberCount += 1
            current = 0
            digits = 0
            return true
        }
        func separator(_ s: UInt8) -> Bool {
            switch separatorCount {
            case 0: separators.0 = s
            case 1: separators.1 = s
            case 2: separators.2 = s
            default: return false
            }
            separatorCount += 1
            return true
        }
        while i < dateEnd {
            let b = bytes[i]
            if b >= 0x30 && b <= 0x39 {
                current = current * 10 + Int(b - 0x30)
                digits += 1
                if digits > 8 { return .failure(unreadable) }
                i += 1
                continue
            }
            guard digits > 0, push() else { return .failure(unreadable) }
            var mark: UInt8 = 0
            if b == UInt8(ascii: "-") || b == UInt8(ascii: "/") || b == UInt8(ascii: ".") { mark = b; i += 1 }
            else if i + 3 <= dateEnd && bytes[i] == 0xE5 && bytes[i + 1] == 0xB9 && bytes[i + 2] == 0xB4 { mark = 1; i += 3 }   // 年
            else if i + 3 <= dateEnd && bytes[i] == 0xE6 && bytes[i + 1] == 0x9C && bytes[i + 2] == 0x88 { mark = 2; i += 3 }   // 月
            else if i + 3 <= dateEnd && bytes[i] == 0xE6 && bytes[i + 1] == 0x97 && bytes[i + 2] == 0xA5 { mark = 3; i += 3 }   // 日
            guard mark != 0, separator(mark) else { return .failure(unreadable) }
        }
        if digits > 0 { guard push() else { return .failure(unreadable) } }
        // Decided on the tuples (no arrays: this runs for every date of every record).
        let (s0, s1, s2) = separators
        var y = 0, m = 0, d = 1
        var hasDay = true
        let form: Form
        if numberCount == 1 && separatorCount == 0 {
            let (value, count) = (values.0, lengths.0)
            guard count == 8 || count == 6 else { return .failure(unreadable) }
            if count == 8 { y = value / 10000; m = value / 100 % 100; d = value % 100; form = .compact }
            else { y = value / 100; m = value % 100; hasDay = false; form = .month }
        } else if numberCount == 3 && separatorCount == 3 && s0 == 1 && s1 == 2 && s2 == 3 {
            y = values.0; m = values.1; d = values.2; form = .chinese
        } else if numberCount == 2 && ((separatorCount == 2 && s0 == 1 && s1 == 2) || (separatorCount == 1 && s0 == 1)) {
            y = values.0; m = values.1; hasDay = false; form = .month
        } else if numberCount == 3 && separatorCount == 2 && s0 == s1 && s0 > 3 {
            y = values.0; m = values.1; d = values.2
            switch s0 {
            case UInt8(ascii: "/"): form = .slash
            case UInt8(ascii: "."): form = .dotted
            default: form = lengths.1 == 2 && lengths.2 == 2 ? .iso : .slash
            }
        } else if numberCount == 2 && separatorCount == 1 && s0 > 3 {
            y = values.0; m = values.1; hasDay = false; form = .month
        } else {
            return .failure(unreadable)
        }
        guard lengths.0 == 4 || numberCount == 1 else { return .failure(unreadable) }
        guard (1...12).contains(m) else {
            return .failure(StandardFailure("date", "“\(text)”不是真实日期（月份\(m)）"))
        }
        guard let date = CivilDate(year: y, month: m, day: d), y >= 1800 else {
            return .failure(StandardFailure("date", "“\(text)”不是真实日期"))
        }
        return .success(Parsed(date: date, hasDay: hasDay, time: time, form: form))
    }
}
