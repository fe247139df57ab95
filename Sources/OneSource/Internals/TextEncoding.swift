import Foundation

/// The text encodings the readers can decode (what glibc's iconv knows), for checking a catalog before a run.
enum TextEncoding {
    /// The encodings an agency's export is usually in, for messages.
    static let usual = ["utf-8", "gb18030", "gbk", "gb2312", "big5", "utf-16le", "utf-16be"]

    /// Whether iconv can decode `name` to UTF-8.
    static func isKnown(_ name: String) -> Bool { Iconv.canDecode(name) }
}
