import Foundation
import Testing
@testable import Dashboard

/// Credentials and the loopback rule: which requests get in, and which addresses need credentials at all.
@Suite struct DashboardCredentialsTests {
    @Test func bearerTokensMatchExactly() {
        let credentials = DashboardCredentials.bearer(token: "s3cret-token-0123456789")
        #expect(credentials.accepts("Bearer s3cret-token-0123456789"))
        #expect(credentials.accepts("bearer s3cret-token-0123456789"))
        #expect(!credentials.accepts("Bearer s3cret-token-012345678"), "a prefix of the token")
        #expect(!credentials.accepts("Bearer s3cret-token-01234567890"), "the token and more")
        #expect(!credentials.accepts("Basic s3cret-token-0123456789"))
        #expect(!credentials.accepts(nil))
    }

    @Test func basicCredentialsCompareUserAndPassword() {
        let credentials = DashboardCredentials.basic(user: "auditor", password: "pa:ss")
        let good = Data("auditor:pa:ss".utf8).base64EncodedString()
        let bad = Data("auditor:pa:sS".utf8).base64EncodedString()
        #expect(credentials.accepts("Basic \(good)"))
        #expect(!credentials.accepts("Basic \(bad)"))
        #expect(!credentials.accepts("Basic not-base64!"))
    }

    /// Cases: the two reference kinds the settings file knows (Sources/Alerting/SecretRef.swift), and typos.
    @Test(arguments: [("env:SW_TOKEN", true), ("file:/etc/sw/token", true), ("env:", false), ("SW_TOKEN", false), ("vault:x", false)])
    func secretReferences(text: String, valid: Bool) {
        #expect(((try? DashboardCredentials.reference(text)) != nil) == valid)
    }

    @Test func secretsAreReadFromTheEnvironmentAndFiles() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("dashboard-secret-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try "auditor:pw\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(try DashboardCredentials.basic(.file(file.path)) == .basic(user: "auditor", password: "pw"))
        #expect(throws: DashboardSetupError.self) { try DashboardCredentials.bearer(.env("SW_DASHBOARD_TEST_UNSET_VARIABLE")) }
        try "short\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(throws: DashboardSetupError.self) { try DashboardCredentials.bearer(.file(file.path)) }
    }

    @Test(arguments: [("127.0.0.1", true), ("127.8.9.10", true), ("::1", true), ("localhost", true),
                      ("0.0.0.0", false), ("::", false), ("192.0.2.1", false), ("127.0.0.1.example", false)])
    func loopbackAddresses(host: String, loopback: Bool) {
        #expect(DashboardCredentials.isLoopback(host: host) == loopback)
    }
}
