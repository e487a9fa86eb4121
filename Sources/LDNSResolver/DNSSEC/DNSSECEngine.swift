import CLDNS
import DNSCore
import Foundation

/// Validates on one worker thread, with its own libldns resolver (DO and CD set, EDNS0 4096, TCP when an
/// answer is truncated): never shared, as `LDNSQueryEngine` explains. What it learns (validated key sets,
/// insecure delegations) goes into the validator's shared cache as text and Swift values, so other threads
/// reuse it within the run.
final class DNSSECEngine {
    private let resolver: UnsafeMutablePointer<ldns_resolver>
    private let cache: DNSSECCache
    private let anchors: DNSSECTrustAnchors
    /// Queries one validation may send; a chain longer than this is hostile.
    static let maximumQueries = 40
    private var budget = 0
    /// Answers this thread has read in the run (DS and DNSKEY sets are asked for by many names), by `owner type`.
    private var responses: [String: Result<SignedResponse, FetchFailure>] = [:]
    static let maximumResponses = 4096
    private(set) var queriesSent = 0

    init?(configuration: LDNSConfiguration, anchors: DNSSECTrustAnchors, cache: DNSSECCache) {
        guard let server = configuration.nameservers.first, let resolver = ldns_resolver_new() else { return nil }
        let rdfType = server.address.isIPv4 ? LDNS_RDF_TYPE_A : LDNS_RDF_TYPE_AAAA
        guard let address = ldns_rdf_new_frm_str(rdfType, server.address.description) else {
            ldns_resolver_deep_free(resolver); return nil
        }
        defer { ldns_rdf_deep_free(address) }
        for other in configuration.nameservers.dropFirst() {
            if let extra = ldns_rdf_new_frm_str(other.address.isIPv4 ? LDNS_RDF_TYPE_A : LDNS_RDF_TYPE_AAAA, other.address.description) {
                defer { ldns_rdf_deep_free(extra) }
                // Only nameservers on the first one's port can be added: libldns keeps one port per resolver.
                if other.port == server.port { _ = ldns_resolver_push_nameserver(resolver, extra) }
            }
        }
        guard ldns_resolver_push_nameserver(resolver, address) == LDNS_STATUS_OK else {
            ldns_resolver_deep_free(resolver); return nil
        }
        let seconds = configuration.timeout.rounded(.down)
        ldns_resolver_set_timeout(resolver, timeval(tv_sec: Int(seconds), tv_usec: Int((configuration.timeout - seconds) * 1_000_000)))
        ldns_resolver_set_retry(resolver, UInt8(min(max(configuration.retries + 1, 1), 10)))
        ldns_resolver_set_port(resolver, server.port)
        ldns_resolver_set_recursive(resolver, true)
        ldns_resolver_set_dnssec(resolver, true)
        ldns_resolver_set_dnssec_cd(resolver, true)
        ldns_resolver_set_random(resolver, false)
        ldns_resolver_set_edns_udp_size(resolver, 4096)
        ldns_resolver_set_fallback(resolver, true)
        self.resolver = resolver
        self.anchors = anchors
        self.cache = cache
    }

    deinit { ldns_resolver_deep_free(resolver) }

    /// The status of `name`/`type` at `now`.
    func status(_ name: DomainName, _ type: DNSRecordType, now: Int64) -> DNSSECStatus {
        budget = Self.maximumQueries
        let owner = Self.absolute(name.text)
        if let cut = cache.insecureCut(covering: owner) { return .insecure }
        switch fetch(owner, ldns_rr_type(rawValue: UInt32(type.rawValue))) {
        case .failure(let failure): return .indeterminate(failure.cause)
        case .success(let response):
            if response.rrset.count > 0 {
                if response.signatures.count == 0 { return unsigned(owner, now: now, negative: false) }
                return verify(response.rrset, response.signatures, now: now)
            }
            if response.denialSignatures.count == 0 { return unsigned(owner, now: now, negative: true) }
            return denial(response, owner: owner, type: ldns_rr_type(rawValue: UInt32(type.rawValue)), now: now)
        }
    }

    /// True when `name` equals `zone` or lies below it (both lower-case, with the trailing dot).
    static func isAtOrBelow(_ name: String, _ zone: String) -> Bool {
        zone == "." || name == zone || name.hasSuffix("." + zone)
    }

    static func absolute(_ text: String) -> String { text.hasSuffix(".") ? text.lowercased() : text.lowercased() + "." }

    static func parent(_ name: String) -> String? {
        guard name != "." else { return nil }
        guard let dot = name.firstIndex(of: ".") else { return "." }
        let rest = String(name[name.index(after: dot)...])
        return rest.isEmpty ? "." : rest
    }

    // MARK: queries

    private func fetch(_ owner: String, _ type: ldns_rr_type) -> Result<SignedResponse, FetchFailure> {
        let key = "\(owner) \(type.rawValue)"
        if let cached = responses[key] { return cached }
        guard budget > 0 else { return .failure(FetchFailure(cause: "the chain of trust needs more than \(Self.maximumQueries) queries")) }
        budget -= 1
        queriesSent += 1
        guard let rdf = ldns_dname_new_frm_str(owner) else { return .failure(FetchFailure(cause: "libldns cannot encode \(owner)")) }
        defer { ldns_rdf_deep_free(rdf) }
        ldns_resolver_set_nameserver_rtt(resolver, 0, Int(LDNS_RESOLV_RTT_MIN))
        var packet: UnsafeMutablePointer<ldns_pkt>?
        let status = ldns_resolver_send(&packet, resolver, rdf, type, LDNS_RR_CLASS_IN, UInt16(LDNS_RD))
        defer { if let packet { ldns_pkt_free(packet) } }
        let result: Result<SignedResponse, FetchFailure>
        if status == LDNS_STATUS_OK, let packet {
            let response = SignedResponse(packet, type: type)
            result = response.rcode == 0 || response.rcode == 3 ? .success(response)
                : .failure(FetchFailure(cause: "\(owner) \(Self.typeText(type)): the server answered RCODE \(response.rcode)"))
        } else {
            let text = ldns_get_errorstr_by_id(status).map { String(cString: $0) } ?? "status \(status.rawValue)"
            result = .failure(FetchFailure(cause: "no answer for \(owner) \(Self.typeText(type)) (\(text))"))
        }
        // Failures are remembered too: a silent link of the chain (a DS or DNSKEY every name needs) costs one
        // timeout per thread and run, not one per name. The statuses it leaves are indeterminate, never findings.
        if responses.count >= Self.maximumResponses { responses.removeAll(keepingCapacity: true) }
        responses[key] = result
        return result
    }

    static func typeText(_ type: ldns_rr_type) -> String {
        switch type {
        case LDNS_RR_TYPE_DS: "DS"
        case LDNS_RR_TYPE_DNSKEY: "DNSKEY"
        default: DNSRecordType(rawValue: UInt16(truncatingIfNeeded: type.rawValue)).description
        }
    }

    // MARK: signatures

    /// An RRset and its signatures, checked with the signer's trusted keys.
    private func verify(_ rrset: OwnedRRList, _ signatures: OwnedRRList, now: Int64) -> DNSSECStatus {
        var worst: ldns_status = LDNS_STATUS_CRYPTO_NO_RRSIG
        var signerName = "."
        let owner = rrset.records.first.flatMap { ldns_rr_owner($0) }.flatMap(DNSSECRecords.nameText) ?? ""
        for rrsig in signatures.records {
            guard let signer = ldns_rr_rrsig_signame(rrsig).flatMap(DNSSECRecords.nameText) else { continue }
            // RFC 4035 section 5.3.1: the signer is the zone holding the RRset, so the owner lies at or below it.
            guard Self.isAtOrBelow(owner, signer) else { continue }
            signerName = signer
            let keys: DNSSECCache.KeySet
            switch trustedKeys(signer, now: now) {
            case .failure(let stop): return stop.status
            case .success(let found): keys = found
            }
            let list = OwnedRRList(texts: keys.texts)
            let status = ldns_verify_rrsig_keylist_time(rrset.list, rrsig, list.list, time_t(now), nil)
            if status == LDNS_STATUS_OK {
                let expires = min(DNSSECRecords.expiration(rrsig, now: now) ?? Int64.max, keys.expires)
                return .secure(signer: signer, expires: expires)
            }
            worst = status
        }
        return Self.bogus(worst, signer: signerName)
    }

    static func bogus(_ status: ldns_status, signer: String) -> DNSSECStatus {
        let text = ldns_get_errorstr_by_id(status).map { String(cString: $0) } ?? "status \(status.rawValue)"
        switch status {
        case LDNS_STATUS_CRYPTO_SIG_EXPIRED: return .bogus(.signatureExpired, detail: "the signature by \(signer) has expired")
        case LDNS_STATUS_CRYPTO_SIG_NOT_INCEPTED: return .bogus(.signatureNotYetValid, detail: "the signature by \(signer) is not valid yet")
        case LDNS_STATUS_CRYPTO_NO_MATCHING_KEYTAG_DNSKEY, LDNS_STATUS_CRYPTO_NO_DNSKEY, LDNS_STATUS_CRYPTO_NO_TRUSTED_DNSKEY:
            return .bogus(.missingDNSKEY, detail: "no trusted DNSKEY of \(signer) made the signature (\(text))")
        case LDNS_STATUS_CRYPTO_NO_RRSIG: return .bogus(.missingSignature, detail: "no signature by \(signer)")
        default: return .bogus(.badSignature, detail: "the signature by \(signer) does not verify (\(text))")
        }
    }

    /// The zone's DNSKEY set, validated from an anchor or from the parent's validated DS set.
    func trustedKeys(_ zone: String, now: Int64) -> Result<DNSSECCache.KeySet, DNSSECStop> {
        if let cached = cache.keys(zone) { return cached }
        let result = validateKeys(zone, now: now)
        cache.storeKeys(zone, result)
        return result
    }

    private func validateKeys(_ zone: String, now: Int64) -> Result<DNSSECCache.KeySet, DNSSECStop> {
        let dnskeys: SignedResponse
        switch fetch(zone, LDNS_RR_TYPE_DNSKEY) {
        case .failure(let failure): return .failure(DNSSECStop(.indeterminate(failure.cause)))
        case .success(let response): dnskeys = response
        }
        guard dnskeys.rrset.count > 0 else { return .failure(DNSSECStop(.bogus(.missingDNSKEY, detail: "\(zone) publishes no DNSKEY"))) }
        var trusted: [UnsafeMutablePointer<ldns_rr>] = []
        var chainExpires = Int64.max
        let anchorList = OwnedRRList(texts: anchors.records)
        let zoneAnchors = anchorList.records.filter { ldns_rr_owner($0).flatMap(DNSSECRecords.nameText) == zone }
        if !zoneAnchors.isEmpty {
            for key in dnskeys.rrset.records where zoneAnchors.contains(where: { Self.matches(key, $0) }) { trusted.append(key) }
            guard !trusted.isEmpty else {
                return .failure(DNSSECStop(.bogus(.dsMismatch, detail: "no DNSKEY of \(zone) matches the trust anchor")))
            }
        } else {
            let ds: SignedResponse
            switch fetch(zone, LDNS_RR_TYPE_DS) {
            case .failure(let failure): return .failure(DNSSECStop(.indeterminate(failure.cause)))
            case .success(let response): ds = response
            }
            guard ds.rrset.count > 0 else {
                // Signed, but no DS: an island of security; validators treat it as the parent's denial says.
                return .failure(DNSSECStop(unsigned(zone, now: now, negative: true)))
            }
            switch verify(ds.rrset, ds.signatures, now: now) {
            case .secure(_, let expires): chainExpires = expires
            case let other: return .failure(DNSSECStop(other))
            }
            for key in dnskeys.rrset.records where ds.rrset.records.contains(where: { ldns_rr_compare_ds(key, $0) }) {
                trusted.append(key)
            }
            guard !trusted.isEmpty else {
                let tags = ds.rrset.records.compactMap { DNSSECRecords.text($0)?.split(separator: "\t").last.map(String.init) }
                return .failure(DNSSECStop(.bogus(.dsMismatch, detail: "the DS records of \(zone) at its parent match none of its DNSKEYs"
                                       + (tags.isEmpty ? "" : " (DS \(tags.prefix(3).joined(separator: ", ")))"))))
            }
        }
        let trustedList = OwnedRRList(cloning: trusted)
        var worst: ldns_status = LDNS_STATUS_CRYPTO_NO_RRSIG
        for rrsig in dnskeys.signatures.records {
            let status = ldns_verify_rrsig_keylist_time(dnskeys.rrset.list, rrsig, trustedList.list, time_t(now), nil)
            if status == LDNS_STATUS_OK {
                let expires = min(chainExpires, DNSSECRecords.expiration(rrsig, now: now) ?? Int64.max)
                return .success(DNSSECCache.KeySet(texts: dnskeys.rrset.texts, expires: expires))
            }
            worst = status
        }
        return .failure(DNSSECStop(Self.bogus(worst, signer: zone)))
    }

    /// A DNSKEY matches an anchor that is the same key, or the DS of it.
    static func matches(_ key: UnsafeMutablePointer<ldns_rr>, _ anchor: UnsafeMutablePointer<ldns_rr>) -> Bool {
        if ldns_rr_get_type(anchor) == LDNS_RR_TYPE_DS { return ldns_rr_compare_ds(key, anchor) }
        return ldns_rr_compare(key, anchor) == 0
    }

    // MARK: denial and unsigned answers

    /// A signed denial: the NSEC/NSEC3 records verified with their signer's keys, then shown to deny the name/type.
    private func denial(_ response: SignedResponse, owner: String, type: ldns_rr_type, now: Int64) -> DNSSECStatus {
        var first: DNSSECStatus?
        for record in response.denial.records {
            let single = OwnedRRList(cloning: [record])
            let sigs = response.denialSignatures.records.filter {
                ldns_rr_owner($0).flatMap(DNSSECRecords.nameText) == ldns_rr_owner(record).flatMap(DNSSECRecords.nameText)
            }
            let status = verify(single, OwnedRRList(cloning: sigs), now: now)
            guard case .secure = status else { return status }
            if first == nil { first = status }
        }
        guard let question = Self.question(owner, type) else { return .indeterminate("libldns cannot encode \(owner)") }
        defer { ldns_rr_free(question) }
        let proven: ldns_status
        if response.usesNSEC3 {
            proven = ldns_dnssec_verify_denial_nsec3(question, response.denial.list, response.denialSignatures.list,
                                                     ldns_pkt_rcode(rawValue: UInt32(response.rcode)), type, response.rcode == 0)
        } else {
            proven = ldns_dnssec_verify_denial(question, response.denial.list, response.denialSignatures.list)
        }
        guard proven == LDNS_STATUS_OK else {
            let text = ldns_get_errorstr_by_id(proven).map { String(cString: $0) } ?? "status \(proven.rawValue)"
            return .bogus(.badDenial, detail: "the NSEC records do not prove that \(owner) \(Self.typeText(type)) does not exist (\(text))")
        }
        return first ?? .indeterminate("no denial record")
    }

    static func question(_ owner: String, _ type: ldns_rr_type) -> UnsafeMutablePointer<ldns_rr>? {
        guard let rr = ldns_rr_new(), let rdf = ldns_dname_new_frm_str(owner) else { return nil }
        ldns_rr_set_owner(rr, rdf)
        ldns_rr_set_type(rr, type)
        ldns_rr_set_class(rr, LDNS_RR_CLASS_IN)
        ldns_rr_set_question(rr, true)
        return rr
    }

    /// An answer without signatures: insecure when a signed denial of DS shows an unsigned delegation between
    /// the closest secure zone above and the name; bogus when the name lies in a signed zone.
    private func unsigned(_ owner: String, now: Int64, negative: Bool) -> DNSSECStatus {
        // Bottom up to the closest name with a DS set or an anchor: that zone is signed.
        var below: [(String, SignedResponse)] = []
        var current: String? = owner
        var secureZone: String?
        while let name = current {
            if anchors.owners.contains(name) { secureZone = name; break }
            switch fetch(name, LDNS_RR_TYPE_DS) {
            case .failure(let failure): return .indeterminate(failure.cause)
            case .success(let response):
                if response.rrset.count > 0 && ldns_rr_get_type(response.rrset.records[0]) == LDNS_RR_TYPE_DS {
                    secureZone = name
                    current = nil
                    continue
                }
                below.append((name, response))
            }
            current = Self.parent(name)
        }
        guard let secureZone else { return .insecure }
        // Top down from there: the first delegation whose DS is denied, with a valid proof, is where signing stops.
        // A level without such a proof (unsigned, or not proving) leaves the name inside the signed zone.
        var unproven: String?
        for (name, response) in below.reversed() {
            guard response.denialSignatures.count > 0, response.denial.count > 0 else {
                unproven = "the denial of a DS at \(name) is unsigned"
                break
            }
            switch denial(response, owner: name, type: LDNS_RR_TYPE_DS, now: now) {
            case .secure: break
            case .indeterminate(let cause): return .indeterminate(cause)
            case .bogus(_, let detail):
                unproven = detail
            case .insecure: break
            }
            if unproven != nil { break }
            if Self.isDelegation(response, name) {
                cache.storeInsecureCut(name)
                return .insecure
            }
        }
        return .bogus(negative ? .badDenial : .missingSignature, detail: "\(owner) lies in the signed zone \(secureZone) but its "
                      + (negative ? "denial" : "answer") + " carries no signature" + (unproven.map { " (\($0))" } ?? ""))
    }

    /// True when the denial shows `name` as a delegation (NS without DS in the NSEC bitmap), or NSEC3 opt-out.
    static func isDelegation(_ response: SignedResponse, _ name: String) -> Bool {
        if response.usesNSEC3 {
            for record in response.denial.records {
                if let flags = ldns_rr_rdf(record, 1), ldns_rdf_size(flags) == 1, let data = ldns_rdf_data(flags), data[0] & 1 == 1 {
                    return true
                }
                if let bitmap = ldns_nsec_get_bitmap(record), ldns_nsec_bitmap_covers_type(bitmap, LDNS_RR_TYPE_NS) { return true }
            }
            return false
        }
        for record in response.denial.records where ldns_rr_owner(record).flatMap(DNSSECRecords.nameText) == name {
            if let bitmap = ldns_nsec_get_bitmap(record) {
                return ldns_nsec_bitmap_covers_type(bitmap, LDNS_RR_TYPE_NS) && !ldns_nsec_bitmap_covers_type(bitmap, LDNS_RR_TYPE_DS)
            }
        }
        return false
    }
}

/// Why a query gave nothing to validate.
struct FetchFailure: Error {
    let cause: String
}

/// A status that ends a validation early (a bogus or indeterminate link of the chain).
struct DNSSECStop: Error, Sendable {
    let status: DNSSECStatus
    init(_ status: DNSSECStatus) { self.status = status }
}
