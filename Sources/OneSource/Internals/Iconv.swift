import Foundation

/// glibc's iconv, the one place it is called: a converter between two encodings. No iconv handle leaves this file.
final class Iconv {
    private let converter: iconv_t

    /// What one conversion step stopped at.
    enum Stop {
        /// Everything given was converted.
        case done
        /// The output is full.
        case outputFull
        /// The input ends inside a character: give more input.
        case incomplete
        /// A byte sequence that is not valid in the source encoding.
        case invalid
    }

    /// A converter from `source` to `target`; nil when iconv knows either not.
    init?(from source: String, to target: String) {
        guard let converter = iconv_open(target, source), converter != iconv_t(bitPattern: -1) else { return nil }
        self.converter = converter
    }

    deinit { iconv_close(converter) }

    /// Whether iconv can decode `name` to UTF-8.
    static func canDecode(_ name: String) -> Bool { Iconv(from: name, to: "UTF-8") != nil }

    /// `text` in `encoding`; nil when iconv does not know the encoding or cannot encode a character.
    static func encode(_ text: String, to encoding: String) -> [UInt8]? {
        guard let converter = Iconv(from: "UTF-8", to: encoding) else { return nil }
        var input = Array(text.utf8) + [0]
        var output = [UInt8](repeating: 0, count: input.count * 4 + 16)
        var inLeft = input.count - 1, outLeft = output.count
        let stop = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer -> Stop in
                var inPointer = inBuffer.baseAddress!
                var outPointer = outBuffer.baseAddress!
                return converter.convert(&inPointer, &inLeft, into: &outPointer, &outLeft)
            }
        }
        return stop == .done ? Array(output[0..<(output.count - outLeft)]) : nil
    }

    /// The one- and two-byte characters of a GB family encoding (GB18030, GBK, GB2312, CP936), as iconv itself decodes
    /// them, for decoding by table; nil for any other encoding, or when iconv does not map every byte below 0x80 to itself.
    /// Built once per encoding name, by asking iconv for each of the 126 × 191 two-byte sequences (about 25 ms).
    static func twoByteTable(for encoding: String) -> TwoByteTable? {
        let name = encoding.uppercased().replacingOccurrences(of: "-", with: "").replacingOccurrences(of: "_", with: "")
        guard ["GB18030", "GBK", "GB2312", "CP936", "EUCCN"].contains(name) else { return nil }
        return TwoByteTable.cache.table(for: encoding)
    }

    /// Converts from `input` (advancing it and counting down `inputLeft`) into `output` (likewise `outputLeft`).
    func convert(_ input: inout UnsafeMutablePointer<UInt8>, _ inputLeft: inout Int,
                 into output: inout UnsafeMutablePointer<UInt8>, _ outputLeft: inout Int) -> Stop {
        var inPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(input).assumingMemoryBound(to: CChar.self)
        var outPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(output).assumingMemoryBound(to: CChar.self)
        let before = inputLeft, room = outputLeft
        let result = iconv(converter, &inPointer, &inputLeft, &outPointer, &outputLeft)
        let failure = errno
        input += before - inputLeft
        output += room - outputLeft
        if result != -1 { return .done }
        switch failure {
        case E2BIG: return .outputFull
        case EINVAL: return .incomplete
        default: return .invalid
        }
    }
}

@available(*, unavailable)
extension Iconv: Sendable {}

/// What iconv makes of each two-byte sequence of a GB family encoding: lead byte 0x81–0xFE, second byte 0x40–0xFE but
/// 0x7F. An entry holds the UTF-8 bytes (one to three, low byte first) and their count in the top byte; 0 where iconv
/// does not decode the pair as one character (invalid, or the first half of a four-byte GB18030 sequence), which is
/// left to iconv. Bytes below 0x80 are checked to decode to themselves before a table is made.
struct TwoByteTable: Sendable {
    private let entries: [UInt32]

    static let leads: ClosedRange<UInt8> = 0x81...0xFE
    static let trails: ClosedRange<UInt8> = 0x40...0xFE

    /// The entry of `lead`, `trail` (0: ask iconv).
    @inline(__always)
    func entry(_ lead: UInt8, _ trail: UInt8) -> UInt32 {
        guard lead >= 0x81, lead != 0xFF, trail >= 0x40, trail != 0xFF else { return 0 }
        return entries[Int(lead &- 0x81) &* 191 &+ Int(trail &- 0x40)]
    }

    fileprivate init?(encoding: String) {
        guard let converter = Iconv(from: encoding, to: "UTF-8") else { return nil }
        // One input and one output buffer for the 24,000 questions.
        let input = UnsafeMutablePointer<UInt8>.allocate(capacity: 2), output = UnsafeMutablePointer<UInt8>.allocate(capacity: 16)
        defer { input.deallocate(); output.deallocate() }
        func decode(_ bytes: [UInt8]) -> [UInt8]? {
            for (index, byte) in bytes.enumerated() { input[index] = byte }
            var inPointer = input, outPointer = output
            var inLeft = bytes.count, outLeft = 16
            let stop = converter.convert(&inPointer, &inLeft, into: &outPointer, &outLeft)
            return stop == .done && inLeft == 0 ? Array(UnsafeBufferPointer(start: output, count: 16 - outLeft)) : nil
        }
        for byte in UInt8(0)..<0x80 where decode([byte]) != [byte] { return nil }
        var entries = [UInt32](repeating: 0, count: TwoByteTable.leads.count * 191)
        for lead in TwoByteTable.leads where decode([lead]) == nil {   // a byte iconv takes alone is no lead byte here
            for trail in TwoByteTable.trails where trail != 0x7F {
                // Only a pair iconv reads as exactly one character of one to three UTF-8 bytes.
                guard let utf8 = decode([lead, trail]), (1...3).contains(utf8.count) else { continue }
                var entry = UInt32(utf8.count) << 24
                for (index, byte) in utf8.enumerated() { entry |= UInt32(byte) << (8 * UInt32(index)) }
                entries[Int(lead - 0x81) * 191 + Int(trail - 0x40)] = entry
            }
        }
        self.entries = entries
    }

    /// The tables made so far, by encoding name: a process builds each once.
    final class Cache: @unchecked Sendable {   // guarded by `lock`
        private let lock = NSLock()
        private var tables: [String: TwoByteTable?] = [:]

        func table(for encoding: String) -> TwoByteTable? {
            lock.lock()
            defer { lock.unlock() }
            if let known = tables[encoding] { return known }
            let made = TwoByteTable(encoding: encoding)
            tables[encoding] = .some(made)
            return made
        }
    }
    static let cache = Cache()
}
