import Foundation
import Testing
import TestSupport

/// The loopback receivers the delivery tests talk to (Sinks/*.py), started per test and stopped by pid.
enum Sinks {
    static let python = SinkProcess.python
    static let underCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// Python 3 (stdlib) for the HTTP sink.
    static let httpAvailable = FileManager.default.isExecutableFile(atPath: python)
    /// aiosmtpd and openssl for the SMTP server with STARTTLS.
    static let smtpAvailable: Bool = httpAvailable && run(python, ["-c", "import aiosmtpd"]) == 0
        && run("/usr/bin/env", ["openssl", "version"]) == 0
    static let skipNote: Comment = "needs /usr/bin/python3 with aiosmtpd (Debian python3-aiosmtpd) and openssl: run Scripts/setup"

    @discardableResult
    static func run(_ program: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sw-alert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// A free loopback port for a receiver that is "down" now and started on that port later.
func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

@Suite struct ToolsUnderCI {
    /// Outside CI the delivery tests skip when the tools are missing; under CI=true that is a failure.
    @Test func receiversAvailableUnderCI() {
        if Sinks.underCI {
            #expect(Sinks.httpAvailable, "CI=true but /usr/bin/python3 is missing")
            #expect(Sinks.smtpAvailable, "CI=true but aiosmtpd or openssl is missing")
        }
    }
}
