import CLDNS
import DNSCore
import Foundation

/// Small libldns helpers for validation: owned lists and packets, record texts, names.
enum DNSSECRecords {
    /// The record's presentation text without the trailing newline.
    static func text(_ rr: UnsafePointer<ldns_rr>) -> String? {
        guard let raw = ldns_rr2str(rr) else { return nil }
        defer { free(raw) }
        return String(cString: raw).trimmingCharacters(in: .newlines)
    }

    /// A name rdf as lower-case text with the trailing dot (`example.com.`, `.` for the root).
    static func nameText(_ rdf: UnsafeMutablePointer<ldns_rdf>) -> String? {
        guard let raw = ldns_rdf2str(rdf) else { return nil }
        defer { free(raw) }
        return String(cString: raw).lowercased()
    }

    static func rrs(_ list: UnsafeMutablePointer<ldns_rr_list>?) -> [UnsafeMutablePointer<ldns_rr>] {
        guard let list else { return [] }
        return (0..<ldns_rr_list_rr_count(list)).compactMap { ldns_rr_list_rr(list, $0) }
    }

    /// The type an RRSIG covers.
    static func covered(_ rrsig: UnsafeMutablePointer<ldns_rr>) -> ldns_rr_type? {
        ldns_rr_rrsig_typecovered(rrsig).map { ldns_rdf2rr_type($0) }
    }

    /// Seconds since the epoch of an RRSIG's expiration, read with serial arithmetic against `now` (RFC 4034
    /// section 3.1.5: the 32-bit field wraps).
    static func expiration(_ rrsig: UnsafeMutablePointer<ldns_rr>, now: Int64) -> Int64? {
        guard let rdf = ldns_rr_rrsig_expiration(rrsig), ldns_rdf_size(rdf) == 4, let data = ldns_rdf_data(rdf) else { return nil }
        let field = (0..<4).reduce(UInt32(0)) { $0 << 8 | UInt32(data[$1]) }
        let delta = Int64(Int32(bitPattern: field &- UInt32(truncatingIfNeeded: now)))
        return now + delta
    }
}

/// An `ldns_rr_list` this code owns: freed (with its records) when the value goes.
final class OwnedRRList {
    let list: UnsafeMutablePointer<ldns_rr_list>

    init() { list = ldns_rr_list_new() }

    /// Clones of `records` into a new list.
    init(cloning records: [UnsafeMutablePointer<ldns_rr>]) {
        list = ldns_rr_list_new()
        for rr in records { if let copy = ldns_rr_clone(rr) { _ = ldns_rr_list_push_rr(list, copy) } }
    }

    /// Records parsed back from presentation text (the shared cache keeps keys as text, never as pointers).
    init(texts: [String]) {
        list = ldns_rr_list_new()
        for text in texts {
            var rr: UnsafeMutablePointer<ldns_rr>?
            if ldns_rr_new_frm_str(&rr, text, 0, nil, nil) == LDNS_STATUS_OK, let rr { _ = ldns_rr_list_push_rr(list, rr) }
        }
    }

    deinit { ldns_rr_list_deep_free(list) }

    var records: [UnsafeMutablePointer<ldns_rr>] { DNSSECRecords.rrs(list) }
    var count: Int { ldns_rr_list_rr_count(list) }
    var texts: [String] { records.compactMap { DNSSECRecords.text($0) } }
}

/// One response, with DO set, reduced to owned lists: the answer's records of the asked type and their
/// signatures, and the authority section's NSEC/NSEC3 records and theirs.
final class SignedResponse {
    let rcode: UInt8
    let rrset: OwnedRRList
    let signatures: OwnedRRList
    let denial: OwnedRRList
    let denialSignatures: OwnedRRList
    let usesNSEC3: Bool

    /// The most records of one section read; a longer section is hostile and the rest is ignored.
    static let maximumRecords = 256

    init(_ packet: UnsafeMutablePointer<ldns_pkt>, type: ldns_rr_type) {
        rcode = UInt8(truncatingIfNeeded: ldns_pkt_get_rcode(packet).rawValue)
        let answer = DNSSECRecords.rrs(ldns_pkt_answer(packet)).prefix(Self.maximumRecords)
        var wanted = answer.filter { ldns_rr_get_type($0) == type }
        var covered = type
        // An alias answers for the name: its own signature decides (the target is validated when it is asked for).
        if wanted.isEmpty, type != LDNS_RR_TYPE_CNAME {
            let aliases = answer.filter { ldns_rr_get_type($0) == LDNS_RR_TYPE_CNAME }
            if !aliases.isEmpty { wanted = Array(aliases.prefix(1)); covered = LDNS_RR_TYPE_CNAME }
        }
        rrset = OwnedRRList(cloning: wanted)
        signatures = OwnedRRList(cloning: answer.filter {
            ldns_rr_get_type($0) == LDNS_RR_TYPE_RRSIG && DNSSECRecords.covered($0) == covered
        })
        let authority = DNSSECRecords.rrs(ldns_pkt_authority(packet)).prefix(Self.maximumRecords)
        let nsec = authority.filter { ldns_rr_get_type($0) == LDNS_RR_TYPE_NSEC }
        let nsec3 = authority.filter { ldns_rr_get_type($0) == LDNS_RR_TYPE_NSEC3 }
        usesNSEC3 = nsec.isEmpty && !nsec3.isEmpty
        let kind = usesNSEC3 ? LDNS_RR_TYPE_NSEC3 : LDNS_RR_TYPE_NSEC
        denial = OwnedRRList(cloning: usesNSEC3 ? nsec3 : nsec)
        denialSignatures = OwnedRRList(cloning: authority.filter {
            ldns_rr_get_type($0) == LDNS_RR_TYPE_RRSIG && DNSSECRecords.covered($0) == kind
        })
    }
}
