import Foundation

/// Takes comments and processing instructions (all but the XML declaration) out of an XML byte stream before
/// the parser sees it, keeping their line breaks so that line numbers stay right.
///
/// They carry no data, and libxml2's reader keeps every child node of an open element until the element ends:
/// text split by a million comments would be two million nodes held at once (a 10 MB file took 290 MB). Without
/// them the pieces of text join into one node, which libxml2's own limit on a text node then bounds. Comments in
/// attribute values and CDATA sections are left alone (they are not comments there).
struct XMLMarkupFilter {
    private enum State { case text, open, bang, bangDash, comment, instruction, keptInstruction, dropped, tag, cdata, declaration }
    private var state = State.text
    private var pending: [UInt8] = []     // bytes held until it is known whether they start a comment or an instruction
    private var tail: (UInt8, UInt8) = (0, 0)
    private var quote: UInt8 = 0
    private var bracketDepth = 0

    /// The most bytes held back between calls (undecided: "<!-" or "<?xm" may or may not start what is dropped).
    static let maxHeld = 8

    /// Filters `input` into `output`, which has room for `input.count + maxHeld` bytes; returns how many were written.
    mutating func filter(_ input: UnsafeBufferPointer<UInt8>, into output: UnsafeMutablePointer<UInt8>) -> Int {
        var out = 0
        func put(_ byte: UInt8) { output[out] = byte; out += 1 }
        guard let base = input.baseAddress else { return 0 }
        var index = 0
        while index < input.count {
            // Text runs to the next '<' untouched: copied in one piece.
            if state == .text {
                var found = input.count
                if let pointer = memchr(base + index, 0x3C, input.count - index) {
                    found = UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self) - base
                }
                (output + out).update(from: base + index, count: found - index)
                out += found - index
                index = found
                if index == input.count { break }
                // A tag ("<" then neither "!" nor "?"), the common case: both bytes go out at once, as `.open` would send
                // them, without holding the "<" in `pending`.
                if index + 1 < input.count, base[index + 1] != 0x21, base[index + 1] != 0x3F {
                    put(0x3C)
                    put(base[index + 1])
                    index += 2
                    state = .tag
                    quote = 0
                    continue
                }
            }
            let byte = base[index]
            index += 1
            switch state {
            case .text:
                if byte == 0x3C { state = .open; pending.removeAll(keepingCapacity: true); pending.append(byte) } else { put(byte) }
            case .open:
                if byte == 0x21 { pending.append(byte); state = .bang }
                else if byte == 0x3F { pending.append(byte); state = .instruction }
                else { for b in pending { put(b) }; pending.removeAll(keepingCapacity: true); put(byte); state = .tag; quote = 0 }
            case .bang:
                if byte == 0x2D { pending.append(byte); state = .bangDash }
                else {
                    for b in pending { put(b) }
                    pending.removeAll(keepingCapacity: true)
                    put(byte)
                    state = byte == 0x5B ? .cdata : .declaration
                    tail = (0, 0)
                    bracketDepth = 0
                }
            case .bangDash:
                pending.removeAll(keepingCapacity: true)
                if byte == 0x2D { state = .comment; tail = (0, 0) }
                else { for b in Array("<!-".utf8) { put(b) }; put(byte); state = .declaration; bracketDepth = 0 }
            case .comment:
                if byte == 0x0A { put(byte) }
                if byte == 0x3E && tail == (0x2D, 0x2D) { state = .text }
                tail = (tail.1, byte)
            case .instruction:
                // "<?xml " (the declaration) is kept; any other instruction is dropped.
                pending.append(byte)
                let target = Array(pending.dropFirst(2))
                if target.count == 4 {
                    let isDeclaration = target[0] | 0x20 == 0x78 && target[1] | 0x20 == 0x6D && target[2] | 0x20 == 0x6C
                        && (target[3] == 0x20 || target[3] == 0x09 || target[3] == 0x0D || target[3] == 0x0A)
                    if isDeclaration { for b in pending { put(b) }; state = .keptInstruction }
                    else { for b in pending where b == 0x0A { put(b) }; state = .dropped }
                    tail = (0, pending.last ?? 0)
                    pending.removeAll(keepingCapacity: true)
                } else if byte == 0x3E && pending.count >= 4 && pending[pending.count - 2] == 0x3F {
                    // A short instruction, over already ("<?a?>").
                    for b in pending where b == 0x0A { put(b) }
                    pending.removeAll(keepingCapacity: true)
                    state = .text
                }
            case .keptInstruction, .dropped:
                if state == .keptInstruction || byte == 0x0A { put(byte) }
                if byte == 0x3E && tail.1 == 0x3F { state = .text }
                tail = (tail.1, byte)
            case .tag:
                put(byte)
                if quote != 0 { if byte == quote { quote = 0 } }
                else if byte == 0x22 || byte == 0x27 { quote = byte }
                else if byte == 0x3E { state = .text; continue }
                // The bytes up to the next one that matters (the closing quote, or '>' and quotes outside one) go as they are,
                // found first and copied in one piece.
                var end = index
                if quote != 0 {
                    if let pointer = memchr(base + index, Int32(quote), input.count - index) {
                        end = UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self) - base
                    } else {
                        end = input.count
                    }
                } else {
                    while end < input.count {
                        let next = base[end]
                        if next == 0x3E || next == 0x22 || next == 0x27 { break }
                        end += 1
                    }
                }
                (output + out).update(from: base + index, count: end - index)
                out += end - index
                index = end
            case .cdata:
                put(byte)
                if byte == 0x3E && tail == (0x5D, 0x5D) { state = .text }
                tail = (tail.1, byte)
            case .declaration:
                put(byte)
                if byte == 0x5B { bracketDepth += 1 } else if byte == 0x5D { bracketDepth = max(0, bracketDepth - 1) }
                else if byte == 0x3E && bracketDepth == 0 { state = .text }
            }
        }
        return out
    }

    /// At the end of the input: writes what was held back (at most `maxHeld` bytes); returns how many.
    mutating func finish(into output: UnsafeMutablePointer<UInt8>) -> Int {
        for (index, byte) in pending.enumerated() { output[index] = byte }
        defer { pending.removeAll() }
        return pending.count
    }
}
