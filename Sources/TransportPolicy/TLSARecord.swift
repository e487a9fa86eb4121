/// A TLSA record (RFC 6698 section 2.1) as DANE for SMTP reads it (RFC 7672 section 3.1): certificate usage,
/// selector, matching type and the certificate association data, parsed from the wire rdata.
public struct TLSARecord: Sendable, Hashable {
    public var usage: UInt8
    public var selector: UInt8
    public var matchingType: UInt8
    public var data: [UInt8]

    /// The longest association data kept: a full certificate (matching type 0) rarely passes a few KiB; DNS
    /// bounds rdata at 65535 octets anyway.
    public static let maximumDataBytes = 16384

    /// Parses wire rdata; an error says what is wrong with it.
    public static func parse(_ rdata: [UInt8]) -> Result<TLSARecord, PolicySyntaxError> {
        guard rdata.count >= 4 else {
            return .failure(PolicySyntaxError("the TLSA rdata is \(rdata.count) octets: expected usage, selector, matching type and data"))
        }
        let data = Array(rdata.dropFirst(3))
        guard data.count <= maximumDataBytes else {
            return .failure(PolicySyntaxError("the TLSA association data is \(data.count) octets, more than \(maximumDataBytes)"))
        }
        let record = TLSARecord(usage: rdata[0], selector: rdata[1], matchingType: rdata[2], data: data)
        // RFC 6698 section 2.1.3: SHA-256 and SHA-512 digests have fixed lengths.
        if record.matchingType == 1, data.count != 32 {
            return .failure(PolicySyntaxError("matching type 1 (SHA-256) needs 32 octets of data, found \(data.count)"))
        }
        if record.matchingType == 2, data.count != 64 {
            return .failure(PolicySyntaxError("matching type 2 (SHA-512) needs 64 octets of data, found \(data.count)"))
        }
        return .success(record)
    }

    /// Why an SMTP client will not use this record (RFC 7672 section 3.1); empty when it will.
    public var problems: [String] {
        var found: [String] = []
        switch usage {
        case 0, 1:
            found.append("usage \(usage) (\(usage == 0 ? "PKIX-TA" : "PKIX-EE")) is not for SMTP: RFC 7672 section 3.1.3 "
                         + "tells senders to treat it as unusable; publish usage 3 (DANE-EE) or 2 (DANE-TA)")
        case 2, 3: break
        default: found.append("usage \(usage) is not defined (expected 2 or 3)")
        }
        if selector > 1 { found.append("selector \(selector) is not defined (expected 0 or 1)") }
        if matchingType > 2 { found.append("matching type \(matchingType) is not defined (expected 0, 1 or 2)") }
        return found
    }

    public var isUsable: Bool { problems.isEmpty }

    /// `3 1 1 0a1b...` as in a zone file (data in lower-case hex, cut after 64 digits).
    public var text: String {
        let hex = data.prefix(32).map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
        }.joined()
        return "\(usage) \(selector) \(matchingType) \(hex)\(data.count > 32 ? "..." : "")"
    }
}
