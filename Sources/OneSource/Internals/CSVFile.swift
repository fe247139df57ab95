/// CSV as people open it in a spreadsheet: UTF-8 with a byte-order mark (Excel then reads Chinese text
/// right), CRLF line ends, RFC 4180 quoting, and no cell a spreadsheet would run as a formula: a value
/// beginning with =, +, -, @, tab or CR gets an apostrophe in front (OWASP's advice for CSV injection;
/// the reply import takes it off again).
enum CSVFile {
    static func bytes(_ rows: [[String]]) -> [UInt8] {
        var out: [UInt8] = [0xEF, 0xBB, 0xBF]
        for row in rows {
            let line = row.map { field -> String in
                var value = field
                if let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { value = "'" + value }
                return value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                    ? "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : value
            }.joined(separator: ",")
            out.append(contentsOf: Array(line.utf8) + [0x0D, 0x0A])
        }
        return out
    }
}
