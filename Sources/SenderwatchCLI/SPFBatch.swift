import DNSCore
import Foundation
import Monitor
import MonitorConfig
import Snapshots
import SPF

/// `spf --batch`: evaluates one `domain ip [sender [helo]]` per input line, many at once over the shared
/// resolver, and prints one JSON object per line in input order. A malformed line yields an object with
/// `line` and `error` and the batch goes on; the exit status is then 2.
struct SPFBatch {
    let resolver: any DNSResolver
    let concurrency: Int

    struct Job: Sendable {
        let line: Int
        let domain: String
        let ip: IPAddress
        let sender: String
        let helo: String?
    }

    struct LineError: Encodable {
        let schemaVersion = jsonSchemaVersion
        let line: Int
        let error: String
    }

    enum Item: Sendable {
        case job(Job)
        case error(line: Int, message: String)
    }

    func run(path: String) async throws -> Int32 {
        let handle: FileHandle
        if path == "-" { handle = .standardInput } else {
            guard let file = FileHandle(forReadingAtPath: path) else { throw InputError("--batch \(path): cannot open the file") }
            handle = file
        }
        var sawBadLine = false
        var hadTemporary = false
        let checker = SPFChecker(resolver: resolver)
        let items = try parse(handle.readToEnd() ?? Data(), path: path)
        let out = OutputBuffer()
        try await OrderedConcurrency.forEach(count: items.count, limit: concurrency, operation: { index -> (String, SPFResult?) in
            switch items[index] {
            case .error(let line, let message):
                return (jsonString(LineError(line: line, error: message), pretty: false), nil)
            case .job(let job):
                let evaluation = await checker.checkHost(ip: job.ip, domain: job.domain, sender: job.sender, helo: job.helo)
                let output = SPFCheckOutput(domain: job.domain, ip: job.ip, sender: job.sender, helo: job.helo,
                                            evaluation: evaluation, includeTrace: false)
                return (output.line, evaluation.result)
            }
        }, emit: { _, line in
            if line.1 == nil { sawBadLine = true }
            if line.1 == .temperror { hadTemporary = true }
            out.write(line.0 + "\n")
        })
        out.flush()
        if sawBadLine { return ExitStatus.usage }
        return hadTemporary ? ExitStatus.temporaryFailure : ExitStatus.healthy
    }

    /// Splits the input into jobs; blank lines and `#` comments are skipped. Lines end in LF or CRLF; the
    /// input is split as bytes (splitting it as Characters cost a twentieth of the whole batch, and a CRLF is
    /// one Character, so such a file was one line).
    func parse(_ data: Data, path: String) throws -> [Item] {
        var items: [Item] = []
        for (offset, rawLine) in [UInt8](data).split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            let line = offset + 1
            let fields = rawLine.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D })
                .map { String(decoding: $0, as: UTF8.self) }
            guard let first = fields.first, !first.hasPrefix("#") else { continue }
            guard fields.count >= 2, fields.count <= 4 else {
                items.append(.error(line: line, message: "\(path):\(line): expected \"domain ip [sender [helo]]\", got \(fields.count) field(s)"))
                continue
            }
            guard let ip = IPAddress(fields[1]) else {
                items.append(.error(line: line, message: "\(path):\(line): \"\(fields[1])\" is not an IP address"))
                continue
            }
            let domain: String
            do { domain = try DomainName(mailDomain: String(first)).text } catch {
                items.append(.error(line: line, message: "\(path):\(line): \(error.description)"))
                continue
            }
            let sender = fields.count > 2 ? String(fields[2]) : "postmaster@\(domain)"
            items.append(.job(Job(line: line, domain: domain, ip: ip, sender: sender, helo: fields.count > 3 ? String(fields[3]) : nil)))
        }
        return items
    }
}
