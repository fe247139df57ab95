/// Names of people, free text, addresses, document numbers, money amounts and integers.
public enum TextStandards {
    /// Middle-dot look-alikes used in minority and foreign names; the standard is U+00B7 “·”.
    static let middleDots: Set<UInt32> = [0x2022, 0x30FB, 0xFF0E, 0x2027, 0x2219, 0x22C5, 0x0387, 0xFF65, 0x002E, 0x00B7]

    public static func personName(_ raw: String) -> StandardResult {
        var (text, changes) = TextNormalizer.normalize(raw)
        if text.isEmpty { return .empty }
        if changes.isEmpty && isPlainName(text) { return .valid(text) }
        var scalars = String.UnicodeScalarView()
        var changedDot = false
        var previousSpace = false
        for scalar in text.unicodeScalars {
            if middleDots.contains(scalar.value) {
                if scalar.value != 0x00B7 { changedDot = true }
                scalars.append("\u{00B7}")
                previousSpace = false
                continue
            }
            if scalar == " " {
                if previousSpace { changes.append(.separatorsRemoved); continue }
                previousSpace = true
            } else {
                previousSpace = false
            }
            if scalar.value >= 0x30 && scalar.value <= 0x39 {
                return .invalid(StandardFailure("character", "姓名中不应含数字“\(scalar)”"), changes)
            }
            scalars.append(scalar)
        }
        if changedDot { changes.append(.middleDot) }
        let name = String(scalars)
        if name.count > 60 { return .invalid(StandardFailure("length", "姓名过长（\(name.count)个字符）"), changes) }
        if name.hasPrefix("\u{00B7}") || name.hasSuffix("\u{00B7}") {
            return .invalid(StandardFailure("format", "间隔号不能在姓名首尾"), changes)
        }
        return .valid(name, changes)
    }

    /// No dot look-alike, digit or double space, and not too long: nothing to change or reject (the usual case).
    static func isPlainName(_ text: String) -> Bool {
        TextBytes.withBytes(of: text) { bytes in
            if bytes.count > 180 { return false }
            var previous: UInt8 = 0
            for b in bytes {
                if (b >= 0x30 && b <= 0x39) || b == 0x2E || (b == 0x20 && previous == 0x20) { return false }
                // Lead bytes of U+00B7, U+0387 (C2/CE), U+2022/2027/2219/22C5 (E2), U+30FB (E3), U+FF0E/FF65 (EF):
                // check those scalars properly on the slow path.
                if b == 0xC2 || b == 0xCE || b == 0xE2 || b == 0xE3 || b == 0xEF { return false }
                previous = b
            }
            return true
        }
    }

    public static func text(_ raw: String) -> StandardResult {
        let (text, changes) = TextNormalizer.normalize(raw, keepNewlines: true, alphanumericsOnly: true)
        return text.isEmpty ? .empty : .valid(text, changes)
    }

    public static func address(_ raw: String) -> StandardResult {
        let (text, changes) = TextNormalizer.normalize(raw, alphanumericsOnly: true)
        return text.isEmpty ? .empty : .valid(text, changes)
    }

    /// Document numbers such as 泰审批许〔2024〕12号: the year bracket is written 〔〕.
    /// Whether `text` has one of [ ［ ( （ 【 〖, looked for on the UTF-8 bytes.
    static func hasOpeningBracket(_ text: String) -> Bool {
        var previous: (UInt8, UInt8) = (0, 0)
        for byte in text.utf8 {
            if byte == 0x5B || byte == 0x28 { return true }
            switch (previous.0, previous.1, byte) {
            case (0xEF, 0xBC, 0xBB), (0xEF, 0xBC, 0x88), (0xE3, 0x80, 0x90), (0xE3, 0x80, 0x96): return true
            default: previous = (previous.1, byte)
            }
        }
        return false
    }

    public static func documentNumber(_ raw: String) -> StandardResult {
        var (text, changes) = TextNormalizer.normalize(raw, alphanumericsOnly: true)
        if text.isEmpty { return .empty }
        // Most numbers have no bracket to normalize: look for one on the bytes before splitting into characters.
        guard hasOpeningBracket(text) else { return .valid(text, changes) }
        let opening: Set<Character> = ["[", "［", "(", "（", "【", "〖"]
        let closing: Set<Character> = ["]", "］", ")", "）", "】", "〗"]
        var characters = Array(text)
        var i = 0
        var changed = false
        while i + 5 < characters.count {
            if opening.contains(characters[i]) && closing.contains(characters[i + 5])
                && characters[(i + 1)...(i + 4)].allSatisfy({ $0.isASCII && $0.isNumber }) {
                characters[i] = "〔"
                characters[i + 5] = "〕"
                changed = true
            }
            i += 1
        }
        if changed { text = String(characters); changes.append(.bracketsNormalized) }
        return .valid(text, changes)
    }

    /// A non-negative decimal amount: grouping commas and a 元/万元 unit are removed, trailing zeros dropped.
    public static func money(_ raw: String) -> StandardResult {
        var (text, changes) = TextNormalizer.normalize(raw)
        if text.isEmpty { return .empty }
        for unit in ["万元", "元"] where text.hasSuffix(unit) {
            text.removeLast(unit.count)
            changes.append(.unitRemoved)
            break
        }
        if text.utf8.contains(UInt8(ascii: ",")) { text.removeAll { $0 == "," }; changes.append(.separatorsRemoved) }
        if text.hasPrefix("-") { return .invalid(StandardFailure("negative", "金额不能为负数"), changes) }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }) else {
            return .invalid(StandardFailure("format", "“\(text)”不是金额"), changes)
        }
        var whole = String(parts[0].drop { $0 == "0" })
        if whole.isEmpty { whole = "0" }
        var fraction = parts.count == 2 ? String(parts[1]) : ""
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return .valid(fraction.isEmpty ? whole : whole + "." + fraction, changes)
    }

    public static func integer(_ raw: String) -> StandardResult {
        let (text, changes) = TextNormalizer.normalize(raw)
        if text.isEmpty { return .empty }
        guard TextNormalizer.isDigits(text) else {
            return .invalid(StandardFailure("format", "“\(text)”不是整数"), changes)
        }
        return .valid(text, changes)
    }

    /// A GB/T 2260 code that exists in the table (current or retired).
    public static func divisionCode(_ raw: String, context: StandardContext) -> StandardResult {
        let (text, changes) = TextNormalizer.normalizeCode(raw)
        if text.isEmpty { return .empty }
        guard text.utf8.count == 6, TextNormalizer.isDigits(text) else {
            return .invalid(StandardFailure("format", "行政区划代码应为6位数字"), changes)
        }
        guard context.divisions.isKnown(text) else {
            return .invalid(StandardFailure("not_found", "行政区划代码\(text)在GB/T 2260代码表中不存在（含已撤销代码）"), changes)
        }
        return .valid(text, changes)
    }
}
