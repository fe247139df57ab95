/// Electronic licence identifier as used under GB/T 36901–36905:
/// `1.2.156.3005.2.{type}.{issuer credit code}.{serial}.{version, 3 digits}.{check}`, the check being
/// ISO 7064 MOD 37,36 over type + issuer + serial + version without dots.
public enum LicenceIdentifier {
    static let prefix = "1.2.156.3005.2."
    private static let characters: [UInt8] = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)

    /// The MOD 37,36 check character for alphanumeric text.
    public static func checkCharacter(for text: String) -> Character? {
        var p = 36
        for byte in text.utf8 {
            guard let v = characters.firstIndex(of: byte) else { return nil }
            var s = (p + v) % 36
            if s == 0 { s = 36 }
            p = (s * 2) % 37
        }
        return Character(Unicode.Scalar(characters[(37 - p) % 36]))
    }

    public static func standardize(_ raw: String, context: StandardContext) -> StandardResult {
        var (text, changes) = TextNormalizer.normalizeCode(raw)
        let upper = text.uppercased()
        if upper != text { changes.append(.lowerCase); text = upper }
        func fail(_ code: String, _ message: String) -> StandardResult { .invalid(StandardFailure(code, message), changes) }
        guard text.hasPrefix(prefix) else { return fail("prefix", "应以\(prefix)开头") }
        let parts = text.dropFirst(prefix.count).split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 5 else { return fail("structure", "应为 类型.颁发机构代码.流水号.版本号.校验位 五段，实为\(parts.count)段") }
        let (type, issuer, serial, version, check) = (parts[0], parts[1], parts[2], parts[3], parts[4])
        guard !type.isEmpty, type.utf8.allSatisfy({ characters.contains($0) }) else { return fail("type", "证照类型代码无效") }
        let issuerResult = CreditCode.standardize(issuer, context: context)
        if let failure = issuerResult.failure { return fail("issuer", "颁发机构代码无效（\(failure.message)）") }
        guard !serial.isEmpty, serial.utf8.allSatisfy({ characters.contains($0) }) else { return fail("serial", "流水号无效") }
        guard version.count == 3, TextNormalizer.isDigits(version) else { return fail("version", "版本号应为3位数字") }
        guard check.count == 1, let expected = checkCharacter(for: type + issuer + serial + version) else {
            return fail("check_character", "校验位应为1位字母或数字")
        }
        if Character(check) != expected { return fail("check_character", "校验位错误：应为\(expected)，实为\(check)") }
        return .valid(text, changes)
    }
}
