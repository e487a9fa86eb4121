// libFuzzer target for the DMARC record parser. Built by Scripts/fuzz with the DNSCore and DMARC sources
// compiled into one module, so the module imports are stripped there.

/// Properties checked on every input: parsing never traps, and a record that parses keeps its
/// invariants (a policy, a percentage within 0...100 when present, report URIs with a scheme).
@_cdecl("LLVMFuzzerTestOneInput")
public func dmarcRecordFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let record = try? DMARCRecord(parsing: text) else { return 0 }
    if let pct = record.percentage, pct > 100 { fatalError("pct out of range accepted: \(text.debugDescription)") }
    for uri in record.aggregateURIs + record.failureURIs where uri.scheme.isEmpty {
        fatalError("URI without scheme accepted: \(text.debugDescription)")
    }
    return 0
}
