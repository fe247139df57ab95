import Foundation

/// Decodes a legacy-encoded source (GB18030) to UTF-8 on the fly with glibc's iconv.
///
/// A byte sequence that is not valid in the source encoding becomes U+FFFD, so the reader can
/// reject exactly the record that held it instead of failing the whole file.
///
/// For the GB family, ASCII and the two-byte characters (nearly every byte of an export) are decoded by a table made
/// from iconv's own answers (`TwoByteTable`); iconv decodes the rest (four-byte GB18030 characters, invalid bytes, a
/// character cut by the end of what was read), so the output is iconv's, byte for byte. On the 1M-person city's
/// 社保参保.csv iconv alone cost about 61 instructions a byte.
public final class TranscodingInput: ByteSource {
    private let inner: ByteSource
    private let converter: Iconv
    private let table: TwoByteTable?
    private let encoding: String
    /// Undecoded bytes read from `inner`: `pending[pendingStart..<pendingEnd]`, in a buffer of fixed size.
    private let pending: UnsafeMutablePointer<UInt8>
    private static let capacity = 1 << 18
    private var pendingStart = 0
    private var pendingEnd = 0
    private var innerAtEnd = false
    /// The rest of a character decoded aside (see `read`).
    private var carry: [UInt8] = []
    private static let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]

    /// - Throws: `IngestError.unsupportedEncoding` when iconv does not know `encoding`.
    public convenience init(_ inner: ByteSource, from encoding: String) throws {
        try self.init(inner, from: encoding, byTable: true)
    }

    /// `byTable: false` leaves every byte to iconv (to compare the two).
    init(_ inner: ByteSource, from encoding: String, byTable: Bool) throws {
        guard let converter = Iconv(from: encoding, to: "UTF-8") else { throw IngestError.unsupportedEncoding(encoding) }
        self.inner = inner
        self.converter = converter
        table = byTable ? Iconv.twoByteTable(for: encoding) : nil
        self.encoding = encoding
        pending = .allocate(capacity: TranscodingInput.capacity)
    }

    deinit {
        pending.deallocate()
    }

    public func read(into destination: UnsafeMutablePointer<UInt8>, count: Int) throws -> Int {
        var produced = 0
        handOutCarry(into: destination, count: count, produced: &produced)
        while produced < count {
            if pendingEnd - pendingStart < 8 && !innerAtEnd {
                try fetch()
            }
            if let table {
                let before = produced
                decodeByTable(table, into: destination, count: count, produced: &produced)
                if produced != before { continue }
            }
            let availableIn = pendingEnd - pendingStart
            if availableIn == 0 { break }
            // With a table, iconv takes only the character the table left (a few bytes of output), then the table goes on.
            let room = table == nil ? count - produced : min(count - produced, 16)
            var outLeft = room
            var inLeft = availableIn
            var inPointer = pending + pendingStart
            var outPointer = destination + produced
            let stop = converter.convert(&inPointer, &inLeft, into: &outPointer, &outLeft)
            let consumed = availableIn - inLeft
            pendingStart += consumed
            produced += room - outLeft
            switch stop {
            case .done:
                continue
            case .outputFull:
                if table != nil && produced < count - 3 { continue }
                if produced > 0 { return produced }
                // Less room asked for than the next character takes (up to 4 bytes): decode it aside and hand out what
                // fits; returning 0 here would read as the end of the file.
                var aside = [UInt8](repeating: 0, count: 4)
                var asideLeft = 4
                var inLeft = pendingEnd - pendingStart
                let before = inLeft
                aside.withUnsafeMutableBufferPointer { buffer in
                    var inPointer = pending + pendingStart
                    var outPointer = buffer.baseAddress!
                    _ = converter.convert(&inPointer, &inLeft, into: &outPointer, &asideLeft)
                }
                pendingStart += before - inLeft
                carry = Array(aside[0..<(4 - asideLeft)])
                handOutCarry(into: destination, count: count, produced: &produced)
                return produced
            case .incomplete where !innerAtEnd:
                // An incomplete sequence at the end of what we have: read more first.
                try fetch()
            default:
                // EILSEQ, or an incomplete sequence at the very end of the file: the replacement character, over this
                // read and the next when it does not fit.
                carry = TranscodingInput.replacement
                pendingStart += 1
                handOutCarry(into: destination, count: count, produced: &produced)
            }
        }
        return produced
    }

    /// Hands out what is left of a character decoded aside (`carry`), as far as the room goes.
    private func handOutCarry(into destination: UnsafeMutablePointer<UInt8>, count: Int, produced: inout Int) {
        while produced < count, !carry.isEmpty {
            destination[produced] = carry.removeFirst()
            produced += 1
        }
    }

    /// Decodes from the pending bytes while they are ASCII or two-byte characters the table knows, and output room
    /// is left; stops at the first byte it leaves to iconv.
    @inline(__always)
    private func decodeByTable(_ table: TwoByteTable, into destination: UnsafeMutablePointer<UInt8>, count: Int, produced: inout Int) {
        var index = pendingStart, out = produced
        let end = pendingEnd
        while index < end {
            // Eight ASCII bytes at a time (digits, codes and separators are most of an export).
            if index + 8 <= end, out + 8 <= count {
                let word = UnsafeRawPointer(pending + index).loadUnaligned(as: UInt64.self)
                if word & 0x8080_8080_8080_8080 == 0 {
                    UnsafeMutableRawPointer(destination + out).storeBytes(of: word, as: UInt64.self)
                    index += 8
                    out += 8
                    continue
                }
            }
            let byte = pending[index]
            if byte < 0x80 {
                guard out < count else { break }
                destination[out] = byte
                out += 1
                index += 1
                continue
            }
            guard index + 1 < end, out + 3 <= count else { break }
            let entry = table.entry(byte, pending[index + 1])
            if entry == 0 { break }
            let length = Int(entry >> 24)
            destination[out] = UInt8(truncatingIfNeeded: entry)
            if length > 1 { destination[out + 1] = UInt8(truncatingIfNeeded: entry >> 8) }
            if length > 2 { destination[out + 2] = UInt8(truncatingIfNeeded: entry >> 16) }
            out += length
            index += 2
        }
        pendingStart = index
        produced = out
    }

    /// Moves what is left to the front and reads more from `inner` into the free space.
    private func fetch() throws {
        if pendingStart > 0 {
            if pendingEnd > pendingStart { memmove(pending, pending + pendingStart, pendingEnd - pendingStart) }
            pendingEnd -= pendingStart
            pendingStart = 0
        }
        let free = TranscodingInput.capacity - pendingEnd
        guard free > 0 else { return }
        let n = try inner.read(into: pending + pendingEnd, count: free)
        pendingEnd += n
        if n == 0 { innerAtEnd = true }
    }
}

extension TranscodingInput {
    /// `text` in `encoding` (the other direction, for writing a file as an agency delivers it, or for matching a
    /// name against raw bytes).
    /// - Throws: `IngestError.unsupportedEncoding` when iconv does not know the encoding or cannot encode a character.
    static func encode(to encoding: String, _ text: String) throws -> [UInt8] {
        guard let bytes = Iconv.encode(text, to: encoding) else {
            throw IngestError.unsupportedEncoding(Iconv(from: "UTF-8", to: encoding) == nil ? encoding : "\(encoding) (a character could not be encoded)")
        }
        return bytes
    }
}

@available(*, unavailable)
extension TranscodingInput: Sendable {}
