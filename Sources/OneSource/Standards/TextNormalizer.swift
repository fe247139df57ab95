/// The clean-up every standard starts from: trim (including the ideographic space U+3000), full-width
/// ASCII to half-width, control characters removed. Reports what it changed.
public enum TextNormalizer {
    /// Whether a scalar is white space for trimming purposes (ASCII, NBSP, ideographic space).
    static func isSpace(_ v: UInt32) -> Bool {
        v == 0x20 || v == 0x09 || v == 0x0A || v == 0x0D || v == 0x0B || v == 0x0C || v == 0xA0 || v == 0x3000 || v == 0xFEFF
    }

    /// Normalizes `raw`.
    /// - Parameters:
    ///   - halfWidth: convert full-width ASCII forms (U+FF01–FF5E) and U+3000 to their ASCII equivalents.
    ///   - keepNewlines: keep line breaks and tabs inside free text (CR LF becomes LF); otherwise they
    ///     become spaces. Other control characters are always removed.
    public static func normalize(_ raw: String, halfWidth: Bool = true, keepNewlines: Bool = false,
                                 alphanumericsOnly: Bool = false)
        -> (text: String, changes: [StandardChange]) {
        // Fast path: printable ASCII (no spaces, no controls) needs nothing.
        var plain = true
        for byte in raw.utf8 where byte < 0x21 || byte > 0x7E { plain = false; break }
        if plain { return (raw, []) }
        var fullWidth = false
        var control = false
        var scalars = String.UnicodeScalarView()
        var previous: UInt32 = 0
        for scalar in raw.unicodeScalars {
            var v = scalar.value
            defer { previous = scalar.value }
            // Chinese text uses full-width punctuation by right (，。：); only letters and digits are folded there.
            let foldable = alphanumericsOnly
                ? (v >= 0xFF10 && v <= 0xFF19) || (v >= 0xFF21 && v <= 0xFF3A) || (v >= 0xFF41 && v <= 0xFF5A)
                : v >= 0xFF01 && v <= 0xFF5E
            if halfWidth && foldable {
                v -= 0xFEE0
                fullWidth = true
            } else if halfWidth && v == 0x3000 {
                v = 0x20
            }
            if v == 0x0A || v == 0x0D || v == 0x09 {
                if keepNewlines {
                    if v == 0x0D { scalars.append("\n"); continue }
                    if v == 0x0A && previous == 0x0D { continue }
                    scalars.append(Unicode.Scalar(v)!)
                } else {
                    scalars.append(" ")
                }
                continue
            }
            if v < 0x20 || (v >= 0x7F && v < 0xA0) || v == 0x200B || v == 0xFEFF {
                control = true
                continue
            }
            scalars.append(Unicode.Scalar(v) ?? scalar)
        }
        let text = String(scalars)
        let trimmed = trim(text)
        var changes: [StandardChange] = []
        if trimmed.unicodeScalars.count != text.unicodeScalars.count { changes.append(.trimmed) }
        // An ideographic space or a line break that sat inside the value (not merely at its ends) was changed too.
        let inner = trim(raw).unicodeScalars
        if fullWidth || (halfWidth && !alphanumericsOnly && inner.contains { $0.value == 0x3000 }) { changes.append(.fullWidth) }
        if control || (!keepNewlines && inner.contains { $0.value == 0x0A || $0.value == 0x0D || $0.value == 0x09 }) {
            changes.append(.controlCharacters)
        }
        return (trimmed, changes)
    }

    /// Trims white space (including U+3000) at both ends.
    public static func trim(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isSpace($0.value) }) else { return "" }
        let last = scalars.lastIndex(where: { !isSpace($0.value) }) ?? first
        if first == scalars.startIndex && last == scalars.index(before: scalars.endIndex) { return text }
        return String(scalars[first...last])
    }
}
