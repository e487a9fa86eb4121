// libFuzzer target for the MIME parser and the mbox splitter. Built by Scripts/fuzz with the DNSCore and
// AuthReports sources compiled into one module (module imports stripped).

/// Properties checked on every input: splitting, parsing and decoding never trap, stay within the limits
/// (parts, depth, header bytes), and every leaf's decoded body is no longer than the message.
@_cdecl("LLVMFuzzerTestOneInput")
public func mimeFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var limits = ReportLimits()
    limits.mimeParts = 64
    limits.mimeDepth = 6
    limits.headerBytes = 8192
    limits.mboxMessages = 64
    let (messages, _) = Mbox.messages(bytes, limit: limits.mboxMessages)
    if messages.count > limits.mboxMessages { fatalError("\(messages.count) mbox messages") }
    if messages.reduce(0, { $0 + $1.count }) > size { fatalError("mbox messages overlap") }
    for message in messages {
        guard let part = try? MIMEPart(message, headerLimit: limits.headerBytes) else { continue }
        _ = part.contentType
        _ = part.filename
        var budget = MIMEPart.Budget(limits: limits)
        guard let leaves = try? part.leaves(&budget) else { continue }
        if budget.parts > limits.mimeParts || leaves.count > limits.mimeParts { fatalError("\(budget.parts) parts") }
        for leaf in leaves where leaf.decodedBody.count > size {
            fatalError("a decoded body of \(leaf.decodedBody.count) bytes from a \(size)-byte input")
        }
    }
    return 0
}
