// libFuzzer target for the zone-file loader (libldns's parser through ZoneFileLoader) and ZoneIndex. Built by
// Scripts/fuzz with the DNSCore and LDNSResolver sources compiled into one module, linked with libldns.

import CLDNS
import Foundation

let zonePath = "/dev/shm/senderwatch-fuzz-\(getpid())-fuzz.test.zone"

/// Properties checked on every input: loading never traps; a zone that loads has its records at or below
/// its apex; indexing it never traps, and every owner name answers for its own records (or a CNAME).
@_cdecl("LLVMFuzzerTestOneInput")
public func zoneFileFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard FileManager.default.createFile(atPath: zonePath, contents: Data(bytes: data, count: size)) else {
        fatalError("cannot write \(zonePath)")
    }
    guard let zone = try? ZoneFileLoader.load(zonePath) else { return 0 }
    for record in zone.records where !record.name.isSubdomain(of: zone.origin) {
        fatalError("\(record.name) outside \(zone.origin) accepted")
    }
    guard let index = try? ZoneIndex([zone]) else { return 0 }
    for record in zone.records.prefix(64) {
        switch index.answer(record.name, record.data.type) {
        case .success(.records(let found)) where found.isEmpty: fatalError("an empty answer for \(record.name)")
        case .success(.nxdomain): fatalError("\(record.name) is in the zone but answers NXDOMAIN")
        default: break
        }
    }
    return 0
}
