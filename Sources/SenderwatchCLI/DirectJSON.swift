import Audit

/// The hot documents written without JSONEncoder: one `check --json` entry per domain, one `spf --batch`
/// line per evaluation and one `ingest --json` line per report. The bytes equal the Codable forms (DirectJSONTests compares them); a member added to
/// one of these types must be added here too, in key order.
extension DomainCheckOutput {
    var json: String {
        var w = JSONWriter(capacity: 2048)
        w.beginObject()
        w.field("complete", complete)
        w.key("dkim")
        w.beginArray()
        for key in dkim {
            w.beginObject()
            w.field("cnameTarget", key.cnameTarget)
            w.field("fingerprint", key.fingerprint)
            w.field("keyBits", key.keyBits)
            w.field("keyType", key.keyType)
            w.field("name", key.name)
            w.field("status", key.status)
            w.field("summary", key.summary)
            w.field("verdict", key.verdict)
            w.endObject()
        }
        w.endArray()
        w.key("dmarc")
        w.beginObject()
        w.field("appliedPolicy", dmarc.appliedPolicy)
        w.field("policyDomain", dmarc.policyDomain)
        w.field("record", dmarc.record)
        w.field("status", dmarc.status)
        w.field("verdict", dmarc.verdict)
        w.endObject()
        w.key("dnssec")
        w.beginArray()
        for check in dnssec {
            w.beginObject()
            w.field("answer", check.answer)
            w.field("expires", check.expires)
            w.field("reason", check.reason)
            w.field("role", check.role)
            w.field("status", check.status)
            w.endObject()
        }
        w.endArray()
        w.field("domain", domain)
        w.key("findings")
        w.beginArray()
        for finding in findings { w.finding(finding) }
        w.endArray()
        if let mx {
            w.key("mx")
            w.beginObject()
            w.key("hosts")
            w.beginArray()
            for host in mx.hosts {
                w.beginObject()
                w.strings("addresses", host.addresses)
                w.nullable("cnameTarget", host.cnameTarget)
                w.field("host", host.host)
                w.field("verdict", host.verdict)
                w.endObject()
            }
            w.endArray()
            w.field("implicit", mx.implicit)
            w.field("nullMX", mx.nullMX)
            w.strings("records", mx.records)
            w.field("verdict", mx.verdict)
            w.endObject()
        }
        if let notRead { w.strings("notRead", notRead) }
        w.key("parts")
        w.beginArray()
        for part in parts {
            w.beginObject()
            w.nullable("cause", part.cause)
            w.field("id", part.id)
            w.field("label", part.label)
            w.field("verdict", part.verdict)
            w.endObject()
        }
        w.endArray()
        w.key("senders")
        w.beginArray()
        for sender in senders {
            w.beginObject()
            w.field("ip", sender.ip)
            w.field("mechanism", sender.mechanism)
            w.field("problem", sender.problem)
            w.field("result", sender.result)
            w.field("verdict", sender.verdict)
            w.endObject()
        }
        w.endArray()
        w.key("spf")
        w.beginObject()
        w.field("allQualifier", spf.allQualifier)
        w.field("dnsLookups", spf.dnsLookups)
        w.field("dnsLookupsLowerBound", spf.dnsLookupsLowerBound)
        w.strings("networks", spf.networks)
        w.field("record", spf.record)
        w.field("result", spf.result)
        w.field("verdict", spf.verdict)
        w.field("voidLookups", spf.voidLookups)
        w.endObject()
        w.field("status", status)
        w.endObject()
        return w.text
    }
}

extension SPFCheckOutput {
    /// The `spf --batch` line (no trace).
    var line: String {
        var w = JSONWriter(capacity: 512)
        w.beginObject()
        w.field("dnsLookups", dnsLookups)
        w.field("domain", domain)
        w.field("explanation", explanation)
        w.field("helo", helo)
        w.field("ip", ip)
        w.field("mechanism", mechanism)
        w.field("problem", problem)
        w.field("record", record)
        w.field("result", result)
        w.field("schemaVersion", schemaVersion)
        w.field("sender", sender)
        w.field("verdict", verdict)
        w.field("voidLookups", voidLookups)
        w.endObject()
        return w.text
    }
}

extension JSONWriter {
    /// A finding as its synthesized Codable form writes it.
    mutating func finding(_ f: Finding) {
        beginObject()
        field("domain", f.domain)
        dictionary("evidence", f.evidence)
        field("fix", f.fix)
        field("kind", f.kind.rawValue)
        field("message", f.message)
        field("severity", f.severity.rawValue)
        field("subject", f.subject)
        endObject()
    }
}

extension IngestLine {
    var json: String {
        var w = JSONWriter(capacity: 512)
        w.beginObject()
        w.nullable("digest", digest)
        w.nullable("domain", domain)
        w.nullable("error", error)
        w.field("file", file)
        w.field("kind", kind)
        w.nullable("location", location)
        w.nullable("messages", messages)
        w.nullable("orgName", orgName)
        w.nullable("records", records)
        w.nullable("reportId", reportId)
        w.field("schemaVersion", schemaVersion)
        w.field("status", status)
        w.nullable("storedDigest", storedDigest)
        w.strings("warnings", warnings)
        w.endObject()
        return w.text
    }
}
