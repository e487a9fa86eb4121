// libFuzzer target for the MTA-STS, TLS-RPT, BIMI and TLSA parsers: TXT records and TLSA rdata from DNS and the
// policy and logo files fetched over HTTPS. Built by Scripts/fuzz with the DNSCore sources and the TransportPolicy sources that
// need no X509 (BIMIAssets reads certificates with swift-certificates) compiled into one module.

/// Properties checked on every input: nothing traps; a policy that parses keeps RFC 8461's bounds; a record
/// that parses names what its grammar requires.
@_cdecl("LLVMFuzzerTestOneInput")
public func transportPolicyFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let text = String(decoding: bytes, as: UTF8.self)
    if case .success(let policy) = MTASTSPolicy.parse(text) {
        if policy.mode != .none, policy.mx.isEmpty { fatalError("a policy without mx patterns parsed: \(text.debugDescription)") }
        if policy.mx.count > 100 { fatalError("more than 100 mx patterns kept") }
    }
    if case .success(let record) = MTASTSRecord.parse(text), !(1...32).contains(record.id.count) {
        fatalError("an id outside 1...32 characters parsed: \(text.debugDescription)")
    }
    if case .success(let record) = TLSRPTRecord.parse(text), record.rua.isEmpty || record.rua.count > 10 {
        fatalError("a TLS-RPT record with \(record.rua.count) rua URIs parsed")
    }
    _ = BIMIRecord.parse(text)
    let lines = text.split(separator: "\n").map(String.init)
    _ = MTASTSRecord.select(lines); _ = TLSRPTRecord.select(lines); _ = BIMIRecord.select(lines)
    _ = BIMILogo.problems(bytes)
    // TLSA rdata as it comes off the wire: a record that parses keeps RFC 6698's digest lengths.
    if case .success(let tlsa) = TLSARecord.parse(bytes) {
        if tlsa.matchingType == 1, tlsa.data.count != 32 { fatalError("a SHA-256 TLSA record of \(tlsa.data.count) octets parsed") }
        if tlsa.data.count > TLSARecord.maximumDataBytes { fatalError("TLSA data over the bound kept") }
        _ = tlsa.problems; _ = tlsa.text
    }
    return 0
}
