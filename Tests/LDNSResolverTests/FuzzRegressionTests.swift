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

    /// A zone file whose syntax breaks on its third line: libldns 1.8.3 leaks the records it parsed before the
    /// error (found by the zone target with LeakSanitizer; reproduced from plain C). The loader must still refuse
    /// it with the file and the line.
    @Test func aZoneBrokenMidwayIsRefusedWithItsLine() {
        let path = Self.fixture("zone-ldns-leak.zone")
        #expect {
            _ = try ZoneFileResolver(paths: [path])
        } throws: { error in
            guard let error = error as? ZoneFileError else { return false }
            return error.path == path && error.line != nil
        }
    }
}
