import DKIM
import Testing

/// Canonicalization (RFC 6376 section 3.4): the examples of section 3.4.5, then edge cases the section's
/// rules decide (an empty body, lines of whitespace at the end, CRLF alone, a last line without CRLF).
@Suite struct CanonicalizationTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// RFC 6376 section 3.4.5: the header fields "A: X" and "B : Y<TAB><CRLF><TAB>Z  ", and the body
    /// " C <CRLF>D <TAB> E<CRLF><CRLF><CRLF>".
    static let exampleFields = ["A: X", "B : Y\t\r\n\tZ  "]
    static let exampleBody = " C \r\nD \t E\r\n\r\n\r\n"

    @Test func section345HeadersRelaxed() {
        let canonical = Self.exampleFields.map { DKIMCanonicalization.relaxed.header(Self.bytes($0)) }
        #expect(canonical == [Self.bytes("a:X"), Self.bytes("b:Y Z")])
    }

    @Test func section345HeadersSimple() {
        let canonical = Self.exampleFields.map { DKIMCanonicalization.simple.header(Self.bytes($0)) }
        #expect(canonical == [Self.bytes("A: X"), Self.bytes("B : Y\t\r\n\tZ  ")])
    }

    @Test func section345BodyRelaxed() {
        #expect(DKIMCanonicalization.relaxed.body(Self.bytes(Self.exampleBody)) == Self.bytes(" C\r\nD E\r\n"))
    }

    @Test func section345BodySimple() {
        #expect(DKIMCanonicalization.simple.body(Self.bytes(Self.exampleBody)) == Self.bytes(" C \r\nD \t E\r\n"))
    }

    /// The same example split by DKIMMessage: the fields and body it finds canonicalize as above.
    @Test func section345ThroughTheMessageReader() {
        let message = DKIMMessage(Self.bytes("A: X\r\nB : Y\t\r\n\tZ  \r\n\r\n" + Self.exampleBody))
        #expect(message.fields.map(\.name) == ["a", "b"])
        #expect(message.fields.map { DKIMCanonicalization.relaxed.header($0.raw) } == [Self.bytes("a:X"), Self.bytes("b:Y Z")])
        #expect(DKIMCanonicalization.relaxed.body(message.body) == Self.bytes(" C\r\nD E\r\n"))
    }

    /// Section 3.4.3 and 3.4.4 (erratum 1384) on bodies the examples do not cover.
    static let bodies: [(body: String, simple: String, relaxed: String)] = [
        ("", "\r\n", ""),
        ("\r\n", "\r\n", ""),
        ("\r\n\r\n\r\n", "\r\n", ""),
        (" \t \r\n  \r\n", " \t \r\n  \r\n", ""),
        ("text", "text\r\n", "text\r\n"),
        ("text  ", "text  \r\n", "text\r\n"),
        ("a\r\n\r\nb\r\n\r\n", "a\r\n\r\nb\r\n", "a\r\n\r\nb\r\n"),
        ("a\r\n \r\n\t\r\n", "a\r\n \r\n\t\r\n", "a\r\n"),
        ("\r\n\r\nlate\r\n", "\r\n\r\nlate\r\n", "\r\n\r\nlate\r\n"),
        ("x \t y\tz\r\n", "x \t y\tz\r\n", "x y z\r\n"),
    ]

    @Test(arguments: bodies)
    func bodyEdgeCases(_ row: (body: String, simple: String, relaxed: String)) {
        #expect(DKIMCanonicalization.simple.body(Self.bytes(row.body)) == Self.bytes(row.simple), "simple: \(row.body.debugDescription)")
        #expect(DKIMCanonicalization.relaxed.body(Self.bytes(row.body)) == Self.bytes(row.relaxed), "relaxed: \(row.body.debugDescription)")
    }

    /// Section 3.4.2: relaxed header edge cases: whitespace before the colon and at the ends, several folds,
    /// an empty value, and names in any case.
    static let relaxedHeaders: [(field: String, canonical: String)] = [
        ("SUBJECT:   Hello   World   ", "subject:Hello World"),
        ("To \t : a@example.com,\r\n\tb@example.com,\r\n c@example.com", "to:a@example.com, b@example.com, c@example.com"),
        ("X-Empty:", "x-empty:"),
        ("X-Blank:   \r\n  ", "x-blank:"),
        ("Mixed-Case: KeepValueCase", "mixed-case:KeepValueCase"),
    ]

    @Test(arguments: relaxedHeaders)
    func relaxedHeaderEdgeCases(_ row: (field: String, canonical: String)) {
        #expect(DKIMCanonicalization.relaxed.header(Self.bytes(row.field)) == Self.bytes(row.canonical))
        #expect(DKIMCanonicalization.simple.header(Self.bytes(row.field)) == Self.bytes(row.field))
    }

    /// A message saved with LF line ends is read with CRLF, as it travelled; a header section alone has no body.
    @Test func bareLineFeedsBecomeCRLF() {
        let message = DKIMMessage(Self.bytes("Subject: a\n folded\nFrom: b@example.com\n\nbody\n"))
        #expect(message.fields.map(\.raw) == [Self.bytes("Subject: a\r\n folded"), Self.bytes("From: b@example.com")])
        #expect(message.body == Self.bytes("body\r\n") && message.hasBody)
        let headerOnly = DKIMMessage(Self.bytes("From: b@example.com\r\n"))
        #expect(headerOnly.fields.count == 1 && headerOnly.body.isEmpty && !headerOnly.hasBody)
    }
}
