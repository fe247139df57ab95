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
        if isClean(raw, halfWidth: halfWidth, alphanumericsOnly: alphanumericsOnly) { return (raw, []) }
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

    /// Whether `raw` needs no normalization at all: no white space at its ends, no control characters,
    /// no ideographic space and no full-width form to fold. One pass over the UTF-8 bytes, a character at a time: a
    /// `String` is well-formed UTF-8, so a lead byte tells how many bytes its character has, and only the lead bytes
    /// C2, E2, E3 and EF begin a character that needs a closer look (a Chinese character, E4–E9, is skipped whole).
    static func isClean(_ raw: String, halfWidth: Bool, alphanumericsOnly: Bool) -> Bool {
        TextBytes.withBytes(of: raw) { bytes -> Bool in
            guard let first = bytes.first, let last = bytes.last else { return true }
            if first <= 0x20 || last <= 0x20 { return false }
            var i = 0
            let n = bytes.count
            while i < n {
                let b = bytes[i]
                if b < 0x80 {
                    if b < 0x20 || b == 0x7F { return false }
                    i += 1
                    continue
                }
                if b < 0xE0 {                                                               // two bytes
                    if b == 0xC2, i + 1 < n, bytes[i + 1] < 0xA1 { return false }           // C1 controls, NBSP
                    i += 2
                    continue
                }
                if b >= 0xF0 { i += 4; continue }                                           // four bytes
                // Three bytes.
                if b == 0xE3, i + 2 < n, bytes[i + 1] == 0x80, bytes[i + 2] == 0x80 { return false }   // U+3000
                if b == 0xE2, i + 2 < n, bytes[i + 1] == 0x80, bytes[i + 2] == 0x8B { return false }   // U+200B
                if b == 0xEF, i + 2 < n {
                    let b1 = bytes[i + 1], b2 = bytes[i + 2]
                    if b1 == 0xBB && b2 == 0xBF { return false }                             // U+FEFF
                    if halfWidth && (b1 == 0xBC || (b1 == 0xBD && b2 <= 0x9E)) {             // U+FF00–FF5E
                        let scalar = 0xFF00 + (UInt32(b1 & 0x03) << 6) + UInt32(b2 & 0x3F)
                        let alphanumeric = (0xFF10...0xFF19).contains(scalar) || (0xFF21...0xFF3A).contains(scalar)
                            || (0xFF41...0xFF5A).contains(scalar)
                        if !alphanumericsOnly || alphanumeric { return false }
                    }
                }
                i += 3
            }
            return true
        }
    }

    /// The clean-up of a code (identity number, credit code, licence identifier, division code, phone): `normalize`,
    /// then every white space inside removed too (spaces, tabs, the ideographic space U+3000, no-break and other
    /// Unicode spaces), since a code has none: "321025 19781003 2974" is the number 32102519781003 2974 typed with
    /// spaces, a value delivered in a non-standard form, not an invalid one.
    public static func normalizeCode(_ raw: String) -> (text: String, changes: [StandardChange]) {
        var (text, changes) = normalize(raw)
        guard hasInnerSpace(text) else { return (text, changes) }
        text = String(String.UnicodeScalarView(text.unicodeScalars.filter { !isInnerSpace($0) }))
        // A tab or an ideographic space inside the code was only a space: said once, as such.
        changes.removeAll { $0 == .fullWidth && !raw.unicodeScalars.contains { $0.value >= 0xFF01 && $0.value <= 0xFF5E } }
        changes.removeAll { $0 == .controlCharacters && !raw.unicodeScalars.contains {
            ($0.value < 0x20 && ![0x09, 0x0A, 0x0D].contains($0.value)) || ($0.value >= 0x7F && $0.value < 0xA0) || $0.value == 0x200B
        } }
        changes.append(.spacesRemoved)
        return (text, changes)
    }

    /// Whether `text` has white space a typed code may have inside (`isInnerSpace`): by its bytes while they are
    /// ASCII (a code nearly always is), by its scalars from the first byte that is not.
    static func hasInnerSpace(_ text: String) -> Bool {
        let ascii: Bool? = TextBytes.withBytes(of: text) { bytes in
            for byte in bytes {
                if byte >= 0x80 { return nil }
                if isSpace(UInt32(byte)) { return true }
            }
            return false
        }
        return ascii ?? text.unicodeScalars.contains(where: isInnerSpace)
    }

    /// White space that may sit inside a typed code.
    static func isInnerSpace(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        return isSpace(v) || (v >= 0x2000 && v <= 0x200A) || v == 0x202F || v == 0x205F || v == 0x1680
    }

    /// Trims white space (including U+3000) at both ends.
    public static func trim(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isSpace($0.value) }) else { return "" }
        let last = scalars.lastIndex(where: { !isSpace($0.value) }) ?? first
        if first == scalars.startIndex && last == scalars.index(before: scalars.endIndex) { return text }
        return String(scalars[first...last])
    }

    /// Whether every byte is an ASCII digit (and there is at least one).
    static func isDigits(_ text: Substring) -> Bool { isDigits(String(text)) }

    /// Whether every byte is an ASCII digit (and there is at least one).
    static func isDigits(_ text: String) -> Bool {
        TextBytes.withBytes(of: text) { bytes in !bytes.isEmpty && bytes.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
    }
}
