import CLDNS
import DNSCore

/// Reads an `ldns_pkt` into a `DNSMessage`. The RCODE is read with `ldns_pkt_get_rcode` rather than
/// `ldns_pkt_reply_type`, which classifies a SERVFAIL as an answer.
enum LDNSPacketReader {
    static func message(_ packet: UnsafeMutablePointer<ldns_pkt>) -> Result<DNSMessage, MalformedPacket> {
        let rcode = UInt8(truncatingIfNeeded: ldns_pkt_get_rcode(packet).rawValue)
        var answer: [DNSRecord] = []
        for rr in records(ldns_pkt_answer(packet)) {
            let type = ldns_rr_get_type(rr)
            // Signatures and the like may accompany an answer; only the data types carry meaning here.
            if type == LDNS_RR_TYPE_RRSIG || type == LDNS_RR_TYPE_OPT { continue }
            guard let record = LDNSRecordReader.record(rr) else {
                return .failure(MalformedPacket(detail: "unreadable \(DNSRecordType(rawValue: UInt16(truncatingIfNeeded: type.rawValue))) record in the answer section"))
            }
            answer.append(record)
        }
        let negativeTTL = records(ldns_pkt_authority(packet)).lazy.compactMap(LDNSRecordReader.negativeTTL(soa:)).first
        return .success(DNSMessage(rcode: rcode, answer: answer, negativeTTL: negativeTTL))
    }

    static func records(_ list: UnsafeMutablePointer<ldns_rr_list>?) -> [UnsafeMutablePointer<ldns_rr>] {
        guard let list else { return [] }
        return (0..<ldns_rr_list_rr_count(list)).compactMap { ldns_rr_list_rr(list, $0) }
    }
}

/// Why a response could not be read.
struct MalformedPacket: Error {
    let detail: String
}
