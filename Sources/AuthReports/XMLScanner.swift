import Foundation

/// A streaming scanner for the XML subset aggregate reports use: elements, attributes, text with the five
/// predefined and numeric character references, CDATA, comments, processing instructions and a DOCTYPE
/// (skipped; entities are never expanded). It replaces FoundationXML's `XMLParser`, whose per-event
/// bridging cost about 150 µs per report record; this one hands the handler bytes and small strings.
/// Well-formedness is checked where a report depends on it: names, matching end tags, references, quotes.
/// Every token is bounded (`ReportLimits`): nesting depth, the bytes of a tag or other markup, of a text run;
/// the buffer never holds more than one token and a chunk, whatever the input.
final class XMLScanner {
    struct Failure: Error {
        let message: String
        let line: Int
        let column: Int
        /// Set when a limit, not the syntax, stopped the scan.
        var limit: ReportError? = nil
    }

    /// What a bounded search found.
    private enum Search {
        case found(Int)
        case endOfInput
        case tooFar
    }

    private let stream: XMLByteStream
    private let limits: ReportLimits
    // @exclusivity(unchecked) stays where dropping it measurably costs (extra instructions of the whole
    // parse, Scripts/bench-parser --callgrind, 20,000 records, against 1,529 M with every attribute). Safe: a
    // scanner belongs to one parse on one thread, only its own methods touch these arrays, and no access to one
    // overlaps another to the same array (`readAppending(to: &buffer)` runs no scanner code; the handler gets
    // slices, which are copies).
    /// Names the report and element for a limit's message (the handler knows them).
    var context: (() -> String)?
    /// +26% (1,932 M) without the attribute.
    @exclusivity(unchecked) private var buffer: [UInt8] = []
    private var position = 0
    private var atEnd = false
    /// Line accounting for messages: newlines in bytes already dropped from the buffer.
    private var droppedLines = 0
    private var droppedColumnBase = 0
    /// The open elements' names, back to back, and where each one ends in `nameBytes` (bytes past the last end
    /// are left over from closed elements).
    /// +7.7% (1,647 M) and +16% (1,777 M) without the attribute.
    @exclusivity(unchecked) private var nameBytes: [UInt8] = []
    @exclusivity(unchecked) private var nameEnds: [Int] = []
    private var sawRoot = false

    init(_ stream: XMLByteStream, limits: ReportLimits) {
        self.stream = stream
        self.limits = limits
        buffer.reserveCapacity(256 * 1024)
    }

    /// Scans to the end of the input or the first well-formedness error, or until the handler aborts.
    func scan(_ handler: FeedbackHandler) throws(Failure) {
        while !handler.aborted {
            compact()
            let lt: Int
            switch find(0x3C, from: position, within: limits.textBytes) {
            case .found(let index): lt = index
            case .endOfInput:
                try text(handler, position..<buffer.count)
                position = buffer.count
                return
            case .tooFar:
                throw limitFailure("text_bytes", "a text longer than \(limits.textBytes) bytes",
                                   limits.textBytes, at: position)
            }
            if lt > position { try text(handler, position..<lt) }
            position = lt
            guard ensure(2) else { throw failure("the document ends inside a tag", at: lt) }
            switch buffer[lt + 1] {
            case 0x2F: try endTag(handler)
            case 0x3F:
                try skip(until: [0x3F, 0x3E], from: lt + 2, what: "processing instruction", within: limits.elementBytes)
            case 0x21: try bang(handler)
            default: try startTag(handler)
            }
        }
    }

    // MARK: Tokens

    private func text(_ handler: FeedbackHandler, _ range: Range<Int>) throws(Failure) {
        if nameEnds.isEmpty {
            // Outside the root only white space is allowed.
            if buffer[range].contains(where: { !Self.isSpace($0) }) {
                throw failure(sawRoot ? "text after the root element" : "text before the root element", at: range.lowerBound)
            }
            return
        }
        guard handler.wantsText else { return }
        if buffer[range].contains(0x26) {
            handler.characters(try decode(range)[...])
        } else {
            handler.characters(buffer[range])
        }
    }

    private func endTag(_ handler: FeedbackHandler) throws(Failure) {
        let start = position
        let gt: Int
        switch find(0x3E, from: start + 2, within: limits.elementBytes) {
        case .found(let index): gt = index
        case .endOfInput: throw failure("the document ends inside an end tag", at: start)
        case .tooFar:
            throw limitFailure("element_bytes", "an end tag longer than \(limits.elementBytes) bytes",
                               limits.elementBytes, at: start)
        }
        var nameEnd = gt
        while nameEnd > start + 2, Self.isSpace(buffer[nameEnd - 1]) { nameEnd -= 1 }
        let name = buffer[(start + 2)..<nameEnd]
        guard let openEnd = nameEnds.last else { throw failure("end tag </\(String(decoding: name, as: UTF8.self))> without a start tag", at: start) }
        let openStart = nameEnds.count > 1 ? nameEnds[nameEnds.count - 2] : 0
        let open = nameBytes[openStart..<openEnd]
        guard open.count == name.count, open.elementsEqual(name) else {
            throw failure("end tag </\(String(decoding: name, as: UTF8.self))> does not match <\(String(decoding: open, as: UTF8.self))>", at: start)
        }
        nameEnds.removeLast()
        position = gt + 1
        handler.endElement()
    }

    private func startTag(_ handler: FeedbackHandler) throws(Failure) {
        let start = position
        let gt: Int
        switch findTagEnd(from: start + 1, within: limits.elementBytes) {
        case .found(let index): gt = index
        case .endOfInput: throw failure("the document ends inside a start tag", at: start)
        case .tooFar:
            throw limitFailure("element_bytes", "a start tag longer than \(limits.elementBytes) bytes",
                               limits.elementBytes, at: start)
        }
        if nameEnds.count >= limits.elementDepth {
            throw limitFailure("element_depth", "elements nested more than \(limits.elementDepth) deep",
                               limits.elementDepth, at: start)
        }
        var i = start + 1
        while i < gt, !Self.isSpace(buffer[i]), buffer[i] != 0x2F { i += 1 }
        let nameRange = (start + 1)..<i
        guard Self.isName(buffer[nameRange]) else {
            throw failure("<\(String(decoding: buffer[nameRange], as: UTF8.self))> is not a valid element name", at: start)
        }
        if nameEnds.isEmpty && sawRoot { throw failure("a second root element after the first one closed", at: start) }
        var attributes: [String: String] = [:]
        var selfClosing = false
        while i < gt {
            let b = buffer[i]
            if Self.isSpace(b) { i += 1; continue }
            if b == 0x2F, i == gt - 1 { selfClosing = true; i += 1; continue }
            let nameStart = i
            while i < gt, buffer[i] != 0x3D, !Self.isSpace(buffer[i]) { i += 1 }
            let attributeName = buffer[nameStart..<i]
            while i < gt, Self.isSpace(buffer[i]) { i += 1 }
            guard i < gt, buffer[i] == 0x3D else { throw failure("attribute \(String(decoding: attributeName, as: UTF8.self)) has no value", at: nameStart) }
            i += 1
            while i < gt, Self.isSpace(buffer[i]) { i += 1 }
            guard i < gt, buffer[i] == 0x22 || buffer[i] == 0x27 else { throw failure("attribute value is not quoted", at: i) }
            let quote = buffer[i]
            let valueStart = i + 1
            i = valueStart
            while i < gt, buffer[i] != quote { i += 1 }
            guard i < gt else { throw failure("attribute value is not closed", at: valueStart) }
            let value = buffer[valueStart..<i].contains(0x26) ? try decode(valueStart..<i) : Array(buffer[valueStart..<i])
            attributes[String(decoding: attributeName, as: UTF8.self)] = String(decoding: value, as: UTF8.self)
            i += 1
        }
        let name = buffer[nameRange]
        position = gt + 1
        sawRoot = true
        handler.startElement(name, attributes: attributes)
        if selfClosing { handler.endElement() } else {
            // `nameBytes` only grows; the stack's top is `nameEnds.last`, so a pop costs nothing.
            let top = nameEnds.last ?? 0
            let end = top + name.count
            if nameBytes.count < end { nameBytes.append(contentsOf: repeatElement(0, count: end - nameBytes.count)) }
            // A raw copy: `replaceSubrange` costs 2.6% more instructions over the parse (1,570 M against
            // 1,529 M, Scripts/bench-parser --callgrind). Safe: `nameBytes` was grown to `end` just above, so
            // the destination holds `name.count` bytes from `top`.
            nameBytes.withUnsafeMutableBufferPointer { names in
                name.withUnsafeBufferPointer { names.baseAddress!.advanced(by: top).update(from: $0.baseAddress!, count: $0.count) }
            }
            nameEnds.append(end)
        }
    }

    private func bang(_ handler: FeedbackHandler) throws(Failure) {
        let start = position
        _ = ensure(9)
        if matches([0x3C, 0x21, 0x2D, 0x2D], at: start) {
            try skip(until: [0x2D, 0x2D, 0x3E], from: start + 4, what: "comment", within: limits.elementBytes)
        } else if matches(Array("<![CDATA[".utf8), at: start) {
            let end: Int
            switch find([0x5D, 0x5D, 0x3E], from: start + 9, within: limits.textBytes) {
            case .found(let index): end = index
            case .endOfInput: throw failure("the document ends inside CDATA", at: start)
            case .tooFar:
                throw limitFailure("text_bytes", "a CDATA section longer than \(limits.textBytes) bytes",
                                   limits.textBytes, at: start)
            }
            if !nameEnds.isEmpty, handler.wantsText { handler.characters(buffer[(start + 9)..<end]) }
            position = end + 3
        } else {
            // <!DOCTYPE ...> with an optional [internal subset]: skipped, never expanded.
            var depth = 0
            var i = start + 2
            while true {
                guard i - start <= limits.elementBytes else {
                    throw limitFailure("element_bytes", "a declaration longer than \(limits.elementBytes) bytes",
                                       limits.elementBytes, at: start)
                }
                guard ensure(i - position + 1) else { throw failure("the document ends inside a declaration", at: start) }
                let b = buffer[i]
                if b == 0x5B { depth += 1 } else if b == 0x5D { depth -= 1 } else if b == 0x3E, depth <= 0 { break }
                i += 1
            }
            position = i + 1
        }
    }

    private func skip(until pattern: [UInt8], from: Int, what: String, within: Int) throws(Failure) {
        switch find(pattern, from: from, within: within) {
        case .found(let end): position = end + pattern.count
        case .endOfInput: throw failure("the document ends inside a \(what)", at: position)
        case .tooFar: throw limitFailure("element_bytes", "a \(what) longer than \(within) bytes", within, at: position)
        }
    }

    /// Replaces character references in `range`; an undefined or unterminated one is an error, as in libxml2.
    private func decode(_ range: Range<Int>) throws(Failure) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(range.count)
        var i = range.lowerBound
        while i < range.upperBound {
            let b = buffer[i]
            guard b == 0x26 else { out.append(b); i += 1; continue }
            var j = i + 1
            while j < range.upperBound, buffer[j] != 0x3B, j - i < 12 { j += 1 }
            guard j < range.upperBound, buffer[j] == 0x3B else { throw failure("'&' does not start a character reference", at: i) }
            let name = String(decoding: buffer[(i + 1)..<j], as: UTF8.self)
            let scalar: Unicode.Scalar?
            switch name {
            case "lt": scalar = "<"
            case "gt": scalar = ">"
            case "amp": scalar = "&"
            case "quot": scalar = "\""
            case "apos": scalar = "'"
            default:
                if name.hasPrefix("#x") || name.hasPrefix("#X") { scalar = UInt32(name.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init) }
                else if name.hasPrefix("#") { scalar = UInt32(name.dropFirst(), radix: 10).flatMap(Unicode.Scalar.init) }
                else { throw failure("entity '&\(name);' is not defined", at: i) }
            }
            guard let scalar else { throw failure("'&\(name);' is not a valid character", at: i) }
            out.append(contentsOf: Array(String(Character(scalar)).utf8))
            i = j + 1
        }
        return out
    }

    // MARK: Buffer

    /// Makes `count` bytes from `position` available, reading more input if needed; false at the end.
    private func ensure(_ count: Int) -> Bool {
        while buffer.count - position < count {
            if !refill() { return false }
        }
        return true
    }

    private func refill() -> Bool {
        guard !atEnd else { return false }
        if !stream.readAppending(to: &buffer) { atEnd = true; return false }
        return true
    }

    private func compact() {
        guard position > 128 * 1024 else { return }
        // Counted plainly: a word-at-a-time count saved 0.7% of the parse's instructions, not worth raw memory.
        var newlines = 0
        for byte in buffer[..<position] where byte == 0x0A { newlines += 1 }
        droppedLines += newlines
        if let lastNewline = buffer[..<position].lastIndex(of: 0x0A) {
            droppedColumnBase = position - lastNewline - 1
        } else {
            droppedColumnBase += position
        }
        buffer.removeFirst(position)
        position = 0
    }

    /// The first `byte` at or after `from`, reading more input as needed, but never more than `within` bytes
    /// past `from`.
    private func find(_ byte: UInt8, from: Int, within: Int) -> Search {
        var i = from
        let stop = from + within
        while true {
            if i < buffer.count {
                // memchr gained nothing here (1,529 M instructions either way): tags come every few bytes.
                if let found = buffer[i...].firstIndex(of: byte) { return found <= stop ? .found(found) : .tooFar }
                i = buffer.count
            }
            if i > stop { return .tooFar }
            if !refill() { return .endOfInput }
        }
    }

    private func find(_ pattern: [UInt8], from: Int, within: Int) -> Search {
        var i = from
        let stop = from + within
        while true {
            while i + pattern.count <= buffer.count {
                if buffer[i] == pattern[0], matches(pattern, at: i) { return .found(i) }
                i += 1
                if i > stop { return .tooFar }
            }
            if !refill() { return .endOfInput }
        }
    }

    /// The `>` that ends a start tag, skipping quoted attribute values; `.endOfInput` also for a `<` inside.
    private func findTagEnd(from: Int, within: Int) -> Search {
        var i = from
        let stop = from + within
        var quote: UInt8 = 0
        while true {
            while i < buffer.count {
                let b = buffer[i]
                if quote != 0 { if b == quote { quote = 0 } } else if b == 0x22 || b == 0x27 { quote = b } else if b == 0x3E { return .found(i) } else if b == 0x3C { return .endOfInput }
                i += 1
                if i > stop { return .tooFar }
            }
            if !refill() { return .endOfInput }
        }
    }

    private func matches(_ pattern: [UInt8], at index: Int) -> Bool {
        guard index + pattern.count <= buffer.count else { return false }
        for k in 0..<pattern.count where buffer[index + k] != pattern[k] { return false }
        return true
    }

    private func limitFailure(_ key: String, _ what: String, _ limit: Int, at index: Int) -> Failure {
        let position = failure(what, at: index)
        let error = ReportLimits.exceeded(key, context.map { "\($0()): \(what)" } ?? what, limit: limit)
        return Failure(message: what, line: position.line, column: position.column,
                       limit: ReportError(error.code, error.message, line: position.line, column: position.column))
    }

    private func failure(_ message: String, at index: Int) -> Failure {
        let upTo = buffer[..<min(index, buffer.count)]
        let lines = upTo.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        let column = upTo.lastIndex(of: 0x0A).map { index - $0 } ?? (droppedColumnBase + index + 1)
        return Failure(message: message, line: droppedLines + lines + 1, column: column)
    }

    /// Where the input ended (for "the document ends inside ..." messages).
    var endOfInput: (line: Int, column: Int) {
        let f = failure("", at: buffer.count)
        return (f.line, f.column)
    }

    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }

    static func isName(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard let first = bytes.first else { return false }
        func letter(_ b: UInt8) -> Bool { (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b == 0x3A || b >= 0x80 }
        guard letter(first) else { return false }
        return bytes.allSatisfy { letter($0) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x2E }
    }
}
