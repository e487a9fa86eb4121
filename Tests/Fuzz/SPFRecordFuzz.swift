// libFuzzer target for the SPF record parser, serializer and macro expander. Built by Scripts/fuzz with
// the DNSCore and SPF sources compiled into one module, so the module imports are stripped there.

/// Properties checked on every input: parsing never traps; a parsed record serializes to text that parses
/// back to the same record; expanding every macro of a parsed record never traps.
@_cdecl("LLVMFuzzerTestOneInput")
public func spfRecordFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let record = try? SPFRecord(parsing: text) else { return 0 }
    let serialized = record.description
    guard let again = try? SPFRecord(parsing: serialized) else {
        fatalError("serialized record does not parse: \(serialized.debugDescription) from \(text.debugDescription)")
    }
    if again != record {
        fatalError("round trip changed the record: \(text.debugDescription) -> \(serialized.debugDescription)")
    }
    let context = MacroContext(sender: "strong-bad@email.example.com", domain: "email.example.com",
                               ip: IPAddress("192.0.2.3")!, helo: "mx.example.org")
    for term in record.terms {
        var specs: [MacroString] = []
        switch term.kind {
        case .directive(_, let mechanism): if let spec = mechanism.domainSpec { specs.append(spec) }
        case .modifier(.redirect(let spec)), .modifier(.explanation(let spec)): specs.append(spec)
        case .modifier(.unknown(_, let value)): specs.append(value)
        }
        for macro in specs {
            _ = MacroExpander.expand(macro, context)
            _ = MacroExpander.expand(macro, context, forDomain: false)
        }
    }
    return 0
}
