import DNSCore
import Foundation
import LDNSResolver
import Testing
import TestSupport

/// Inputs the fuzz targets (Scripts/fuzz zone, dns) turned up, kept so they stay handled.
@Suite struct FuzzRegressionTests {
    static func fixture(_ name: String) -> String {
        SharedData.packageRoot.appendingPathComponent("Tests/Fixtures/fuzz/\(name)").path
    }

    /// A zone file whose syntax breaks on its third line: libldns 1.8.3's zone reader leaks the records it parsed
    /// before the error (found by the zone target with LeakSanitizer; reproduced from plain C). The first pass
    /// (ZoneFilePrecheck) refuses it with the file and the line before that reader runs.
    @Test func aZoneBrokenMidwayIsRefusedWithItsLine() {
        let path = Self.fixture("zone-ldns-leak.zone")
        #expect {
            _ = try ZoneFileResolver(paths: [path])
        } throws: { error in
            guard let error = error as? ZoneFileError else { return false }
            return error.path == path && error.line == 4
        }
    }

    /// Three SOA records crashed the process inside libldns 1.8.3 (`ldns_zone_new_frm_fp_l` frees the second and
    /// reads it again; found by the zone target, the fuzzer's input and its three-line reduction kept). A second
    /// SOA is refused, naming both lines.
    @Test(arguments: ["zone-three-soa.zone", "zone-three-soa-found.zone"])
    func moreThanOneSOAIsRefusedNotFatal(_ name: String) {
        let path = Self.fixture(name)
        #expect {
            _ = try ZoneFileResolver(paths: [path])
        } throws: { error in
            guard let error = error as? ZoneFileError else { return false }
            return error.path == path && error.message.contains("a second SOA record") && error.line != nil
        }
    }

    /// A single SOA, then more records: still read as before.
    @Test func aZoneWithOneSOAStillLoads() throws {
        let resolver = try ZoneFileResolver(paths: [SharedData.packageRoot.appendingPathComponent("Tests/Fixtures/zones").path])
        #expect(!resolver.zones.isEmpty)
    }
}
