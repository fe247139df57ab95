/// Text for XML and HTML: the one escaping used by the spreadsheet writer, the report pages and the catalog export.
public enum MarkupText {
    /// Markup characters escaped (&, <, >, "); characters XML 1.0 cannot hold (controls other than tab, LF, CR) dropped.
    public static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
