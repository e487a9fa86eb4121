import _CryptoExtras
import Crypto
import DKIM
import Foundation
import Testing

/// `headers` verifies DKIM through the binary: a message signed here with a generated RSA-2048 key, the key
/// published in a zone file given with --zone, and the verdict of each signature in text and in --json.
@Suite struct HeadersDKIMTests {
    typealias Workspace = ObservedCommandTests.Workspace

    static let key = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
    static var publicKey: String { key.publicKey.derRepresentation.base64EncodedString() }

    /// The zone: SPF for the relay, a DMARC record, the key under selector `good` (split into strings of at
    /// most 255 octets, as TXT needs), a revoked key under `revoked`, and nothing under `gone`.
    static var zone: String {
        let record = "v=DKIM1; k=rsa; p=" + publicKey
        let strings = stride(from: 0, to: record.count, by: 200).map { start -> String in
            let from = record.index(record.startIndex, offsetBy: start)
            let to = record.index(from, offsetBy: min(200, record.count - start))
            return "\"\(record[from..<to])\""
        }
        return """
            $ORIGIN dkimtest.example.
            $TTL 3600
            @        IN SOA ns1 hostmaster 2026120201 7200 900 1209600 300
            @        IN NS  ns1
            ns1      IN A   192.0.2.53
            @        IN TXT "v=spf1 ip4:192.0.2.10 -all"
            _dmarc   IN TXT "v=DMARC1; p=reject"
            good._domainkey    IN TXT \(strings.joined(separator: " "))
            revoked._domainkey IN TXT "v=DKIM1; k=rsa; p="

            """
    }

    static func message(from: String = "billing@dkimtest.example") -> String {
        ["From: Billing <\(from)>", "To: ap@customer.example", "Subject: Invoice 7", "Message-ID: <inv-7@dkimtest.example>",
         "", "Your invoice 7 is attached.", ""].map { $0 + "\r\n" }.joined()
    }

    /// What a signer writes on top of `message` for `selector`: relaxed/relaxed, RSA-SHA256.
    static func sign(_ message: String, selector: String) throws -> String {
        let body = DKIMCanonicalization.relaxed.body(DKIMMessage(Array(message.utf8)).body)
        let bodyHash = Data(SHA256.hash(data: body)).base64EncodedString()
        let field = "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=dkimtest.example; s=\(selector);\r\n"
            + "\th=from:to:subject:message-id; bh=\(bodyHash);\r\n\tb="
        let unsigned = DKIMMessage(Array((field + "\r\n" + message).utf8))
        let data = DKIMVerifier.headerData(signedHeaders: ["from", "to", "subject", "message-id"], canonicalization: .relaxed,
                                           signatureField: unsigned.fields[0], at: 0, in: unsigned)
        let signature = try key.signature(for: SHA256.hash(data: data), padding: .insecurePKCS1v1_5)
        return field + signature.rawRepresentation.base64EncodedString() + "\r\n" + message
    }

    /// The receiver's Received-SPF, added above the signatures when the message arrived.
    static func received(_ signed: String) -> String {
        "Received-SPF: pass (mx.customer.example: domain of dkimtest.example designates 192.0.2.10 as permitted sender) "
            + "client-ip=192.0.2.10;\r\nReturn-Path: <billing@dkimtest.example>\r\n" + signed
    }

    func run(_ ws: Workspace, _ zones: String, _ message: String, json: Bool) throws -> CLIRunner.Output {
        try ws.run(["headers", "-", "--zone", zones] + (json ? ["--json"] : []), stdin: message)
    }

    func dkim(_ output: CLIRunner.Output) throws -> [[String: Any]] {
        try #require(try output.json()["dkim"] as? [[String: Any]], "\(output.stdout)")
    }

    @Test func goodMissingAndRevokedKeys() throws {
        let ws = try Workspace()
        defer { ws.cleanup() }
        let zones = try ws.write("zones/dkimtest.example.zone", Self.zone)
        var signed = Self.message()
        for selector in ["gone", "revoked", "good"] { signed = try Self.sign(signed, selector: selector) }
        let message = Self.received(signed)

        let text = try run(ws, zones, message, json: false)
        #expect(text.status == 0, "SPF passes; DKIM does not change the exit code: \(text.stdout)\(text.stderr)")
        let lines = text.stdout.split(separator: "\n").filter { $0.hasPrefix("DKIM") }.map(String.init)
        #expect(lines == [
            "DKIM d=dkimtest.example s=good rsa-sha256 2048-bit: pass, aligned with From (strict)",
            "DKIM d=dkimtest.example s=revoked rsa-sha256: fail (key revoked: revoked._domainkey.dkimtest.example publishes an empty p=)",
            "DKIM d=dkimtest.example s=gone rsa-sha256: fail (key missing: gone._domainkey.dkimtest.example does not exist or has no TXT record)",
        ], "\(text.stdout)")
        #expect(text.stdout.contains("SPF now:        dkimtest.example designates 192.0.2.10 as a permitted sender"))

        let json = try run(ws, zones, message, json: true)
        #expect(json.status == 0)
        let results = try dkim(json)
        #expect(results.map { $0["selector"] as? String } == ["good", "revoked", "gone"])
        #expect(results.map { $0["result"] as? String } == ["pass", "fail", "fail"])
        #expect(results.map { $0["cause"] as? String } == [nil, "key-revoked", "key-missing"])
        let good = results[0]
        #expect(good["domain"] as? String == "dkimtest.example" && good["algorithm"] as? String == "rsa-sha256")
        #expect(good["keyBits"] as? Int == 2048)
        let fingerprint = "sha256:" + SHA256.hash(data: Self.key.publicKey.derRepresentation).map { String(format: "%02x", $0) }.joined()
        #expect(good["keyFingerprint"] as? String == fingerprint)
        #expect(good["signsPartOfBody"] as? Bool == false && good["keyTesting"] as? Bool == false)
        let alignment = good["alignment"] as? [String: Any]
        #expect(alignment?["strict"] as? Bool == true && alignment?["relaxed"] as? Bool == true
            && alignment?["fromDomain"] as? String == "dkimtest.example", "\(String(describing: alignment))")
        #expect(results[1]["reason"] as? String == "key revoked: revoked._domainkey.dkimtest.example publishes an empty p=")
        #expect(results[2]["keyBits"] is NSNull)
        #expect(try json.json()["dkimNote"] is NSNull)
    }

    @Test func bodyChangedNamesBothHashes() throws {
        let ws = try Workspace()
        defer { ws.cleanup() }
        let zones = try ws.write("zones/dkimtest.example.zone", Self.zone)
        let signed = try Self.sign(Self.message(), selector: "good")
        let message = Self.received(signed).replacingOccurrences(of: "invoice 7", with: "invoice 8")
        let signedHash = Data(SHA256.hash(data: Array("Your invoice 7 is attached.\r\n".utf8))).base64EncodedString()
        let computedHash = Data(SHA256.hash(data: Array("Your invoice 8 is attached.\r\n".utf8))).base64EncodedString()

        let text = try run(ws, zones, message, json: false)
        #expect(text.status == 0)
        #expect(text.stdout.contains("DKIM d=dkimtest.example s=good rsa-sha256 2048-bit: fail (body changed: body hash \(computedHash) != \(signedHash))"),
                "\(text.stdout)")
        let result = try #require(try dkim(try run(ws, zones, message, json: true)).first)
        #expect(result["cause"] as? String == "body-changed")
        #expect(result["bodyHashComputed"] as? String == computedHash && result["bodyHashSigned"] as? String == signedHash)
        #expect(result["bodyOctets"] as? Int == 29)
    }

    /// d= is the parent of the From domain: not strictly aligned, relaxed through the Organizational Domain
    /// DMARC discovery finds in the zone.
    @Test func relaxedAlignmentThroughDMARCDiscovery() throws {
        let ws = try Workspace()
        defer { ws.cleanup() }
        let zones = try ws.write("zones/dkimtest.example.zone", Self.zone)
        // The tree walk asks _dmarc.example too: the parent zone answers it (NXDOMAIN) instead of leaving it unknown.
        _ = try ws.write("zones/example.zone", "$ORIGIN example.\n$TTL 300\n@ IN SOA ns1 h 1 3600 600 86400 60\n@ IN NS ns1\nns1 IN A 192.0.2.1\n")
        let message = Self.received(try Self.sign(Self.message(from: "billing@news.dkimtest.example"), selector: "good"))
        let directory = URL(fileURLWithPath: zones).deletingLastPathComponent().path
        let text = try run(ws, directory, message, json: false)
        #expect(text.stdout.contains("DKIM d=dkimtest.example s=good rsa-sha256 2048-bit: pass, aligned with From news.dkimtest.example (relaxed only)"),
                "\(text.stdout)")
        let alignment = try #require(try dkim(try run(ws, directory, message, json: true)).first?["alignment"] as? [String: Any])
        #expect(alignment["strict"] as? Bool == false && alignment["relaxed"] as? Bool == true)
    }

    /// A message with no DKIM-Signature prints no DKIM line and an empty array: the output of before.
    @Test func noSignatureNoDKIMOutput() throws {
        let ws = try Workspace()
        defer { ws.cleanup() }
        let zones = try ws.write("zones/dkimtest.example.zone", Self.zone)
        let message = Self.received(Self.message())
        let text = try run(ws, zones, message, json: false)
        #expect(!text.stdout.contains("DKIM"), "\(text.stdout)")
        #expect(try dkim(try run(ws, zones, message, json: true)).isEmpty)
    }

    /// Past 16 MiB the message is diagnosed on its headers, and its signatures are said not to be verified.
    @Test func aMessageOver16MiBIsNotVerified() throws {
        let ws = try Workspace()
        defer { ws.cleanup() }
        let zones = try ws.write("zones/dkimtest.example.zone", Self.zone)
        let signed = Self.received(try Self.sign(Self.message(), selector: "good"))
        let big = try ws.write("big.eml", signed + String(repeating: String(repeating: "x", count: 1023) + "\n", count: 16 * 1024 + 1))
        let text = try ws.run(["headers", big, "--zone", zones])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("DKIM: the message is longer than 16 MiB; its DKIM signatures were not verified"), "\(text.stdout)")
        let json = try ws.run(["headers", big, "--zone", zones, "--json"]).json()
        #expect((json["dkim"] as? [Any])?.isEmpty == true)
        #expect((json["dkimNote"] as? String)?.hasPrefix("the message is longer than 16 MiB") == true)
    }
}
