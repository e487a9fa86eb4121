import Audit
import Foundation
import MonitorConfig
import Testing

/// `provider_catalogue:`: a file of more sending services, added to the built-in catalogue, and its errors.
@Suite struct ProviderCatalogueSettingsTests {
    func directory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sw-catalogue-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test func addedProvidersNameSources() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try """
            providers:
              - id: regional-esp
                name: Regional ESP
                includes: [spf.regional-esp.test]
                domains: [regional-esp.test]
                source: the ESP's onboarding guide
              - { id: zendesk, name: Zendesk (EU), includes: [mail.zendesk.com], domains: [zendesk.com] }
            """.write(to: dir.appendingPathComponent("providers.yaml"), atomically: true, encoding: .utf8)
        let settings = dir.appendingPathComponent("settings.yaml")
        try "settings:\n  provider_catalogue: providers.yaml\n".write(to: settings, atomically: true, encoding: .utf8)
        let loaded = try MonitorLoader.load(paths: [settings.path]).settings.providerCatalogue
        #expect(loaded.provider(for: "mx1.regional-esp.test")?.name == "Regional ESP")
        #expect(loaded.provider(for: "mail.zendesk.com")?.name == "Zendesk (EU)")
        #expect(loaded.providers.count == ProviderCatalogue.builtIn.providers.count + 1)
        // Without the setting, the built-in catalogue.
        try "settings:\n  default_interval: 1h\n".write(to: settings, atomically: true, encoding: .utf8)
        #expect(try MonitorLoader.load(paths: [settings.path]).settings.providerCatalogue == ProviderCatalogue.builtIn)
    }

    @Test func aBrokenFileIsPointedAt() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let settings = dir.appendingPathComponent("settings.yaml")
        try "settings:\n  provider_catalogue: providers.yaml\n".write(to: settings, atomically: true, encoding: .utf8)
        let missing = try #require(throws: MonitorFileError.self) { try MonitorLoader.load(paths: [settings.path]) }
        #expect(missing.description.contains("\(settings.path):2:"), "\(missing)")
        #expect(missing.description.contains("providers.yaml: cannot be read"), "\(missing)")
        try "providers:\n  - { id: x, name: X, includes: [\"bad..name\"], domains: [] }\n"
            .write(to: dir.appendingPathComponent("providers.yaml"), atomically: true, encoding: .utf8)
        let bad = try #require(throws: MonitorFileError.self) { try MonitorLoader.load(paths: [settings.path]) }
        #expect(bad.description.contains("provider 1 (x)"), "\(bad)")
        try "providers: 12\n".write(to: dir.appendingPathComponent("providers.yaml"), atomically: true, encoding: .utf8)
        let shape = try #require(throws: MonitorFileError.self) { try MonitorLoader.load(paths: [settings.path]) }
        #expect(shape.description.contains("expected `providers:`"), "\(shape)")
    }
}
