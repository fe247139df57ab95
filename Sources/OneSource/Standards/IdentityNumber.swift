/// Citizen identity number, GB 11643-1999: 6-digit address code, birth date, 3-digit sequence (odd for
/// men), ISO 7064 MOD 11-2 check character. The legacy 15-digit form is upgraded.
public struct IdentityNumber: Sendable, Equatable {
    /// The canonical 18 characters (check `X` upper-case).
    public let value: String
    /// Address code of first registration (may be retired: that is normal).
    public let addressCode: String
    public let birthDate: CivilDate
    /// GB/T 2261.1 code: "1" male (odd sequence), "2" female (even).
    public let genderCode: String

    private static let weights: [Int] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    private static let checkCharacters: [UInt8] = Array("10X98765432".utf8)

    /// The check character for 17 ASCII digits.
    public static func checkCharacter(for digits: some Collection<UInt8>) -> Character {
        Character(Unicode.Scalar(checkByte(for: digits)))
    }

    /// The check character for 17 ASCII digits, as its ASCII byte.
    static func checkByte(for digits: some Collection<UInt8>) -> UInt8 {
        var sum = 0
        for (digit, weight) in zip(digits, weights) { sum += Int(digit &- 0x30) * weight }
        return checkCharacters[sum % 11]
    }

    /// Standardizes a raw value. The result's value is the canonical 18 characters.
    public static func standardize(_ raw: String, context: StandardContext) -> StandardResult {
        switch parse(raw, context: context) {
        case .success(let (number, changes)): return .valid(number.value, changes)
        case .failure(let failure): return .invalid(failure.failure, failure.changes)
        }
    }

    /// A failure with the changes made before it.
    public struct ParseFailure: Error, Sendable {
        public let failure: StandardFailure
        public let changes: [StandardChange]
    }

    /// Parses a raw value into an identity number, or says why it is not one.
    public static func parse(_ raw: String, context: StandardContext) -> Result<(IdentityNumber, [StandardChange]), ParseFailure> {
        // The usual case, 18 characters already canonical: checked on the string's own bytes, and the number keeps
        // the string itself as its value (no copy; compared with the delivered value it is the same string).
        if let result = TextBytes.withBytes(of: raw, { bytes -> Result<(IdentityNumber, [StandardChange]), ParseFailure>? in
            guard bytes.count == 18, bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 || $0 == 0x58 }) else { return nil }
            return check(bytes, value: raw, changes: [], context: context)
        }) {
            return result
        }
        var changes: [StandardChange] = []
        let normalized = TextNormalizer.normalizeCode(raw)
        let text = normalized.text
        changes = normalized.changes
        var bytes = Array(text.utf8)
        if let last = bytes.last, last == UInt8(ascii: "x"), bytes.count == 18 || bytes.count == 15 {
            bytes[bytes.count - 1] = UInt8(ascii: "X")
            changes.append(.lowerCase)
        }
        if bytes.count == 15 {
            guard bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                return .failure(ParseFailure(failure: StandardFailure("character", "15位号码只能由数字组成"), changes: changes))
            }
            // Legacy form: address + YYMMDD + sequence, born in the 1900s; upgrade by inserting 19 and a check.
            var upgraded = Array(bytes[0..<6]) + Array("19".utf8) + Array(bytes[6..<15])
            upgraded.append(checkByte(for: upgraded))
            bytes = upgraded
            changes.append(.legacyUpgraded)
        } else if bytes.count != 18 {
            return .failure(ParseFailure(failure: StandardFailure("length", "长度应为18位（或15位旧号码），实为\(text.count)位"), changes: changes))
        }
        let checked = changes
        return bytes.withUnsafeBufferPointer { check($0, value: nil, changes: checked, context: context) }
    }

    /// Checks 18 bytes: digits, the check character, a real birth date not in the future. `value` is the
    /// canonical string when the caller already has it.
    private static func check(_ bytes: UnsafeBufferPointer<UInt8>, value: String?, changes: [StandardChange],
                              context: StandardContext) -> Result<(IdentityNumber, [StandardChange]), ParseFailure> {
        func fail(_ code: String, _ message: String) -> Result<(IdentityNumber, [StandardChange]), ParseFailure> {
            .failure(ParseFailure(failure: StandardFailure(code, message), changes: changes))
        }
        for i in 0..<17 where !(bytes[i] >= 0x30 && bytes[i] <= 0x39) {
            return fail("character", "第\(i + 1)位应为数字")
        }
        let last = bytes[17]
        guard (last >= 0x30 && last <= 0x39) || last == UInt8(ascii: "X") else {
            return fail("character", "第18位应为数字或X")
        }
        let expected = checkByte(for: bytes[0..<17])
        if last != expected {
            return fail("check_character", "校验码错误：应为\(Character(Unicode.Scalar(expected)))，实为\(Character(Unicode.Scalar(last)))")
        }
        func number(_ range: Range<Int>) -> Int {
            bytes[range].reduce(0) { $0 * 10 + Int($1 - 0x30) }
        }
        guard let birth = CivilDate(year: number(6..<10), month: number(10..<12), day: number(12..<14)) else {
            return fail("birth_date", "出生日期\(String(decoding: bytes[6..<14], as: UTF8.self))不是真实日期")
        }
        if birth > context.today {
            return fail("birth_date_future", "出生日期\(birth)晚于今天")
        }
        if birth.year < 1850 {
            return fail("birth_date", "出生日期\(birth)早于1850年")
        }
        let sequence = number(14..<17)
        let number = IdentityNumber(value: value ?? String(decoding: bytes, as: UTF8.self),
                                    addressCode: String(decoding: bytes[0..<6], as: UTF8.self),
                                    birthDate: birth, genderCode: sequence % 2 == 1 ? "1" : "2")
        return .success((number, changes))
    }
}
