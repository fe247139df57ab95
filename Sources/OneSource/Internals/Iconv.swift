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
