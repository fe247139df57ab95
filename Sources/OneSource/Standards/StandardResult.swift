/// Why a value cannot be made canonical: a stable code for machines and a Chinese message for people.
public struct StandardFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable code, e.g. `check_character`, `length`, `date`.
    public let code: String
    /// 中文说明, e.g. 校验码错误：应为X，实为0.
    public let message: String

    public init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}

/// Something a standard changed to reach the canonical form. The value is usable, but the agency did not
/// deliver it to the standard, which counts against its conformity.
public enum StandardChange: String, Sendable, Equatable, CaseIterable {
    case trimmed = "trimmed"
    case fullWidth = "full_width"
    case lowerCase = "lower_case"
    case legacyUpgraded = "legacy_15_digit"
    case separatorsRemoved = "separators"
    case middleDot = "middle_dot"
    case controlCharacters = "control_characters"
    case reformatted = "reformatted"
    case mappedToCode = "mapped_to_code"
    case areaCodeAdded = "area_code_added"
    case countryCodeRemoved = "country_code"
    case bracketsNormalized = "brackets"
    case zeroPadded = "zero_padded"
    case unitRemoved = "unit_removed"
    case spacesRemoved = "spaces_removed"

    /// 中文说明.
    public var message: String {
        switch self {
        case .trimmed: return "去除了首尾空白"
        case .fullWidth: return "全角字符已转为半角"
        case .lowerCase: return "小写字母已转为大写"
        case .legacyUpgraded: return "15位旧号码已升级为18位"
        case .separatorsRemoved: return "去除了分隔符"
        case .middleDot: return "间隔号已统一为“·”"
        case .controlCharacters: return "去除了控制字符"
        case .reformatted: return "已按标准格式重写"
        case .mappedToCode: return "名称已映射为代码"
        case .areaCodeAdded: return "补充了区号0523"
        case .countryCodeRemoved: return "去除了国家代码+86"
        case .bracketsNormalized: return "年份括号已统一为“〔〕”"
        case .zeroPadded: return "代码已补零"
        case .unitRemoved: return "去除了单位"
        case .spacesRemoved: return "去除了代码中间的空格"
        }
    }
}

/// The outcome of one standard on one raw value.
public struct StandardResult: Sendable, Equatable {
    /// The canonical value, nil when the value failed (or was empty).
    public var value: String?
    /// What was changed on the way (also filled when the value then failed).
    public var changes: [StandardChange]
    /// Why the value is not conforming, when it is not.
    public var failure: StandardFailure?

    public static func valid(_ value: String, _ changes: [StandardChange] = []) -> StandardResult {
        StandardResult(value: value, changes: changes, failure: nil)
    }

    public static func invalid(_ failure: StandardFailure, _ changes: [StandardChange] = []) -> StandardResult {
        StandardResult(value: nil, changes: changes, failure: failure)
    }

    /// The result of an empty value: neither valid nor a standard failure (the `required` rule decides).
    public static let empty = StandardResult(value: nil, changes: [], failure: nil)

    public var isEmpty: Bool { value == nil && failure == nil }

    /// Whether the canonical value is byte for byte `text` (read in place: binding the value to compare it counted a
    /// reference to it, for every value of every record verified).
    func value(is text: String) -> Bool {
        switch value {
        case .some(let value): return TextBytes.equal(value, text)
        case .none: return false
        }
    }
}

/// What every standard may need beyond the value: the reference date and the division table.
public struct StandardContext: Sendable {
    /// "Today" for the run: dates after it are in the future.
    public let today: CivilDate
    public let divisions: DivisionTable

    public init(today: CivilDate, divisions: DivisionTable) {
        self.today = today
        self.divisions = divisions
    }
}
