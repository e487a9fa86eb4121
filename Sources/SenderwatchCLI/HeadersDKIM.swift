import DKIM
import DMARC
import DNSCore
import Foundation

/// A saved message read for `headers`: the header section within its limit, and the whole message within
/// `messageLimit`, so DKIM body hashes can be checked.
struct SavedMessage {
    /// The bytes up to and including the first empty line (all of them when there is none).
    let header: [UInt8]
    /// The message as read, at most `messageLimit` bytes.
    let bytes: [UInt8]
    /// False when the message was longer than `messageLimit` and reading stopped there.
    let complete: Bool

    /// The most a message is read for DKIM: 16 MiB.
    static let messageLimit = DKIMVerifier.defaultMaximumMessageBytes

    /// Reads `file` (or standard input for `-`). A header section with no end within `headerLimit` is
    /// refused, with the limit and its settings key; a longer message stops being read at `messageLimit`.
    static func read(_ file: String, headerLimit: Int, messageLimit: Int = messageLimit) throws -> SavedMessage {
        let fd: Int32 = file == "-" ? STDIN_FILENO : open(file, O_RDONLY)
        guard fd >= 0 else { throw InputError("\(file): cannot read the file (\(String(cString: strerror(errno))))") }
        defer { if file != "-" { close(fd) } }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var headerEnd: Int?
        var searched = 0
        while bytes.count <= messageLimit {
            let n = chunk.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { throw InputError("\(file): reading failed (\(String(cString: strerror(errno))))") }
            if n == 0 { break }
            bytes += chunk[..<n]
            if headerEnd == nil {
                headerEnd = HeaderSection.endOfSection(bytes, from: max(0, searched - 3))
                searched = bytes.count
                if (headerEnd ?? bytes.count) > headerLimit {
                    throw InputError("\(file): the header section is longer than \(headerLimit) bytes "
                        + "(limit: settings ingest_limits.header_bytes)")
                }
            }
        }
        let complete = bytes.count <= messageLimit
        if !complete { bytes.removeSubrange(messageLimit...) }
        return SavedMessage(header: Array(bytes[..<(headerEnd ?? bytes.count)]), bytes: bytes, complete: complete)
    }
}

/// Every DKIM-Signature of a message verified now, with the key fetched through the command's resolver and
/// the Organizational Domains (for relaxed alignment) from DMARC discovery.
struct HeaderDKIM {
    let results: [DKIMSignatureResult]
    /// Why signatures were not verified, when some were not.
    let note: String?
    /// The input had no empty line after the header section, so the body hashes were checked against nothing.
    let headerOnly: Bool

    static func verify(_ saved: SavedMessage, fromDomain: String?, resolver: any DNSResolver, now: Int64) async -> HeaderDKIM {
        guard saved.complete else {
            // Said only when there were signatures to verify: the header section was read whole.
            let signed = !DKIMMessage(saved.header).signatureFields.isEmpty
            let note = "the message is longer than \(SavedMessage.messageLimit / (1024 * 1024)) MiB; its DKIM signatures were not verified"
            return HeaderDKIM(results: [], note: signed ? note : nil, headerOnly: false)
        }
        let message = DKIMMessage(saved.bytes)
        guard !message.signatureFields.isEmpty else { return HeaderDKIM(results: [], note: nil, headerOnly: !message.hasBody) }
        let verifier = DKIMVerifier(now: now) { selector, domain in await keyLookup(resolver, selector: selector, domain: domain) }
        let from = fromDomain.flatMap { try? DomainName($0) }
        var organizational: [DomainName: DomainName] = [:]
        if let from {
            let others = Set(verifier.signingDomains(message)).subtracting([from])
            // Relaxed alignment needs Organizational Domains only where d= is not the From domain itself.
            if !others.isEmpty {
                for domain in [from] + others.sorted() {
                    if let found = await DMARCDiscovery(resolver: resolver).discover(domain).organizationalDomain {
                        organizational[domain] = found
                    }
                }
            }
        }
        let verification = await verifier.verify(message, fromDomain: from, organizationalDomains: organizational)
        let note = verification.unverified > 0
            ? "\(verification.unverified) more DKIM-Signature field(s) not verified (at most \(verifier.maximumSignatures) are)" : nil
        return HeaderDKIM(results: verification.results, note: note, headerOnly: !message.hasBody)
    }

    /// The key record lookup of RFC 6376 section 3.6.2.2 through a `DNSResolver`: a timeout or SERVFAIL is
    /// temporary, NXDOMAIN and no data are an absent key, other failures permanent.
    static func keyLookup(_ resolver: any DNSResolver, selector: String, domain: String) async -> DKIMKeyAnswer {
        guard let name = try? DomainName("\(selector)._domainkey.\(domain)") else {
            return .failed("\(selector)._domainkey.\(domain) is not a domain name")
        }
        switch await resolver.txt(name) {
        case .failure(let failure):
            return failure.isTemporary ? .temporary(failure.description) : .failed(failure.description)
        case .success(let found):
            return found.texts.isEmpty ? .absent : .found(found.texts.map { String(decoding: $0, as: UTF8.self) })
        }
    }

    /// One line per signature: `DKIM d=example.com s=s1 rsa-sha256 2048-bit: pass, aligned with From (strict)`.
    var lines: [String] {
        results.map { Self.line($0, headerOnly: headerOnly) } + (note.map { ["DKIM: \($0)"] } ?? [])
    }

    static func line(_ result: DKIMSignatureResult, headerOnly: Bool) -> String {
        var text = "DKIM d=\(result.domain ?? "?") s=\(result.selector ?? "?") \(result.algorithm ?? "?")"
        if let bits = result.keyBits { text += " \(bits)-bit" }
        text += ": \(result.verdict)"
        if headerOnly, case .fail(.bodyChanged) = result.verdict {
            text += " (the input holds only the header section: give the whole message to check the body)"
        }
        if result.verdict == .pass, let alignment = result.alignment {
            if alignment.strict {
                text += ", aligned with From (strict)"
            } else if alignment.relaxed == true {
                text += ", aligned with From \(alignment.fromDomain) (relaxed only)"
            } else if alignment.relaxed == false {
                text += ", NOT aligned with From \(alignment.fromDomain): it does not count for DMARC"
            } else {
                text += ", alignment with From \(alignment.fromDomain) unknown (no Organizational Domain found)"
            }
        }
        if result.signsPartOfBody, let length = result.signature?.bodyLength, let octets = result.bodyOctets {
            text += "; warning: l=\(length) signs \(length) of \(octets) body octets, so text added after them is unsigned"
        }
        if result.keyTesting { text += "; the key is in testing (t=y)" }
        return text
    }

    var output: [HeaderDKIMOutput] { results.map(HeaderDKIMOutput.init) }
}

/// One signature in `headers --json`.
struct HeaderDKIMOutput: Encodable {
    struct Alignment: Encodable {
        let fromDomain: String
        let strict: Bool
        @NullEncoded var relaxed: Bool? = nil
    }

    /// pass, fail or temperror.
    let result: String
    /// The failure's stable code (body-changed, headers-changed, key-missing, key-revoked, key-too-small,
    /// key-unusable, algorithm-refused, signature-expired, syntax-error, body-shorter-than-length).
    @NullEncoded var cause: String? = nil
    let reason: String
    @NullEncoded var domain: String? = nil
    @NullEncoded var selector: String? = nil
    @NullEncoded var algorithm: String? = nil
    @NullEncoded var keyBits: Int? = nil
    @NullEncoded var keyFingerprint: String? = nil
    let keyTesting: Bool
    @NullEncoded var bodyLength: Int? = nil
    @NullEncoded var bodyOctets: Int? = nil
    let signsPartOfBody: Bool
    @NullEncoded var bodyHashComputed: String? = nil
    @NullEncoded var bodyHashSigned: String? = nil
    @NullEncoded var alignment: Alignment? = nil

    init(_ result: DKIMSignatureResult) {
        self.result = result.verdict.result
        switch result.verdict {
        case .pass:
            reason = "pass"
        case .fail(let failure):
            cause = failure.code
            reason = failure.description
            if case .bodyChanged(let computed, let signed) = failure {
                bodyHashComputed = computed
                bodyHashSigned = signed
            }
        case .temperror(let why):
            reason = why
        }
        domain = result.domain
        selector = result.selector
        algorithm = result.algorithm
        keyBits = result.keyBits
        keyFingerprint = result.keyFingerprint
        keyTesting = result.keyTesting
        bodyLength = result.signature?.bodyLength
        bodyOctets = result.bodyOctets
        signsPartOfBody = result.signsPartOfBody
        alignment = result.alignment.map { Alignment(fromDomain: $0.fromDomain.text, strict: $0.strict, relaxed: $0.relaxed) }
    }
}
