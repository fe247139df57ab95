import Foundation

/// Decodes a legacy-encoded source (GB18030) to UTF-8 on the fly with glibc's iconv.
///
/// A byte sequence that is not valid in the source encoding becomes U+FFFD, so the reader can
/// reject exactly the record that held it instead of failing the whole file.
public final class TranscodingInput: ByteSource {
    private let inner: ByteSource
    private let converter: iconv_t
    private let encoding: String
    private var pending: [UInt8] = []
    private var pendingStart = 0
    private var innerAtEnd = false
    private static let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]

    /// - Throws: `IngestError.unsupportedEncoding` when iconv does not know `encoding`.
    public init(_ inner: ByteSource, from encoding: String) throws {
        guard let cd = iconv_open("UTF-8", encoding), cd != iconv_t(bitPattern: -1) else {
            throw IngestError.unsupportedEncoding(encoding)
        }
        self.inner = inner
        self.converter = cd
        self.encoding = encoding
    }

    deinit { iconv_close(converter) }

    public func read(into destination: UnsafeMutablePointer<UInt8>, count: Int) throws -> Int {
        var produced = 0
        while produced < count {
            if pending.count - pendingStart < 8 && !innerAtEnd {
                try fetch()
            }
            let availableIn = pending.count - pendingStart
            if availableIn == 0 { break }
            var outLeft = count - produced
            var inLeft = availableIn
            let result: Int = pending.withUnsafeMutableBufferPointer { buffer in
                var inPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(buffer.baseAddress! + pendingStart)
                    .assumingMemoryBound(to: CChar.self)
                var outPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(destination + produced)
                    .assumingMemoryBound(to: CChar.self)
                return iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft)
            }
            let failure = errno
            let consumed = availableIn - inLeft
            pendingStart += consumed
            produced = count - outLeft
            if result != -1 { continue }
            switch failure {
            case E2BIG:
                return produced
            case EINVAL where !innerAtEnd:
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

    private func fetch() throws {
        if pendingStart > 0 {
            pending.removeFirst(pendingStart)
            pendingStart = 0
        }
        let chunk = 1 << 18
        let old = pending.count
        pending.append(contentsOf: repeatElement(0, count: chunk))
        let n = try pending.withUnsafeMutableBufferPointer { try inner.read(into: $0.baseAddress! + old, count: chunk) }
        pending.removeLast(chunk - n)
        if n == 0 { innerAtEnd = true }
    }
}

@available(*, unavailable)
extension TranscodingInput: Sendable {}
