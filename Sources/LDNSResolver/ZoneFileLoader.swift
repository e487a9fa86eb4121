import CLDNS
import DNSCore
import Foundation

/// One zone read from a master file (RFC 1035 section 5) by libldns.
struct LoadedZone: Sendable {
    let origin: DomainName
    let path: String
    /// min(SOA TTL, SOA MINIMUM): what an authoritative server puts on a negative answer (RFC 2308 section 5).
    let negativeTTL: UInt32
    let records: [DNSRecord]
}

/// Reads zone files with `ldns_zone_new_frm_fp_l`, which reports the line of a syntax error.
///
/// Origin rule: `$ORIGIN` in the file wins. Before the first `$ORIGIN`, relative names (and `@`) are
/// relative to the file name without its `.zone` or `.db` extension (`example.com.zone`, `example.com.db`)
/// or its `db.` prefix (BIND's `db.example.com`), since libldns needs an origin before it reads the first
/// record. The zone's apex is the owner of its SOA record, which every file must have.
enum ZoneFileLoader {
    static let extensions = [".zone", ".db"]

    /// Expands `paths` (files, or directories whose `*.zone` and `*.db` files are taken in name order).
    static func files(_ paths: [String]) throws(ZoneFileError) -> [String] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw ZoneFileError(path: path, message: "no such file or directory (expected a zone file or a directory of *.zone / *.db files)")
            }
            guard isDirectory.boolValue else { files.append(path); continue }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            let zones = names.filter { name in extensions.contains { name.hasSuffix($0) } }.sorted()
            guard !zones.isEmpty else {
                throw ZoneFileError(path: path, message: "directory holds no *.zone or *.db file")
            }
            files += zones.map { (path as NSString).appendingPathComponent($0) }
        }
        guard !files.isEmpty else { throw ZoneFileError(path: "", message: "no zone files given") }
        return files
    }

    static func defaultOrigin(forFile path: String) -> String {
        var name = (path as NSString).lastPathComponent
        if let ext = extensions.first(where: { name.hasSuffix($0) }) { name.removeLast(ext.count) }
        else if name.hasPrefix("db."), name.count > 3 { name.removeFirst(3) }
        return name.hasSuffix(".") ? name : name + "."
    }

    static func load(_ path: String) throws(ZoneFileError) -> LoadedZone {
        guard let file = fopen(path, "r") else {
            throw ZoneFileError(path: path, message: "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        let originText = defaultOrigin(forFile: path)
        guard let origin = ldns_dname_new_frm_str(originText) else {
            throw ZoneFileError(path: path, message: "the file name does not give a usable origin (\"\(originText)\"): add an $ORIGIN line")
        }
        defer { ldns_rdf_deep_free(origin) }
        try ZoneFilePrecheck.check(file, origin: origin, path: path)
        var zone: UnsafeMutablePointer<ldns_zone>?
        var line: Int32 = 0
        let status = ldns_zone_new_frm_fp_l(&zone, file, origin, 3600, LDNS_RR_CLASS_IN, &line)
        guard status == LDNS_STATUS_OK, let zone else {
            let reason = ldns_get_errorstr_by_id(status).map { String(cString: $0) } ?? "status \(status.rawValue)"
            throw ZoneFileError(path: path, line: Int(line), message: "\(reason.lowercased()) (expected a record in RFC 1035 master-file syntax: owner [TTL] [class] type rdata)")
        }
        defer { ldns_zone_deep_free(zone) }
        return try read(zone, path: path)
    }

    private static func read(_ zone: UnsafeMutablePointer<ldns_zone>, path: String) throws(ZoneFileError) -> LoadedZone {
        guard let soa = ldns_zone_soa(zone), let apex = ldns_rr_owner(soa).flatMap(LDNSRecordReader.domainName),
              let negativeTTL = LDNSRecordReader.negativeTTL(soa: soa) else {
            throw ZoneFileError(path: path, message: "no SOA record (expected one at the zone apex, e.g. \"@ IN SOA ns1 hostmaster 1 3600 600 86400 300\")")
        }
        var records: [DNSRecord] = []
        for rr in LDNSPacketReader.records(ldns_zone_rrs(zone)) {
            guard let record = LDNSRecordReader.record(rr) else {
                let text = ldns_rr2str(rr).map { pointer in defer { free(pointer) }; return String(cString: pointer) } ?? "a record"
                throw ZoneFileError(path: path, message: "cannot use \(text.trimmingSpaces)")
            }
            guard record.name.isSubdomain(of: apex) else {
                throw ZoneFileError(path: path, message: "\(record.name) is outside the zone \(apex) (expected names at or below the SOA owner)")
            }
            records.append(record)
        }
        guard let soaRecord = LDNSRecordReader.record(soa) else {
            throw ZoneFileError(path: path, message: "unreadable SOA record")
        }
        records.append(soaRecord)
        return LoadedZone(origin: apex, path: path, negativeTTL: negativeTTL, records: records)
    }
}
