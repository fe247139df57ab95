/// Phone numbers: mobile (11 digits from 13–19) or landline with its area code (`0523-86881234`).
/// `+86`/`0086`, spaces, hyphens and brackets are removed; a 7–8 digit local number is a Taizhou
/// number and gets the area code 0523.
public enum PhoneNumber {
    public static let localAreaCode = "0523"

    public static func standardize(_ raw: String) -> StandardResult {
        let normalized = TextNormalizer.normalizeCode(raw)
        let text = normalized.text
        var changes = normalized.changes
        if text.isEmpty { return .empty }
        // Most values are already a mobile number as the standard writes it: 11 digits, "1" then 3–9, no space taken
        // out. That is the canonical value itself, found without copying the digits out.
        let isMobile = TextBytes.withBytes(of: text) { bytes in
            bytes.count == 11 && bytes[0] == UInt8(ascii: "1") && bytes[1] >= UInt8(ascii: "3") && bytes.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
        }
        if isMobile && !changes.contains(.spacesRemoved) { return .valid(text, changes) }
        // The digits and a leading "+", as bytes: ASCII whatever the text was, so no grapheme breaking below.
        var digits: [UInt8] = []
        digits.reserveCapacity(text.utf8.count)
        // Spaces in a phone number (of any kind, the ideographic one included) are separators like hyphens.
        var sawSeparator = changes.contains(.spacesRemoved)
        changes.removeAll { $0 == .spacesRemoved }
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            // ASCII (nearly every number): one pass over the bytes.
            for byte in text.utf8 {
                switch byte {
                case 0x30...0x39: digits.append(byte)
                case UInt8(ascii: "+") where digits.isEmpty: digits.append(byte)
                case UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "."): sawSeparator = true
                default: return .invalid(StandardFailure("character", "含非法字符“\(Character(Unicode.Scalar(byte)))”"), changes)
                }
            }
        } else {
            for character in text {
                if character.isASCII && character.isNumber, let byte = character.asciiValue { digits.append(byte); continue }
                if character == "+" && digits.isEmpty { digits.append(UInt8(ascii: "+")); continue }
                if " -()（）.‐–—".contains(character) { sawSeparator = true; continue }
                return .invalid(StandardFailure("character", "含非法字符“\(character)”"), changes)
            }
        }
        func starts(_ prefix: StaticString) -> Bool {
            digits.starts(with: UnsafeBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount))
        }
        if starts("+86") {
            digits.removeFirst(3)
            changes.append(.countryCodeRemoved)
        }
        if starts("0086") {
            digits.removeFirst(4)
            changes.append(.countryCodeRemoved)
        }
        if starts("86") && digits.count == 13 && digits[2] == UInt8(ascii: "1") {
            digits.removeFirst(2)
            changes.append(.countryCodeRemoved)
        }
        if digits.contains(UInt8(ascii: "+")) { return .invalid(StandardFailure("format", "“+”只能用于国家代码+86"), changes) }
        let canonical: String
        if digits.first == UInt8(ascii: "1") {
            guard digits.count == 11 else {
                return .invalid(StandardFailure("length", "手机号码应为11位，实为\(digits.count)位"), changes)
            }
            guard (UInt8(ascii: "3")...UInt8(ascii: "9")).contains(digits[1]) else {
                return .invalid(StandardFailure("format", "手机号码第2位应为3至9"), changes)
            }
            canonical = String(decoding: digits, as: UTF8.self)
        } else if digits.first == UInt8(ascii: "0") {
            let areaLength = starts("010") || starts("02") ? 3 : 4
            let local = digits.dropFirst(areaLength)
            guard (7...8).contains(local.count), local.first != UInt8(ascii: "0") else {
                return .invalid(StandardFailure("length", "固定电话应为区号加7至8位号码，实为\(digits.count)位"), changes)
            }
            canonical = String(decoding: digits.prefix(areaLength), as: UTF8.self) + "-" + String(decoding: local, as: UTF8.self)
        } else if (7...8).contains(digits.count) {
            canonical = localAreaCode + "-" + String(decoding: digits, as: UTF8.self)
            changes.append(.areaCodeAdded)
        } else {
            return .invalid(StandardFailure("format", "既不是手机号码也不是固定电话"), changes)
        }
        if sawSeparator && canonical != TextNormalizer.trim(raw) { changes.append(.separatorsRemoved) }
        return .valid(canonical, changes)
    }
}
