#!/usr/bin/env python3
"""Writes seed inputs for Scripts/fuzz that no fixture holds: reports in every container (gzip, zip with several
entries and a data descriptor, e-mail, mbox) and DNS answers in wire format. Standard library only.
    fuzz_seeds.py containers DIR | mbox DIR | dns DIR
"""
import base64
import gzip
import io
import os
import struct
import sys
import zipfile

REPORT = """<?xml version="1.0" encoding="UTF-8"?>
<feedback><report_metadata><org_name>fuzz.example</org_name><email>r@fuzz.example</email>
<report_id>{id}</report_id><date_range><begin>1700000000</begin><end>1700086399</end></date_range></report_metadata>
<policy_published><domain>example.com</domain><p>reject</p><pct>100</pct></policy_published>
<record><row><source_ip>192.0.2.1</source_ip><count>3</count><policy_evaluated><disposition>none</disposition>
<dkim>pass</dkim><spf>fail</spf></policy_evaluated></row><identifiers><header_from>example.com</header_from>
</identifiers><auth_results><dkim><domain>example.com</domain><result>pass</result></dkim>
<spf><domain>example.net</domain><scope>mfrom</scope><result>softfail</result></spf></auth_results></record>
</feedback>
"""


def report(ident):
    return REPORT.format(id=ident).encode()


def message(attachment, name="report.xml.gz"):
    body = base64.encodebytes(attachment).decode()
    return ("From: dmarc@fuzz.example\r\nSubject: Report domain: example.com\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nreport\r\n"
            f"--b1\r\nContent-Type: application/gzip; name=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            f"{body}\r\n--b1--\r\n").encode()


def containers(folder):
    write(folder, "gzip", gzip.compress(report("gz")))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.xml", report("zip-a"))
        archive.writestr("notes.txt", "not a report")
        archive.writestr("b.xml", report("zip-b"), compress_type=zipfile.ZIP_STORED)
    write(folder, "zip", buffer.getvalue())
    # A streamed entry: sizes in a data descriptor after the data (general purpose flag bit 3).
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("streamed.xml", "w", force_zip64=False) as entry:
            entry.write(report("zip-stream"))
    write(folder, "zip-descriptor", stream.getvalue())
    write(folder, "email", message(gzip.compress(report("mail"))))
    write(folder, "mbox", b"From a@b Mon Jan  1 00:00:00 2024\n" + message(report("m1"), "r.xml")
          + b"\nFrom a@b Tue Jan  2 00:00:00 2024\n" + message(gzip.compress(report("m2"))))


def mbox(folder):
    write(folder, "mbox", b"From a@b Mon Jan  1 00:00:00 2024\n" + message(report("m1"), "r.xml")
          + b"\nFrom a@b Tue Jan  2 00:00:00 2024\n" + message(gzip.compress(report("m2"))))
    nested = (b"From: a@b\r\nContent-Type: message/rfc822\r\n\r\n" + message(report("inner"), "r.xml"))
    write(folder, "rfc822", nested)


def name(text):
    out = b""
    for label in text.strip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\x00"


def rr(owner, rtype, data, ttl=300):
    return name(owner) + struct.pack(">HHIH", rtype, 1, ttl, len(data)) + data


def txt(*strings):
    return b"".join(bytes([len(s)]) + s.encode() for s in strings)


def packet(qname, qtype, answers=(), authority=(), rcode=0, flags=0x8180):
    header = struct.pack(">HHHHHH", 0x1234, flags | rcode, 1, len(answers), len(authority), 0)
    question = name(qname) + struct.pack(">HH", qtype, 1)
    return header + question + b"".join(answers) + b"".join(authority)


def dns(folder):
    soa = rr("example.com", 6, name("ns1.example.com") + name("hostmaster.example.com") + struct.pack(">IIIII", 1, 3600, 600, 86400, 300))
    write(folder, "txt", packet("example.com", 16, [rr("example.com", 16, txt("v=spf1 ip4:192.0.2.0/24 -all"))]))
    write(folder, "txt-split", packet("example.com", 16, [rr("example.com", 16, txt("v=spf1 include:a.example", " -all"))]))
    write(folder, "a", packet("mail.example.com", 1, [rr("mail.example.com", 1, bytes([192, 0, 2, 7]))]))
    write(folder, "aaaa", packet("mail.example.com", 28, [rr("mail.example.com", 28, bytes(15) + b"\x01")]))
    write(folder, "mx", packet("example.com", 15, [rr("example.com", 15, struct.pack(">H", 10) + name("mail.example.com"))]))
    write(folder, "cname", packet("www.example.com", 1, [rr("www.example.com", 5, name("example.com")),
                                                        rr("example.com", 1, bytes([192, 0, 2, 1]))]))
    write(folder, "ptr", packet("1.2.0.192.in-addr.arpa", 12, [rr("1.2.0.192.in-addr.arpa", 12, name("mail.example.com"))]))
    write(folder, "nxdomain", packet("nope.example.com", 16, authority=[soa], rcode=3))
    write(folder, "nodata", packet("example.com", 28, authority=[soa]))
    write(folder, "servfail", packet("example.com", 16, rcode=2))


def write(folder, label, data):
    with open(os.path.join(folder, f"gen-{label}"), "wb") as f:
        f.write(data)


if __name__ == "__main__":
    kind, folder = sys.argv[1], sys.argv[2]
    {"containers": containers, "mbox": mbox, "dns": dns}[kind](folder)
