/// Phone numbers: mobile (11 digits from 13–19) or landline with its area code (`0523-86881234`).
/// `+86`/`0086`, spaces, hyphens and brackets are removed; a 7–8 digit local number is a Taizhou
/// number and gets the area code 0523.
public enum PhoneNumber {
    public static let localAreaCode = "0523"

    public static func standardize(_ raw: String) -> StandardResult {
        var (text, changes) = TextNormalizer.normalizeCode(raw)
        if text.isEmpty { return .empty }
        var digits = ""
        // Spaces in a phone number (of any kind, the ideographic one included) are separators like hyphens.
        var sawSeparator = changes.contains(.spacesRemoved)
        changes.removeAll { $0 == .spacesRemoved }
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            // ASCII (nearly every number): one pass over the bytes, no grapheme breaking.
            var kept: [UInt8] = []
            kept.reserveCapacity(text.utf8.count)
            for byte in text.utf8 {
                switch byte {
                case 0x30...0x39: kept.append(byte)
                case UInt8(ascii: "+") where kept.isEmpty: kept.append(byte)
                case UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "."): sawSeparator = true
                default: return .invalid(StandardFailure("character", "含非法字符“\(Character(Unicode.Scalar(byte)))”"), changes)
                }
            }
            digits = String(decoding: kept, as: UTF8.self)
        } else {
            for character in text {
                if character.isASCII && character.isNumber { digits.append(character); continue }
                if character == "+" && digits.isEmpty { digits.append(character); continue }
                if " -()（）.‐–—".contains(character) { sawSeparator = true; continue }
                return .invalid(StandardFailure("character", "含非法字符“\(character)”"), changes)
            }
        }
        for prefix in ["+86", "0086"] where digits.hasPrefix(prefix) {
            digits.removeFirst(prefix.count)
            changes.append(.countryCodeRemoved)
        }
        if digits.hasPrefix("86") && digits.count == 13 && digits.dropFirst(2).hasPrefix("1") {
            digits.removeFirst(2)
            changes.append(.countryCodeRemoved)
        }
        if digits.utf8.contains(UInt8(ascii: "+")) { return .invalid(StandardFailure("format", "“+”只能用于国家代码+86"), changes) }
        let canonical: String
        if digits.hasPrefix("1") {
            guard digits.count == 11 else {
                return .invalid(StandardFailure("length", "手机号码应为11位，实为\(digits.count)位"), changes)
            }
            guard let second = digits.dropFirst().first, ("3"..."9").contains(second) else {
                return .invalid(StandardFailure("format", "手机号码第2位应为3至9"), changes)
            }
            canonical = digits
        } else if digits.hasPrefix("0") {
            let areaLength = digits.hasPrefix("010") || digits.hasPrefix("02") ? 3 : 4
            let local = digits.dropFirst(areaLength)
            guard (7...8).contains(local.count), local.first != "0" else {
                return .invalid(StandardFailure("length", "固定电话应为区号加7至8位号码，实为\(digits.count)位"), changes)
            }
            canonical = String(digits.prefix(areaLength)) + "-" + local
        } else if (7...8).contains(digits.count) {
            canonical = localAreaCode + "-" + digits
            changes.append(.areaCodeAdded)
        } else {
            return .invalid(StandardFailure("format", "既不是手机号码也不是固定电话"), changes)
        }
        if sawSeparator && canonical != TextNormalizer.trim(raw) { changes.append(.separatorsRemoved) }
        return .valid(canonical, changes)
    }
}
