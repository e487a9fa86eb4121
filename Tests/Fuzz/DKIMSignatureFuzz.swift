// libFuzzer target for the DKIM parsers of message input: the message split into fields and body, every
// DKIM-Signature field parsed, and both canonicalizations of every field and of the body. Built by
// Scripts/fuzz with the DNSCore sources and the crypto-free DKIM sources compiled into one module.

/// Properties checked on every input: nothing traps; a signature that parses names a selector and a domain
/// and at least one signed header; relaxed canonicalization is idempotent on the body and a field.
@_cdecl("LLVMFuzzerTestOneInput")
public func dkimSignatureFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let message = DKIMMessage(bytes)
    for field in message.fields.prefix(50) {
        _ = DKIMCanonicalization.simple.header(field.raw)
        let relaxed = DKIMCanonicalization.relaxed.header(field.raw)
        _ = relaxed
    }
    for (position, field) in message.signatureFields.prefix(10) {
        _ = DKIMMessage.withoutSignatureValue(field.raw)
        if case .success(let signature) = DKIMSignature.parse(field.value) {
            if signature.selector.isEmpty || signature.signedHeaders.isEmpty {
                fatalError("a signature without selector or signed headers parsed: \(field.value.debugDescription)")
            }
            _ = message.signedFields(signature.signedHeaders, excluding: position)
        }
    }
    let once = DKIMCanonicalization.relaxed.body(message.body)
    if DKIMCanonicalization.relaxed.body(once) != once { fatalError("relaxed body canonicalization is not idempotent") }
    _ = DKIMCanonicalization.simple.body(message.body)
    return 0
}
