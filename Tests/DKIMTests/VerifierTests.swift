import _CryptoExtras
import Crypto
import DKIM
import DNSCore
import Foundation
import Synchronization
import Testing

/// Key records served from a table, recording each lookup: the verifier's injected DNS.
final class KeyTable: Sendable {
    let records: [String: DKIMKeyAnswer]
    let asked = Mutex<[String]>([])

    init(_ records: [String: DKIMKeyAnswer]) { self.records = records }

    convenience init(_ name: String, _ record: String) { self.init([name: .found([record])]) }

    func verifier(now: Int64 = VerifierTests.now) -> DKIMVerifier {
        DKIMVerifier(now: now) { selector, domain in
            let name = "\(selector)._domainkey.\(domain)".lowercased()
            self.asked.withLock { $0.append(name) }
            return self.records[name] ?? .absent
        }
    }
}

/// Verification (RFC 6376 section 6.1, RFC 8301, RFC 8463): the RFC 8463 example with its published keys,
/// then messages signed here with generated keys, one test per cause of failure.
@Suite struct VerifierTests {
    /// 2026-09-21T12:26:40Z.
    static let now: Int64 = 1_790_000_000

    static func crlf(_ lines: [String]) -> String { lines.map { $0 + "\r\n" }.joined() }

    static let message = crlf([
        "From: Ada <ada@example.com>",
        "To: Grace <grace@example.org>",
        "Subject: Engines",
        "Date: Mon, 21 Sep 2026 12:00:00 +0000",
        "Message-ID: <n1@example.com>",
        "",
        "Hello Grace,",
        "",
        "the  engine   runs. ",
        "",
    ])

    func results(_ signed: String, _ keys: KeyTable, fromDomain: String? = nil,
                 organizationalDomains: [DomainName: DomainName] = [:]) async throws -> [DKIMSignatureResult] {
        try await keys.verifier().verify(Array(signed.utf8), fromDomain: fromDomain.map { try DomainName($0) },
                                         organizationalDomains: organizationalDomains).results
    }

    func verdict(_ signed: String, _ keys: KeyTable) async throws -> DKIMVerdict {
        try #require(try await results(signed, keys).first).verdict
    }

    static func keys(_ key: TestSigner.Key, name: String = "s1._domainkey.example.com") -> KeyTable {
        KeyTable(name, key.record)
    }

    // MARK: RFC 8463 Appendix A

    /// RFC 8463 Appendix A: the message signed twice by football.example.com, with Ed25519 (selector
    /// brisbane) and RSA-1024 (selector test), and the two key records it publishes.
    static let rfc8463Signed = crlf([
        "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;",
        " d=football.example.com; i=@football.example.com;",
        " q=dns/txt; s=brisbane; t=1528637909; h=from : to :",
        " subject : date : message-id : from : subject : date;",
        " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;",
        " b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus",
        " Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==",
        "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;",
        " d=football.example.com; i=@football.example.com;",
        " q=dns/txt; s=test; t=1528637909; h=from : to : subject :",
        " date : message-id : from : subject : date;",
        " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;",
        " b=F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3",
        " DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2Jz",
        " dA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=",
        "From: Joe SixPack <joe@football.example.com>",
        "To: Suzie Q <suzie@shopping.example.net>",
        "Subject: Is dinner ready?",
        "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)",
        "Message-ID: <20030712040037.46341.5F8J@football.example.com>",
        "",
        "Hi.",
        "",
        "We lost the game.  Are you hungry yet?",
        "",
        "Joe.",
        "",
    ])

    /// A new table for each use: tests run in parallel and each asserts its own lookups.
    static var rfc8463Keys: KeyTable { KeyTable([
        "brisbane._domainkey.football.example.com": .found(["v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="]),
        "test._domainkey.football.example.com": .found([
            "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWR"
                + "iGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutAC"
                + "DfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3"
                + "Ip3G+2kryOTIKT+l/K4w3QIDAQAB",
        ]),
    ]) }

    @Test func rfc8463ExampleVerifiesWithItsPublishedKeys() async throws {
        let keys = Self.rfc8463Keys
        let results = try await results(Self.rfc8463Signed, keys, fromDomain: "football.example.com")
        #expect(results.map(\.verdict) == [.pass, .pass], "\(results.map(\.verdict))")
        #expect(results.map(\.selector) == ["brisbane", "test"])
        #expect(results.map(\.algorithm) == ["ed25519-sha256", "rsa-sha256"])
        #expect(results.map(\.keyBits) == [256, 1024])
        #expect(results.allSatisfy { $0.alignment?.strict == true && !$0.signsPartOfBody })
        #expect(keys.asked.withLock { $0 } == ["brisbane._domainkey.football.example.com", "test._domainkey.football.example.com"])
    }

    /// What the Ed25519 signature signs: From, Subject and Date are named twice and the second naming finds
    /// no further instance, so contributes nothing; then the signature field with b= emptied, no final CRLF.
    @Test func rfc8463SignedHeaderData() throws {
        let message = DKIMMessage(Array(Self.rfc8463Signed.utf8))
        let signature = try DKIMSignature.parse(message.fields[0].value).get()
        let data = DKIMVerifier.headerData(signedHeaders: signature.signedHeaders, canonicalization: signature.headerCanonicalization,
                                           signatureField: message.fields[0], at: 0, in: message)
        let expected = "from:Joe SixPack <joe@football.example.com>\r\n"
            + "to:Suzie Q <suzie@shopping.example.net>\r\n"
            + "subject:Is dinner ready?\r\n"
            + "date:Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
            + "message-id:<20030712040037.46341.5F8J@football.example.com>\r\n"
            + "dkim-signature:v=1; a=ed25519-sha256; c=relaxed/relaxed; d=football.example.com; i=@football.example.com; "
            + "q=dns/txt; s=brisbane; t=1528637909; h=from : to : subject : date : message-id : from : subject : date; "
            + "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; b="
        #expect(String(decoding: data, as: UTF8.self) == expected)
    }

    @Test func rfc8463ExampleTamperedFails() async throws {
        let body = try await results(Self.rfc8463Signed.replacingOccurrences(of: "hungry", with: "angry"), Self.rfc8463Keys)
        #expect(body.map(\.verdict) == Array(repeating: .fail(.bodyChanged(
            computed: Data(SHA256.hash(data: Array("Hi.\r\n\r\nWe lost the game. Are you angry yet?\r\n\r\nJoe.\r\n".utf8))).base64EncodedString(),
            signed: "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=")), count: 2))
        let header = try await results(Self.rfc8463Signed.replacingOccurrences(of: "dinner", with: "lunch"), Self.rfc8463Keys)
        #expect(header.map(\.verdict) == [.fail(.headersChanged), .fail(.headersChanged)])
        // From is oversigned (named twice): a second From added above the signed one breaks both signatures.
        let added = try await results(Self.rfc8463Signed.replacingOccurrences(of: "From: Joe", with: "From: Mallory <m@evil.example>\r\nFrom: Joe"),
                                      Self.rfc8463Keys)
        #expect(added.map(\.verdict) == [.fail(.headersChanged), .fail(.headersChanged)])
        let unsigned = try await results(Self.rfc8463Signed.replacingOccurrences(of: "Message-ID:", with: "X-Mailer: any\r\nMessage-ID:"),
                                         Self.rfc8463Keys)
        #expect(unsigned.map(\.verdict) == [.pass, .pass])
    }

    // MARK: Signed here

    @Test(arguments: ["relaxed/relaxed", "simple/simple", "relaxed/simple", "simple/relaxed", "relaxed", "simple"])
    func rsa2048PassesUnderEveryCanonicalization(_ canonicalization: String) async throws {
        let signed = try TestSigner(key: TestSigner.rsa2048, canonicalization: canonicalization).sign(Self.message)
        let result = try #require(try await results(signed, Self.keys(TestSigner.rsa2048), fromDomain: "example.com").first)
        #expect(result.verdict == .pass, "\(canonicalization): \(result.verdict)")
        #expect(result.keyBits == 2048 && result.keyFingerprint?.hasPrefix("sha256:") == true)
        #expect(result.domain == "example.com" && result.selector == "s1" && result.algorithm == "rsa-sha256")
    }

    @Test func ed25519AndRSA1024Pass() async throws {
        for key in [TestSigner.ed25519, TestSigner.rsa1024] {
            let signed = try TestSigner(key: key).sign(Self.message)
            let result = try #require(try await results(signed, Self.keys(key)).first)
            #expect(result.verdict == .pass, "\(key.algorithm): \(result.verdict)")
            #expect(result.keyBits == (key.algorithm == "ed25519-sha256" ? 256 : 1024))
        }
    }

    /// Relaxed tolerates what forwarders do to whitespace and header case; simple does not.
    @Test func relaxedToleratesWhitespaceSimpleDoesNot() async throws {
        func rewrap(_ text: String) -> String {
            text.replacingOccurrences(of: "Subject: Engines", with: "SUBJECT:   Engines ")
                .replacingOccurrences(of: "the  engine   runs. ", with: "the engine runs.")
        }
        let relaxed = try TestSigner(key: TestSigner.ed25519).sign(Self.message)
        #expect(try await verdict(rewrap(relaxed), Self.keys(TestSigner.ed25519)) == .pass)
        let simple = try TestSigner(key: TestSigner.ed25519, canonicalization: "simple/relaxed").sign(Self.message)
        #expect(try await verdict(rewrap(simple), Self.keys(TestSigner.ed25519)) == .fail(.headersChanged))
        let simpleBody = try TestSigner(key: TestSigner.ed25519, canonicalization: "relaxed/simple").sign(Self.message)
        guard case .fail(.bodyChanged) = try await verdict(rewrap(simpleBody), Self.keys(TestSigner.ed25519)) else {
            Issue.record("a simple body with its whitespace changed must fail on the body hash")
            return
        }
    }

    @Test func aMessageSavedWithLineFeedsVerifies() async throws {
        let signed = try TestSigner(key: TestSigner.rsa2048, canonicalization: "simple/simple").sign(Self.message)
        #expect(try await verdict(signed.replacingOccurrences(of: "\r\n", with: "\n"), Self.keys(TestSigner.rsa2048)) == .pass)
    }

    @Test func anEmptyBodyVerifies() async throws {
        let headerOnly = Self.crlf(["From: ada@example.com", "Subject: empty", ""])
        for canonicalization in ["simple/simple", "relaxed/relaxed"] {
            let signed = try TestSigner(key: TestSigner.ed25519, headers: ["from", "subject"], canonicalization: canonicalization).sign(headerOnly)
            #expect(try await verdict(signed, Self.keys(TestSigner.ed25519)) == .pass, "\(canonicalization)")
            #expect(try await verdict(signed + "\r\n\r\n", Self.keys(TestSigner.ed25519)) == .pass, "empty lines at the end are ignored")
        }
    }

    // MARK: One test per cause

    @Test func bodyChangedNamesBothHashes() async throws {
        let signed = try TestSigner(key: TestSigner.rsa2048).sign(Self.message)
        let signedHash = try DKIMSignature.parse(DKIMMessage(Array(signed.utf8)).fields[0].value).get().bodyHash
        let changed = signed.replacingOccurrences(of: "runs.", with: "stops.")
        let computed = SHA256.hash(data: Array("Hello Grace,\r\n\r\nthe engine stops.\r\n".utf8))
        #expect(try await verdict(changed, Self.keys(TestSigner.rsa2048))
            == .fail(.bodyChanged(computed: Data(computed).base64EncodedString(), signed: Data(signedHash).base64EncodedString())))
    }

    @Test func headersChanged() async throws {
        let signed = try TestSigner(key: TestSigner.rsa2048).sign(Self.message)
        #expect(try await verdict(signed.replacingOccurrences(of: "Subject: Engines", with: "Subject: Engine"), Self.keys(TestSigner.rsa2048))
            == .fail(.headersChanged))
        // A key other than the signer's: the same cause, since only the signature tells.
        let other = KeyTable("s1._domainkey.example.com", TestSigner.Key.rsa(try _RSA.Signing.PrivateKey(keySize: .bits2048)).record)
        #expect(try await verdict(signed, other) == .fail(.headersChanged))
    }

    @Test func keyMissing() async throws {
        let signed = try TestSigner(key: TestSigner.ed25519).sign(Self.message)
        #expect(try await verdict(signed, KeyTable([:]))
            == .fail(.keyMissing(name: "s1._domainkey.example.com", detail: "does not exist or has no TXT record")))
        #expect(try await verdict(signed, KeyTable(["s1._domainkey.example.com": .found([])]))
            == .fail(.keyMissing(name: "s1._domainkey.example.com", detail: "has no TXT record")))
        #expect(try await verdict(signed, KeyTable(["s1._domainkey.example.com": .failed("cname-loop")]))
            == .fail(.keyMissing(name: "s1._domainkey.example.com", detail: "cannot be looked up: cname-loop")))
    }

    @Test func keyRevoked() async throws {
        let signed = try TestSigner(key: TestSigner.ed25519).sign(Self.message)
        #expect(try await verdict(signed, KeyTable("s1._domainkey.example.com", "v=DKIM1; k=ed25519; p="))
            == .fail(.keyRevoked(name: "s1._domainkey.example.com")))
    }

    /// A 512-bit modulus, published bare (PKCS #1 RSAPublicKey): refused before any signature check.
    @Test func keyTooSmall() async throws {
        let modulus: [UInt8] = [0x00, 0xC1] + Array(repeating: 0x5A, count: 62) + [0x01]
        let der: [UInt8] = [0x30, 0x48, 0x02, 0x41] + modulus + [0x02, 0x03, 0x01, 0x00, 0x01]
        let signed = try TestSigner(key: TestSigner.rsa2048).sign(Self.message)
        let result = try #require(try await results(signed, KeyTable("s1._domainkey.example.com", "p=" + Data(der).base64EncodedString())).first)
        #expect(result.verdict == .fail(.keyTooSmall(bits: 512)))
        #expect(result.keyBits == nil)
    }

    static let unusableKeys: [(record: String, why: String)] = [
        (TestSigner.ed25519.record, "s1._domainkey.example.com publishes a k=ed25519 key; a=rsa-sha256 needs k=rsa"),
        (TestSigner.rsa2048.record.replacingOccurrences(of: "k=rsa;", with: "k=rsa; h=sha1;"),
         "s1._domainkey.example.com allows h=sha1 only; a=rsa-sha256 hashes with sha256"),
        (TestSigner.rsa2048.record.replacingOccurrences(of: "k=rsa;", with: "k=rsa; s=tlsrpt;"),
         "s1._domainkey.example.com is for s=tlsrpt, not email"),
        ("v=DKIM1; k=rsa; p=" + Data("not a key".utf8).base64EncodedString(), "s1._domainkey.example.com: p= is not"),
        ("v=DKIM1; k=dsa; p=AAAA", "s1._domainkey.example.com: k=dsa is not a key type receivers know"),
        ("v=DKIM1; p=%%%", "s1._domainkey.example.com is not a key record: p= is not valid base64"),
    ]

    @Test(arguments: unusableKeys)
    func keyUnusable(_ row: (record: String, why: String)) async throws {
        let signed = try TestSigner(key: TestSigner.rsa2048).sign(Self.message)
        let verdict = try await verdict(signed, KeyTable("s1._domainkey.example.com", row.record))
        guard case .fail(.keyUnusable(let why)) = verdict else {
            Issue.record("\(row.record): \(verdict)")
            return
        }
        #expect(why.hasPrefix(row.why), "\(why)")
    }

    /// t=s in the key: i= may not name a subdomain of d=.
    @Test func keyUnusableForASubdomainIdentityUnderTEqualsS() async throws {
        let signed = try TestSigner(key: TestSigner.ed25519, extraTags: "i=news@mail.example.com;").sign(Self.message)
        let strict = KeyTable("s1._domainkey.example.com", TestSigner.ed25519.record + "; t=s")
        #expect(try await verdict(signed, strict)
            == .fail(.keyUnusable("s1._domainkey.example.com has t=s, so i= must be in d=example.com itself, not mail.example.com")))
        #expect(try await verdict(signed, Self.keys(TestSigner.ed25519)) == .pass)
    }

    @Test func rsaSHA1IsRefusedWithoutALookup() async throws {
        let signed = try TestSigner(key: TestSigner.rsa2048, algorithm: "rsa-sha1").sign(Self.message)
        let keys = Self.keys(TestSigner.rsa2048)
        #expect(try await verdict(signed, keys) == .fail(.algorithmRefused("rsa-sha1")))
        #expect(keys.asked.withLock { $0 }.isEmpty)
    }

    @Test func signatureExpired() async throws {
        let signed = try TestSigner(key: TestSigner.ed25519, extraTags: "t=1780000000; x=1789999999;").sign(Self.message)
        #expect(try await verdict(signed, Self.keys(TestSigner.ed25519)) == .fail(.signatureExpired(expiration: 1_789_999_999, now: Self.now)))
        let later = try TestSigner(key: TestSigner.ed25519, extraTags: "t=1780000000; x=1790000000;").sign(Self.message)
        #expect(try await verdict(later, Self.keys(TestSigner.ed25519)) == .pass, "x= equal to now has not passed")
    }

    @Test func temperrorWhenTheKeyLookupIsTemporary() async throws {
        let signed = try TestSigner(key: TestSigner.ed25519).sign(Self.message)
        #expect(try await verdict(signed, KeyTable(["s1._domainkey.example.com": .temporary("timeout")]))
            == .temperror("the key at s1._domainkey.example.com could not be fetched: timeout"))
    }

    @Test func bodyLengthLargerThanTheBody() async throws {
        let signed = try TestSigner(key: TestSigner.ed25519, bodyLength: 1000).sign(Self.message)
        // "Hello Grace,\r\n\r\nthe engine runs.\r\n", relaxed.
        #expect(try await verdict(signed, Self.keys(TestSigner.ed25519)) == .fail(.bodyShorterThanLength(length: 1000, bodyOctets: 34)))
    }

    @Test func bodyLengthSigningPartOfTheBodyPassesWithAWarning() async throws {
        let signed = try TestSigner(key: TestSigner.rsa2048, canonicalization: "simple/simple", bodyLength: 14).sign(Self.message)
        let appended = try #require(try await results(signed + "Unsigned postscript.\r\n", Self.keys(TestSigner.rsa2048)).first)
        #expect(appended.verdict == .pass)
        #expect(appended.signsPartOfBody)
        let exact = try TestSigner(key: TestSigner.rsa2048, canonicalization: "simple/simple", bodyLength: 38).sign(Self.message)
        let whole = try #require(try await results(exact, Self.keys(TestSigner.rsa2048)).first)
        #expect(whole.verdict == .pass && !whole.signsPartOfBody && whole.bodyOctets == 38)
    }

    // MARK: Syntax

    /// Each field with its exact error: required tags, values of the wrong form, and the rules of section 3.5.
    static let syntaxErrors: [(edit: (String, String), message: String)] = [
        (("v=1; ", ""), "no v= tag (the version, 1, required by RFC 6376 section 3.5)"),
        (("v=1; ", "v=2; "), "v=2 is not 1, the only DKIM-Signature version"),
        (("a=ed25519-sha256; ", ""), "no a= tag (the signing algorithm, required by RFC 6376 section 3.5)"),
        (("a=ed25519-sha256", "a=rsa-md5"), "a=rsa-md5 is not a signing algorithm (rsa-sha256 or ed25519-sha256 expected)"),
        (("d=example.com;", ""), "no d= tag (the signing domain, required by RFC 6376 section 3.5)"),
        (("d=example.com", "d=exa mple.com"), "d=exa mple.com is not a domain name"),
        (("s=s1; ", ""), "no s= tag (the selector, required by RFC 6376 section 3.5)"),
        (("s=s1", "s=s1..x"), "s=s1..x is not a selector (dot-separated labels of letters, digits and '-')"),
        (("h=from:to:subject:date", "h=to:subject"), "h= does not name From (to:subject); the From field must be signed (section 5.4)"),
        (("h=from:to:subject:date", "h=from::to"), "h= holds \"\", which is not a header field name (names separated by ':' expected)"),
        (("c=relaxed/relaxed", "c=relaxed/loose"), "c=relaxed/loose is not a canonicalization (simple or relaxed, or header/body such as relaxed/simple)"),
        (("\tbh=", "\tbx="), "no bh= tag (the body hash, required by RFC 6376 section 3.5)"),
        (("d=example.com;", "d=example.com; i=@example.net;"), "i=@example.net is not in d=example.com (its domain must be d= or a subdomain, section 3.5)"),
        (("d=example.com;", "d=example.com; i=nobody;"), "i=nobody has no '@' (an optional local part, '@', then a domain expected)"),
        (("d=example.com;", "d=example.com; l=99999999999999999999999;"), "l=99999999999999999999999 is larger than any body read"),
        (("d=example.com;", "d=example.com; l=-1;"), "l=-1 is not a number of octets (decimal digits expected)"),
        (("d=example.com;", "d=example.com; t=200; x=100;"), "x=100 is not after t=200 (the expiry must follow the signing time, section 3.5)"),
        (("d=example.com;", "d=example.com; x=soon;"), "x=soon is not a time (seconds since 1970, decimal digits expected)"),
        (("d=example.com;", "d=example.com; q=http/well-known;"), "q=http/well-known names no query method known (dns/txt expected)"),
        (("d=example.com;", "d=example.com; d=example.org;"), "tag d= appears twice"),
        (("\tbh=", "\tbh=!!; x2="), "bh= is not valid base64 (2 characters: !!)"),
    ]

    @Test(arguments: syntaxErrors)
    func syntaxErrorsNameTheTag(_ row: (edit: (String, String), message: String)) async throws {
        let signed = try TestSigner(key: TestSigner.ed25519).sign(Self.message)
        let broken = signed.replacingOccurrences(of: row.edit.0, with: row.edit.1)
        #expect(broken != signed, "the edit \(row.edit) must change the field")
        let keys = Self.keys(TestSigner.ed25519)
        #expect(try await verdict(broken, keys) == .fail(.syntaxError(DKIMSyntaxError(row.message))))
        #expect(keys.asked.withLock { $0 }.isEmpty, "no key is fetched for a field that does not parse")
    }

    @Test func boundsOnTheField() {
        let many = (0..<65).map { "x\($0)" }.joined(separator: ":")
        let base = "v=1; a=rsa-sha256; d=example.com; s=s; bh=AAAA; b=AAAA; h=from:"
        #expect(DKIMSignature.parse(base + many) == .failure(DKIMSyntaxError("h= names 66 header fields; at most 64 are read")))
        let long = base + "to; z=" + String(repeating: "a", count: 17_000)
        #expect(DKIMSignature.parse(long) == .failure(DKIMSyntaxError("the field is \(long.utf8.count) bytes long; at most 16384 are read")))
        let parsed = try? DKIMSignature.parse(base + "to; t=1; x=99999999999999999").get()
        #expect(parsed?.expiration == .max && parsed?.headerCanonicalization == .simple && parsed?.bodyCanonicalization == .simple)
        #expect(parsed?.identity == "@example.com" && parsed?.keyName == "s._domainkey.example.com")
    }

    // MARK: Repeated fields, alignment, limits

    /// h= naming a field twice signs its two lowest instances; a third instance added on top is not signed, but
    /// one added at the bottom displaces what was signed.
    @Test func repeatedHeadersAreChosenBottomUp() async throws {
        let twice = Self.crlf(["Received: from a by b", "Received: from c by d", "From: ada@example.com", "", "hi"])
        let signed = try TestSigner(key: TestSigner.ed25519, headers: ["from", "received", "received"]).sign(twice)
        let keys = Self.keys(TestSigner.ed25519)
        #expect(try await verdict(signed, keys) == .pass)
        let onTop = signed.replacingOccurrences(of: "Received: from a", with: "Received: from new by top\r\nReceived: from a")
        #expect(try await verdict(onTop, keys) == .pass, "a field above those signed is not covered")
        let below = signed.replacingOccurrences(of: "From: ada", with: "Received: from new by bottom\r\nFrom: ada")
        #expect(try await verdict(below, keys) == .fail(.headersChanged))
        let swapped = signed.replacingOccurrences(of: "from a by b", with: "from X").replacingOccurrences(of: "from c by d", with: "from a by b")
            .replacingOccurrences(of: "from X", with: "from c by d")
        #expect(try await verdict(swapped, keys) == .fail(.headersChanged), "order of instances matters")
        let missing = try TestSigner(key: TestSigner.ed25519, headers: ["from", "reply-to", "cc"]).sign(Self.message)
        #expect(try await verdict(missing, keys) == .pass, "names with no instance contribute nothing")
        #expect(try await verdict(missing.replacingOccurrences(of: "Subject:", with: "Cc: x@example.net\r\nSubject:"), keys)
            == .fail(.headersChanged), "but adding one later breaks the signature")
    }

    @Test func alignmentStrictRelaxedAndUnknown() async throws {
        let key = TestSigner.ed25519
        let signed = try TestSigner(key: key, domain: "mail.example.com").sign(Self.message)
        let keys = Self.keys(key, name: "s1._domainkey.mail.example.com")
        let org = try DomainName("example.com")
        let mail = try DomainName("mail.example.com")
        let relaxed = try #require(try await results(signed, keys, fromDomain: "example.com", organizationalDomains: [org: org, mail: org]).first)
        #expect(relaxed.verdict == .pass)
        #expect(relaxed.alignment == DKIMAlignment(signingDomain: mail, fromDomain: org, organizationalDomains: [org: org, mail: org]))
        #expect(relaxed.alignment?.strict == false && relaxed.alignment?.relaxed == true)
        let unknown = try #require(try await results(signed, keys, fromDomain: "example.com").first)
        #expect(unknown.alignment?.strict == false && unknown.alignment?.relaxed == nil)
        let other = try DomainName("example.net")
        let foreign = try #require(try await results(signed, keys, fromDomain: "example.net", organizationalDomains: [other: other, mail: org]).first)
        #expect(foreign.alignment?.relaxed == false)
        #expect(try await results(signed, keys).first?.alignment == nil)
    }

    @Test func atMostTenSignaturesAreVerified() async throws {
        var signed = Self.message
        for _ in 0..<12 { signed = try TestSigner(key: TestSigner.ed25519).sign(signed) }
        let keys = Self.keys(TestSigner.ed25519)
        let verification = try await keys.verifier().verify(Array(signed.utf8))
        #expect(verification.results.count == 10 && verification.unverified == 2)
        #expect(verification.results.allSatisfy { $0.verdict == .pass })
        #expect(keys.asked.withLock { $0.count } == 10)
    }

    @Test func aMessageOverTheLimitIsRefused() async throws {
        let verifier = DKIMVerifier(now: Self.now, maximumMessageBytes: 100) { _, _ in .absent }
        await #expect(throws: DKIMSyntaxError("the message is 101 bytes long; at most 100 are verified")) {
            try await verifier.verify(Array(repeating: 0x41, count: 101))
        }
    }
}
