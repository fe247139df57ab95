/// The names people know the standards by, for messages and reports.
public enum StandardName {
    /// The name of the standard with catalog id `standard`.
    public static func of(_ standard: String) -> String {
        switch standard {
        case "identity_number": return "GB 11643公民身份号码标准"
        case "credit_code": return "GB 32100统一社会信用代码标准"
        case "division_code": return "GB/T 2260行政区划代码"
        case "date", "datetime": return "日期格式"
        case "phone": return "电话号码格式"
        case "person_name": return "姓名规范"
        case "licence_id": return "GB/T 36904电子证照标识"
        case "money": return "金额格式"
        case "document_number": return "文书编号规范"
        default: return "数据标准"
        }
    }
}
