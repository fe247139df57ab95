import Foundation

/// Decodes a legacy-encoded source (GB18030) to UTF-8 on the fly with glibc's iconv.
///
/// A byte sequence that is not valid in the source encoding becomes U+FFFD, so the reader can
/// reject exactly the record that held it instead of failing the whole file.
public final class TranscodingInput: ByteSource {
    private let inner: ByteSource
    private let converter: Iconv
    private let encoding: String
    /// Undecoded bytes read from `inner`: `pending[pendingStart..<pendingEnd]`, in a buffer of fixed size.
    private let pending: UnsafeMutablePointer<UInt8>
    private static let capacity = 1 << 18
    private var pendingStart = 0
    private var pendingEnd = 0
    private var innerAtEnd = false
    private static let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]

    /// - Throws: `IngestError.unsupportedEncoding` when iconv does not know `encoding`.
    public init(_ inner: ByteSource, from encoding: String) throws {
        guard let converter = Iconv(from: encoding, to: "UTF-8") else { throw IngestError.unsupportedEncoding(encoding) }
        self.inner = inner
        self.converter = converter
        self.encoding = encoding
        pending = .allocate(capacity: TranscodingInput.capacity)
    }

    deinit {
        pending.deallocate()
    }

    public func read(into destination: UnsafeMutablePointer<UInt8>, count: Int) throws -> Int {
        var produced = 0
        while produced < count {
            if pendingEnd - pendingStart < 8 && !innerAtEnd {
                try fetch()
            }
            let availableIn = pendingEnd - pendingStart
            if availableIn == 0 { break }
            var outLeft = count - produced
            var inLeft = availableIn
            var inPointer = pending + pendingStart
            var outPointer = destination + produced
            let stop = converter.convert(&inPointer, &inLeft, into: &outPointer, &outLeft)
            let consumed = availableIn - inLeft
            pendingStart += consumed
            produced = count - outLeft
            switch stop {
            case .done:
                continue
            case .outputFull:
                return produced
            case .incomplete where !innerAtEnd:
                // An incomplete sequence at the end of what we have: read more first.
                try fetch()
            default:
                // EILSEQ, or an incomplete sequence at the very end of the file.
                if count - produced < 3 { return produced }
                for (offset, byte) in TranscodingInput.replacement.enumerated() {
                    destination[produced + offset] = byte
                }
                produced += 3
                pendingStart += 1
            }
        }
        return produced
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
