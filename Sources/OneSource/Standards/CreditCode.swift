/// Unified social credit code, GB 32100-2015: department, category, region (GB/T 2260), organisation code
/// (GB 11714, with its own check) and a mod-31 check over the alphabet without I, O, Z, S, V.
public enum CreditCode {
    static let alphabet: [UInt8] = Array("0123456789ABCDEFGHJKLMNPQRTUWXY".utf8)
    private static let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    private static let organisationWeights = [3, 7, 9, 10, 5, 8, 4, 2]
    /// Registration department → allowed institution categories.
    static let categories: [UInt8: Set<UInt8>] = {
        let table: [(Character, String)] = [("1", "1239"), ("2", "19"), ("3", "123459"), ("4", "19"), ("5", "1239"),
                                            ("6", "129"), ("7", "129"), ("8", "19"), ("9", "123"), ("A", "19"),
                                            ("N", "1239"), ("Y", "1")]
        var result: [UInt8: Set<UInt8>] = [:]
        for (department, allowed) in table { result[department.asciiValue!] = Set(allowed.utf8) }
        return result
    }()

    /// Each byte's value in the alphabet, -1 where it is not in it.
    private static let values: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = Int8(index) }
        return table
    }()

    static func value(of byte: UInt8) -> Int? {
        let v = values[Int(byte)]
        return v < 0 ? nil : Int(v)
    }

    /// The check character (position 18) for the first 17 characters.
    public static func checkCharacter(for first17: [UInt8]) -> Character? {
        checkByte(for: first17).map { Character(Unicode.Scalar($0)) }
    }

    static func checkByte(for first17: some Collection<UInt8>) -> UInt8? {
        let (values, weights) = (CreditCode.values, CreditCode.weights)   // read once, not once per byte
        var sum = 0
        for (byte, weight) in zip(first17, weights) {
            let v = values[Int(byte)]
            guard v >= 0 else { return nil }
            sum += Int(v) * weight
        }
        return alphabet[(31 - sum % 31) % 31]
    }

    /// The GB 11714 check (position 17) for the 8 characters of positions 9–16.
    public static func organisationCheck(for eight: ArraySlice<UInt8>) -> Character? {
        organisationCheckByte(for: eight).map { Character(Unicode.Scalar($0)) }
    }

    static func organisationCheckByte(for eight: some Collection<UInt8>) -> UInt8? {
        var sum = 0
        for (byte, weight) in zip(eight, organisationWeights) {
            let v: Int
            switch byte {
            case 0x30...0x39: v = Int(byte - 0x30)
            case 0x41...0x5A: v = Int(byte - 0x41) + 10
            default: return nil
            }
            sum += v * weight
        }
        let check = 11 - sum % 11
        return check == 10 ? UInt8(ascii: "X") : check == 11 ? UInt8(ascii: "0") : UInt8(0x30 + check)
    }

    /// Per registration department byte, the institution category bytes it allows, as bits of (byte - "0"): every
    /// category is a digit. Zero for a department that does not exist.
    private static let categoryBits: [UInt16] = {
        var table = [UInt16](repeating: 0, count: 256)
        for (department, allowed) in categories {
            for category in allowed where category >= 0x30 && category <= 0x39 { table[Int(department)] |= 1 << UInt16(category - 0x30) }
        }
        return table
    }()

    public static func standardize(_ raw: String, context: StandardContext) -> StandardResult {
        var (text, changes) = TextNormalizer.normalizeCode(raw)
        // Only lower-case ASCII letters or text that is not ASCII need the (allocating) upper-casing.
        if TextBytes.withBytes(of: text, { $0.contains { $0 >= 0x61 && $0 <= 0x7A || $0 >= 0x80 } }) {
            let upper = text.uppercased()
            if upper != text { changes.append(.lowerCase); text = upper }
        }
        // The checks read the code's bytes in place; the tables are read once per call, not once per byte.
        let (values, categoryBits) = (CreditCode.values, CreditCode.categoryBits)
        let failure: StandardFailure? = TextBytes.withBytes(of: text) { bytes in
            func fail(_ code: String, _ message: String) -> StandardFailure { StandardFailure(code, message) }
            func character(_ byte: UInt8) -> Character { Character(Unicode.Scalar(byte)) }
            // Text that is not ASCII (a Chinese character typed into the code) is told by its characters, not its bytes.
            if bytes.contains(where: { $0 >= 0x80 }) { return notASCII(text) }
            guard bytes.count == 18 else { return fail("length", "长度应为18位，实为\(bytes.count)位") }
            for i in 0..<18 where values[Int(bytes[i])] < 0 {
                return fail("character", "第\(i + 1)位“\(character(bytes[i]))”不在代码字符集中（不使用I、O、Z、S、V）")
            }
            let allowed = categoryBits[Int(bytes[0])]
            guard allowed != 0 else { return fail("department", "登记管理部门代码“\(character(bytes[0]))”不存在") }
            guard bytes[1] >= 0x30, bytes[1] <= 0x39, allowed & (1 << UInt16(bytes[1] - 0x30)) != 0 else {
                return fail("category", "机构类别代码“\(character(bytes[1]))”不属于登记管理部门“\(character(bytes[0]))”")
            }
            let regionBytes = UnsafeBufferPointer(rebasing: bytes[2..<8])
            let region = String(decoding: regionBytes, as: UTF8.self)
            guard regionBytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), region == "100000" || context.divisions.isKnown(region) else {
                return fail("region", "登记管理机关行政区划码\(region)不存在")
            }
            guard let organisation = organisationCheckByte(for: UnsafeBufferPointer(rebasing: bytes[8..<16])) else {
                return fail("organisation_code", "组织机构代码含无效字符")
            }
            if bytes[16] != organisation {
                return fail("organisation_check", "组织机构代码校验码错误：应为\(character(organisation))，实为\(character(bytes[16]))")
            }
            guard let check = checkByte(for: UnsafeBufferPointer(rebasing: bytes[0..<17])) else { return fail("character", "含无效字符") }
            if bytes[17] != check {
                return fail("check_character", "校验码错误：应为\(character(check))，实为\(character(bytes[17]))")
            }
            return nil
        }
        if let failure { return .invalid(failure, changes) }
        return .valid(text, changes)
    }

    /// The failure of a code holding a character that is not ASCII: its length in characters when that is wrong,
    /// else the first character outside the alphabet, at its position.
    private static func notASCII(_ text: String) -> StandardFailure {
        let characters = Array(text)
        guard characters.count == 18 else { return StandardFailure("length", "长度应为18位，实为\(characters.count)位") }
        let (position, character) = characters.enumerated().first { !$0.element.isASCII || value(of: $0.element.asciiValue!) == nil }!
        return StandardFailure("character", "第\(position + 1)位“\(character)”不在代码字符集中（不使用I、O、Z、S、V）")
    }
}
