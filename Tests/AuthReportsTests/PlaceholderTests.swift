import Testing
@testable import AuthReports

@Test func moduleLinks() { _ = AuthReports.self }
