import CLDNS
import Foundation

/// A first pass over a zone file, record by record with `ldns_rr_new_frm_fp_l`, before libldns's own zone
/// reader sees it. libldns 1.8.3's `ldns_zone_new_frm_fp_l` frees a second SOA record and then reads it again
/// while parsing the next record (three SOA records crash the process; found by `Scripts/fuzz zone`), and on
/// a syntax error it leaks every record read so far. This pass frees each record itself, so a broken file is
/// refused with its line before the zone reader runs, and a file with more than one SOA record (RFC 1035
/// section 5.2: a zone has exactly one) is refused instead of reaching the fault.
enum ZoneFilePrecheck {
    static func check(_ file: UnsafeMutablePointer<FILE>, origin: UnsafeMutablePointer<ldns_rdf>, path: String)
        throws(ZoneFileError) {
        var ttl: UInt32 = 3600
        var current: UnsafeMutablePointer<ldns_rdf>? = ldns_rdf_clone(origin)
        var previous: UnsafeMutablePointer<ldns_rdf>? = ldns_rdf_clone(origin)
        defer {
            if let current { ldns_rdf_deep_free(current) }
            if let previous { ldns_rdf_deep_free(previous) }
        }
        var line: Int32 = 0
        var soaLine: Int32?
        while feof(file) == 0 {
            var record: UnsafeMutablePointer<ldns_rr>?
            let status = ldns_rr_new_frm_fp_l(&record, file, &ttl, &current, &previous, &line)
            switch status {
            case LDNS_STATUS_OK:
                guard let record else { continue }
                let isSOA = ldns_rr_get_type(record) == LDNS_RR_TYPE_SOA
                ldns_rr_free(record)
                guard isSOA else { continue }
                if let first = soaLine {
                    throw ZoneFileError(path: path, line: Int(line), message: "a second SOA record (the first is on line "
                        + "\(first)); a zone file holds exactly one, at its apex (RFC 1035 section 5.2)")
                }
                soaLine = line
            case LDNS_STATUS_SYNTAX_EMPTY, LDNS_STATUS_SYNTAX_TTL, LDNS_STATUS_SYNTAX_ORIGIN:
                continue
            default:
                let reason = ldns_get_errorstr_by_id(status).map { String(cString: $0) } ?? "status \(status.rawValue)"
                throw ZoneFileError(path: path, line: Int(line), message: "\(reason.lowercased()) (expected a record in "
                    + "RFC 1035 master-file syntax: owner [TTL] [class] type rdata)")
            }
        }
        rewind(file)
    }
}
