import _CryptoExtras
import Crypto
import DKIM
import Foundation
import Testing

@Suite struct KeyRecordTests {
    static func rsaRecord(bits: Int, extra: String = "") throws -> (String, _RSA.Signing.PrivateKey) {
        let key = try _RSA.Signing.PrivateKey(unsafeKeySize: .init(bitCount: bits))
        return ("v=DKIM1; k=rsa;\(extra) p=\(key.publicKey.derRepresentation.base64EncodedString())", key)
    }

    func parsed(_ text: String) throws -> DKIMKeyRecord {
        try DKIMKeyRecord.parse(text).get()
    }

    @Test(arguments: [1024, 2048, 3072])
    func rsaKeySizesAreReadFromTheSubjectPublicKeyInfo(bits: Int) throws {
        let (text, _) = try Self.rsaRecord(bits: bits)
        let record = try parsed(text)
        #expect(record.keyType == .rsa)
        #expect(record.publicKey?.algorithm == .rsa)
        #expect(record.publicKey?.bits == bits)
        #expect(record.publicKey?.fingerprint.hasPrefix("sha256:") == true)
        #expect(record.publicKey?.fingerprint.count == 7 + 64)
        #expect(!record.isRevoked && !record.isTesting && !record.isSHA1Only && record.allowsEmail)
    }

    @Test func aBarePKCS1KeyIsAcceptedAndWrapped() throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let spki = [UInt8](key.publicKey.derRepresentation)
        let pkcs1 = [UInt8](key.publicKey.pkcs1DERRepresentation)
        let record = try parsed("p=" + Data(pkcs1).base64EncodedString())
        #expect(record.publicKey?.bits == 2048)
        #expect(record.publicKey?.material == spki)
    }

    @Test func ed25519KeysAreTheRawThirtyTwoBytes() throws {
        let key = Curve25519.Signing.PrivateKey()
        let record = try parsed("v=DKIM1; k=ed25519; p=\(key.publicKey.rawRepresentation.base64EncodedString())")
        #expect(record.keyType == .ed25519)
        #expect(record.publicKey?.bits == 256)
        #expect(record.publicKey?.material == [UInt8](key.publicKey.rawRepresentation))
        let short = try parsed("k=ed25519; p=" + Data(repeating: 1, count: 31).base64EncodedString())
        #expect(short.publicKey == nil)
        #expect(short.keyProblem?.contains("32 bytes") == true)
    }

    @Test func foldedBase64AndFlagsAndHashes() throws {
        let (text, _) = try Self.rsaRecord(bits: 1024, extra: " h=sha1; t=y:s; s=email; n=a note;")
        var folded = text
        let p = folded.range(of: "p=")!.upperBound
        folded.insert(contentsOf: " \r\n\t", at: folded.index(p, offsetBy: 20))
        let record = try parsed(folded)
        #expect(record.publicKey?.bits == 1024)
        #expect(record.isSHA1Only && record.isTesting)
        #expect(record.flags == ["y", "s"])
        #expect(record.notes == "a note")
        #expect(try parsed("h=sha1:sha256; p=").isSHA1Only == false)
    }

    @Test func anEmptyKeyIsRevoked() throws {
        let record = try parsed("v=DKIM1; p=")
        #expect(record.isRevoked && record.publicKey == nil && record.keyProblem == nil)
    }

    @Test func serviceTypesWithoutEmail() throws {
        #expect(try parsed("s=other; p=").allowsEmail == false)
        #expect(try parsed("s=*; p=").allowsEmail)
    }

    @Test(arguments: [
        ("v=DKIM1; k=rsa", "no p= tag"),
        ("k=rsa; v=DKIM1; p=", "must be the first tag"),
        ("v=DKIM2; p=", "is not DKIM1"),
        ("v=DKIM1; p=abc$", "not valid base64"),
        ("v=DKIM1; p=; p=", "appears twice"),
        ("v=DKIM1;; p=", "empty tag"),
        ("v=DKIM1; p", "has no '='"),
        ("v=DKIM1; 1k=rsa; p=", "is not a tag name"),
    ])
    func syntaxErrorsSayWhatIsWrong(text: String, expected: String) {
        guard case .failure(let error) = DKIMKeyRecord.parse(text) else {
            Issue.record("\(text) parsed"); return
        }
        #expect(error.message.contains(expected), "\(error.message)")
    }

    @Test func unusableKeysAreKeptWithTheirProblem() throws {
        let garbage = try parsed("p=" + Data([0x30, 0x03, 0x02, 0x01, 0x05]).base64EncodedString())
        #expect(garbage.publicKey == nil && garbage.keyProblem != nil)
        let unknown = try parsed("k=dsa; p=AAAA")
        #expect(unknown.keyType == .other("dsa"))
        #expect(unknown.keyProblem?.contains("not a key type") == true)
        // An EC key in SubjectPublicKeyInfo is not an RSA key.
        let ec = P256.Signing.PrivateKey().publicKey.derRepresentation.base64EncodedString()
        #expect(try parsed("p=\(ec)").keyProblem?.contains("not rsaEncryption") == true)
    }

    @Test func aTooLongRecordIsRefused() {
        let text = "p=" + String(repeating: "A", count: DKIMKeyRecord.maximumLength)
        guard case .failure(let error) = DKIMKeyRecord.parse(text) else { Issue.record("parsed"); return }
        #expect(error.message.contains("at most"))
    }

    @Test func hostileBytesNeverCrashTheKeyReader() {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<300 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = DKIMPublicKey.read(bytes, type: .rsa)
            _ = DKIMPublicKey.read([0x30, 0x82] + bytes, type: .rsa)
        }
    }
}
