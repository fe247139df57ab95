import Foundation

/// Tells the text encoding of a file people saved by hand (a reply file from Excel or WPS): a byte-order mark
/// says it; otherwise text that is valid UTF-8 is UTF-8, and anything else is taken as GB18030, which is what
/// Chinese Excel's "CSV (逗号分隔)" writes (GBK, a subset). The file is read in chunks, never whole.
enum EncodingSniffer {
    enum Guess: Equatable {
        case utf8, utf16LittleEndian, utf16BigEndian, gb18030

        /// The iconv name (nil: UTF-8, nothing to convert).
        var iconvName: String? {
            switch self {
            case .utf8: return nil
            case .utf16LittleEndian: return "UTF-16LE"
            case .utf16BigEndian: return "UTF-16BE"
            case .gb18030: return "GB18030"
            }
        }
    }

    static func detect(path: String) throws -> Guess {
        let input = try FileInput(path: path)
        let chunk = UnsafeMutablePointer<UInt8>.allocate(capacity: 1 << 16)
        defer { chunk.deallocate() }
        var validator = UTF8Validator()
        var first = true
        while true {
            let n = try input.read(into: chunk, count: 1 << 16)
            if n == 0 { break }
            let bytes = UnsafeBufferPointer(start: chunk, count: n)
            if first {
                first = false
                if n >= 2 && bytes[0] == 0xFF && bytes[1] == 0xFE { return .utf16LittleEndian }
                if n >= 2 && bytes[0] == 0xFE && bytes[1] == 0xFF { return .utf16BigEndian }
                if n >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { return .utf8 }
            }
            guard validator.feed(bytes) else { return .gb18030 }
        }
        return validator.finish() ? .utf8 : .gb18030
    }
}

/// Checks UTF-8 fed in pieces (a character may be split between pieces).
struct UTF8Validator {
    private var needed = 0
    private var lowerBound: UInt8 = 0x80, upperBound: UInt8 = 0xBF

    /// False as soon as the bytes so far cannot be UTF-8.
    mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        for byte in bytes {
            if needed == 0 {
                switch byte {
                case 0x00...0x7F: continue
                case 0xC2...0xDF: needed = 1
                case 0xE0: needed = 2; lowerBound = 0xA0
                case 0xE1...0xEC, 0xEE...0xEF: needed = 2
                case 0xED: needed = 2; upperBound = 0x9F
                case 0xF0: needed = 3; lowerBound = 0x90
                case 0xF1...0xF3: needed = 3
                case 0xF4: needed = 3; upperBound = 0x8F
                default: return false
                }
            } else {
                guard byte >= lowerBound && byte <= upperBound else { return false }
                lowerBound = 0x80
                upperBound = 0xBF
                needed -= 1
            }
        }
        return true
    }

    /// True when the input ended on a whole character.
    func finish() -> Bool { needed == 0 }
}
