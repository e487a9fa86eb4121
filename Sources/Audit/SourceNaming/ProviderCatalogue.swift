import DNSCore
import Foundation

/// Well-known sending services (`Resources/providers.json`, compiled in), plus any the `provider_catalogue`
/// setting adds: the include each one's customers add to SPF, and the domains that identify it.
public struct ProviderCatalogue: Sendable, Hashable {
    public struct Provider: Sendable, Hashable, Codable {
        /// Stable identifier, e.g. `google-workspace`.
        public var id: String
        /// What people call it: "Google Workspace".
        public var name: String
        /// The includes its customers add, the first being the one a fix suggests.
        public var includes: [String]
        /// Domains identifying it: SPF records, forward-confirmed reverse names and DKIM `d=` under them.
        public var domains: [String]
        /// Where the facts come from.
        public var source: String?

        public init(id: String, name: String, includes: [String], domains: [String], source: String? = nil) {
            self.id = id; self.name = name; self.includes = includes; self.domains = domains; self.source = source
        }
    }

    /// A malformed catalogue: which entry, what was expected.
    public struct Problem: Error, Sendable, Hashable, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    public private(set) var providers: [Provider]

    /// At most this many providers, includes and domains per provider: the catalogue is read into every run.
    public static let maximumProviders = 500
    public static let maximumNamesPerProvider = 32

    public init(_ providers: [Provider]) throws(Problem) {
        guard providers.count <= Self.maximumProviders else {
            throw Problem(description: "\(providers.count) providers; at most \(Self.maximumProviders) are read")
        }
        var seen: Set<String> = []
        var checked: [Provider] = []
        for (index, var provider) in providers.enumerated() {
            let at = "provider \(index + 1) (\(provider.id.isEmpty ? "no id" : provider.id))"
            guard !provider.id.isEmpty, provider.id.count <= 64, !provider.name.isEmpty, provider.name.count <= 128 else {
                throw Problem(description: "\(at): expected an id of 1 to 64 characters and a name of 1 to 128")
            }
            guard seen.insert(provider.id).inserted else { throw Problem(description: "\(at): the id is used twice") }
            guard provider.includes.count + provider.domains.count <= Self.maximumNamesPerProvider,
                  !(provider.includes.isEmpty && provider.domains.isEmpty) else {
                throw Problem(description: "\(at): expected 1 to \(Self.maximumNamesPerProvider) includes and domains")
            }
            do {
                provider.includes = try provider.includes.map { try DomainName($0).text }
                provider.domains = try provider.domains.map { try DomainName($0).text }
            } catch {
                throw Problem(description: "\(at): \(error)")
            }
            checked.append(provider)
        }
        self.providers = checked
    }

    /// Reads the catalogue's JSON form (`{"providers": [...]}`).
    public init(json: [UInt8]) throws(Problem) {
        let data = Data(json)
        guard data.count <= 1 << 20 else { throw Problem(description: "the catalogue is over 1 MiB") }
        let file: CatalogueFile
        do { file = try JSONDecoder().decode(CatalogueFile.self, from: data) } catch {
            throw Problem(description: "not a provider catalogue: \(error)")
        }
        try self.init(file.providers)
    }

    /// The file's shape: `{"providers": [...]}` (other keys, such as `about`, are ignored).
    public struct CatalogueFile: Sendable, Codable {
        public var providers: [Provider]
    }

    /// The catalogue compiled into senderwatch.
    public static let builtIn: ProviderCatalogue = {
        // The file is part of the source tree and checked by the tests; a broken one is a build defect.
        do { return try ProviderCatalogue(json: PackageResources.providers_json) } catch {
            fatalError("Resources/providers.json: \(error)")
        }
    }()

    /// This catalogue with `more` added; an added provider with an existing id replaces it.
    public func adding(_ more: [Provider]) throws(Problem) -> ProviderCatalogue {
        let ids = Set(more.map(\.id))
        return try ProviderCatalogue(providers.filter { !ids.contains($0.id) } + more)
    }

    /// The provider one of whose domains or includes `name` equals or lies below.
    public func provider(for name: String) -> Provider? {
        guard let domain = try? DomainName(name) else { return nil }
        var best: (provider: Provider, depth: Int)?
        for provider in providers {
            for candidate in provider.domains + provider.includes {
                guard let known = try? DomainName(candidate), domain.isSubdomain(of: known) else { continue }
                // The most specific match wins (mandrillapp.com over a broader entry).
                if best == nil || known.labelCount > best!.depth { best = (provider, known.labelCount) }
            }
        }
        return best?.provider
    }
}
