import Audit
import Foundation
import Yams

/// The `provider_catalogue` settings file: more sending services to name observed sources after, in the
/// form of the built-in catalogue (`providers:` with `id`, `name`, `includes`, `domains`, `source`), as YAML
/// or JSON. Its providers are added to the built-in ones; one with a built-in id replaces it.
public enum ProviderCatalogueFile {
    public struct Problem: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    public static func load(_ path: String) throws(Problem) -> ProviderCatalogue {
        struct File: Decodable { var providers: [ProviderCatalogue.Provider] }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Problem(description: "\(path): cannot be read")
        }
        guard data.count <= 1 << 20 else { throw Problem(description: "\(path): over 1 MiB") }
        let file: File
        do { file = try YAMLDecoder().decode(File.self, from: data) } catch {
            throw Problem(description: "\(path): expected `providers:` with id, name, includes, domains and source each: \(error)")
        }
        // Checked on their own first, so a problem names the entry's place in this file.
        do { return try ProviderCatalogue.builtIn.adding(try ProviderCatalogue(file.providers).providers) } catch {
            throw Problem(description: "\(path): \(error.description)")
        }
    }
}
