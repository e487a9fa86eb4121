import DKIM
import Foundation
import TestSupport
import Testing

/// Garbled signature fields and messages: the parser and the verifier answer every one of them with a
/// verdict, never a crash, and never a pass for a field that was changed.
@Suite struct HostileInputTests {
    static let fragments = [
        "v=1", "a=rsa-sha256", "a=ed25519-sha256", "a=rsa-sha1", "b=", "bh=", "b=AAAA", "bh=====", "c=relaxed/",
        "c=/", "d=", "d=.", "d=example.com", "h=", "h=from", "h=::::", "i=@", "i=@@", "l=", "l=0",
        "l=99999999999999999999999999", "t=", "x=0", "x=999999999999999999999", "q=dns", "s=", "s=.", "z=|",
        "=", ";", ";;", "\r\n", "\r\n\t", " ", "\u{0}", "\u{7F}", "é", "v=1; v=1", String(repeating: "h=from:", count: 80),
    ]

    static func randomField(_ random: inout SeededGenerator) -> String {
        (0..<Int.random(in: 0...12, using: &random)).map { _ in fragments.randomElement(using: &random)! }
            .joined(separator: Bool.random(using: &random) ? "; " : ";")
    }

    @Test func randomSignatureFieldsNeverCrashTheParser() {
        var random = SeededGenerator(seed: 6376)
        var parsed = 0
        for _ in 0..<2000 {
            if case .success = DKIMSignature.parse(Self.randomField(&random)) { parsed += 1 }
        }
        // Fragments rarely make every required tag; the parse must still finish for all of them.
        #expect(parsed < 2000)
    }

    @Test func garbledSignedMessagesGetAVerdictNeverAFalsePass() async throws {
        let key = TestSigner.ed25519
        let signed = Array(try TestSigner(key: key).sign(VerifierTests.message).utf8)
        let keys = KeyTable("s1._domainkey.example.com", key.record)
        let verifier = keys.verifier()
        let original = DKIMCanonicalization.relaxed.body(DKIMMessage(signed).body)
        var random = SeededGenerator(seed: 8463)
        for round in 0..<300 {
            var bytes = signed
            for _ in 0..<Int.random(in: 1...6, using: &random) {
                let at = Int.random(in: 0..<max(1, bytes.count), using: &random)
                switch Int.random(in: 0..<4, using: &random) {
                case 0: if at < bytes.count { bytes[at] = UInt8.random(in: 0...255, using: &random) }
                case 1: bytes.insert(contentsOf: Array(Self.fragments.randomElement(using: &random)!.utf8), at: min(at, bytes.count))
                case 2: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...40, using: &random)))
                default: bytes = Array(bytes.prefix(at))
                }
            }
            let verification = try await verifier.verify(bytes)
            #expect(verification.results.count <= 10)
            if verification.results.contains(where: { $0.verdict == .pass }) {
                // A change relaxed canonicalization ignores (whitespace, an unsigned field) may still pass;
                // then the canonical body is the signed one.
                #expect(DKIMCanonicalization.relaxed.body(DKIMMessage(bytes).body) == original, "round \(round)")
            }
        }
    }

    @Test func randomBytesAreReadAsMessages() async throws {
        var random = SeededGenerator(seed: 8301)
        let verifier = KeyTable([:]).verifier()
        for _ in 0..<300 {
            let length = Int.random(in: 0...600, using: &random)
            var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            // Some of them shaped like a header: lines, colons, and a signature field name.
            if Bool.random(using: &random) {
                bytes = Array("DKIM-Signature:".utf8) + bytes.map { $0 % 7 == 0 ? 0x0A : $0 % 11 == 0 ? 0x3A : $0 }
            }
            let verification = try await verifier.verify(bytes)
            #expect(verification.results.allSatisfy { $0.verdict != .pass })
        }
    }

    /// Canonicalizing twice gives what canonicalizing once gives (sections 3.4.2 to 3.4.4 are idempotent).
    @Test func canonicalizationIsIdempotentOnRandomBytes() {
        var random = SeededGenerator(seed: 345)
        let alphabet: [UInt8] = [0x20, 0x09, 0x0D, 0x0A, 0x3A, 0x41, 0x61, 0x7A, 0xFF]
        // Header fields as the message reader makes them: line breaks only as CRLF before a fold.
        let tokens: [[UInt8]] = [[0x20], [0x09], [0x0D, 0x0A, 0x20], [0x3A], [0x41], [0x61], [0xFF]]
        for _ in 0..<1000 {
            let bytes = (0..<Int.random(in: 0...80, using: &random)).map { _ in alphabet.randomElement(using: &random)! }
            for algorithm in DKIMCanonicalization.allCases {
                let body = algorithm.body(bytes)
                #expect(algorithm.body(body) == body, "\(algorithm) body \(bytes)")
            }
            let field = (0..<Int.random(in: 0...30, using: &random)).flatMap { _ in tokens.randomElement(using: &random)! }
            let header = DKIMCanonicalization.relaxed.header(field)
            #expect(DKIMCanonicalization.relaxed.header(header) == header, "relaxed header \(field)")
        }
    }
}
