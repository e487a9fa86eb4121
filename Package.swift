// swift-tools-version:6.0
import PackageDescription

// Module boundaries (see DESIGN): the core targets (DNSCore, SPF, DMARC, Audit) depend on nothing that
// does I/O; adapters (LDNSResolver, later Inventory and Alerting) implement the core's protocols.
let package = Package(
    name: "senderwatch",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "senderwatch", targets: ["senderwatch"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        // DKIM keys are read from their SubjectPublicKeyInfo; swift-crypto brings this package already.
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        // BIMI mark certificates (X.509) are parsed with it; it builds on swift-crypto and swift-asn1, already here.
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        // The daemon (`senderwatch run`): lifecycle and signals, logs, metrics, and NIO for the /metrics endpoint.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // The read-only web dashboard (`senderwatch serve`, `run --http-listen`): Hummingbird 2 gives routing,
        // request timeouts and header handling on the NIO the daemon already uses, instead of hand-built HTTP;
        // swift-mustache renders the pages with escaping by default. Both only in the Dashboard target.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        // Hummingbird's header types, named directly by the dashboard's security headers (already in its graph).
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
    ],
    targets: [
        // Pure core: no network, disk or clock.
        .target(name: "DNSCore"),
        .target(name: "SPF", dependencies: ["DNSCore"]),
        .target(name: "DMARC", dependencies: ["DNSCore"]),
        // DKIM (RFC 6376, 8463, 8301): key records, signatures, canonicalization; cryptography is computation.
        .target(name: "DKIM", dependencies: [
            "DNSCore",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "_CryptoExtras", package: "swift-crypto"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
        ]),
        // MTA-STS (RFC 8461), TLS-RPT (RFC 8460) and BIMI records and policies; HTTPS behind a protocol.
        .target(name: "TransportPolicy", dependencies: ["DNSCore", .product(name: "X509", package: "swift-certificates")]),
        // The provider catalogue that names observed sources is a data file compiled into the module.
        .target(name: "Audit", dependencies: ["DNSCore", "SPF", "DMARC", "DKIM", "TransportPolicy"],
                resources: [.embedInCode("Resources/providers.json")]),
        // DMARC aggregate reports: parsing from bytes; zlib is computation, not I/O.
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "AuthReports", dependencies: ["DNSCore", "CZlib"]),

        // Adapters.
        .systemLibrary(name: "CLDNS", pkgConfig: "ldns", providers: [.apt(["libldns-dev"])]),
        .target(name: "LDNSResolver", dependencies: [
            "CLDNS", "DNSCore",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),

        .target(name: "Inventory", dependencies: [
            "DKIM", "TransportPolicy",
            "DNSCore", "DMARC", "Audit", "AuthReports", .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(name: "Alerting", dependencies: [
            "Audit", "Inventory", "CCurl", "TransportPolicy", .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // IMAP mailboxes that reports arrive in: libcurl's IMAP (through Alerting's curl wrapper) into the
        // report reader and the inventory.
        .target(name: "Mailbox", dependencies: ["Alerting", "AuthReports", "CCurl", "Inventory"]),
        // Monitor files and settings: loading, validation, applying them to the inventory.
        .target(name: "MonitorConfig", dependencies: [
            "Audit", "AuthReports", "DKIM", "DNSCore", "DMARC", "Inventory", "Alerting", "Mailbox", "TransportPolicy", "Yams",
        ]),
        // The assessment of a domain (gather, then judge) and polling: scheduler rules, lock, metrics.
        .target(name: "Monitor", dependencies: [
            "MonitorConfig", "Audit", "DNSCore", "SPF", "DMARC", "Inventory", "Alerting", "LDNSResolver", "TransportPolicy",
            .product(name: "Metrics", package: "swift-metrics"),
        ]),
        // Compliance snapshots: the hash-chained JSON, CSV and HTML renderings.
        .target(name: "Snapshots", dependencies: [
            "Monitor", "MonitorConfig", "Audit", "DNSCore", "SPF", "DMARC", "Inventory", "Alerting", "TransportPolicy",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // The long-running service: scheduler, outbox and metrics services, the /metrics endpoint (NIO) and
        // the Prometheus exposition. Kept apart so NIO and the lifecycle stay out of Monitor and the core.
        .target(name: "Daemon", dependencies: [
            "Monitor", "MonitorConfig", "Inventory", "Alerting", "DNSCore", "Mailbox", "AuthReports",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),

        // The read-only web dashboard: pages and their JSON over the store, served by Hummingbird. Kept apart so
        // Hummingbird stays out of the core, Monitor and the Daemon.
        .target(name: "Dashboard", dependencies: [
            "Inventory", "Snapshots", "Audit", "DNSCore", "SPF", "DMARC", "Alerting",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Mustache", package: "swift-mustache"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),

        // Command line.
        .target(name: "SenderwatchCLI", dependencies: [
            "DNSCore", "SPF", "DMARC", "DKIM", "TransportPolicy", "Audit", "LDNSResolver", "Inventory", "Alerting", "MonitorConfig", "Monitor", "Snapshots", "AuthReports", "Daemon", "Mailbox",
            "Dashboard",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .executableTarget(name: "senderwatch", dependencies: ["SenderwatchCLI"]),

        // Test fakes that implement the core's protocols.
        .target(name: "TestSupport", dependencies: ["DNSCore", "Yams"]),

        .testTarget(name: "DNSCoreTests", dependencies: [
            "DNSCore", "TestSupport",
            .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "SPFTests", dependencies: [
            "SPF", "DNSCore", "TestSupport", "Yams",
            .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "DMARCTests", dependencies: [
            "DMARC", "DNSCore", "TestSupport",
            .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "DKIMTests", dependencies: [
            "DKIM", "DNSCore", "TestSupport",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "_CryptoExtras", package: "swift-crypto"),
            .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "TransportPolicyTests", dependencies: ["TransportPolicy", "DNSCore"]),
        .testTarget(name: "LDNSResolverTests", dependencies: [
            "LDNSResolver", "DNSCore", "SPF", "TestSupport", "Yams",
        ]),
        .testTarget(name: "InventoryTests", dependencies: ["Inventory", "Audit", "AuthReports", "DNSCore", "TestSupport"]),
        .testTarget(name: "MonitorTests", dependencies: ["Monitor", "MonitorConfig", "Snapshots", "Inventory", "Audit", "AuthReports", "DNSCore", "LDNSResolver", "TestSupport"]),
        .testTarget(name: "DaemonTests", dependencies: ["Daemon", "Monitor", "MonitorConfig", "Inventory", "TestSupport"]),
        .testTarget(name: "AlertingTests", dependencies: ["Alerting", "Audit", "Inventory", "Monitor", "MonitorConfig", "TestSupport"],
                    exclude: ["Sinks"]),
        .testTarget(name: "AuditTests", dependencies: ["Audit", "DNSCore", "SPF", "DMARC", "TestSupport"]),
        .testTarget(name: "AuthReportsTests", dependencies: ["AuthReports", "CZlib", "DNSCore", "TestSupport"]),
        .testTarget(name: "DashboardTests", dependencies: [
            "Dashboard", "Inventory", "Audit", "DNSCore", "TestSupport",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .testTarget(name: "CLITests", dependencies: [
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "_CryptoExtras", package: "swift-crypto"),
            "SenderwatchCLI", "AuthReports", "CZlib", "DKIM", "Mailbox", "Monitor", "MonitorConfig", "Snapshots", "Inventory", "Audit", "DNSCore", "SPF",
            "LDNSResolver", "TestSupport",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
    ]
)
