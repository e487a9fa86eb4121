// libFuzzer target for the reading of IMAP server answers (untagged STATUS, FETCH, LIST and CAPABILITY
// lines, RFC 9051 section 7). Built by Scripts/fuzz with Sources/Mailbox/IMAPResponse.swift alone: the rest of
// the Mailbox module drives libcurl.

/// Properties checked on every input: nothing traps, and every size read is not negative.
@_cdecl("LLVMFuzzerTestOneInput")
public func imapResponseFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let lines = IMAPResponse.lines(Array(UnsafeBufferPointer(start: data, count: size)))
    _ = IMAPResponse.status(lines)
    for entry in IMAPResponse.sizes(lines) where entry.size < 0 { fatalError("a negative message size read") }
    _ = IMAPResponse.separator(lines)
    _ = IMAPResponse.listsMailbox(lines)
    _ = IMAPResponse.capabilities(lines)
    return 0
}
