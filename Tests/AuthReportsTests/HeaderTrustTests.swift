import DNSCore
import Foundation
import Testing
@testable import AuthReports

/// Verdicts are believed only where the receiver wrote them (HeaderTrust): forged Received-SPF and
/// Authentication-Results below the receiving hop, an unrelated authserv-id, and internal hops are passed
/// over for the true connecting IP. The messages are the fixtures' layouts with forged fields added.
struct HeaderTrustTests {
    static let postfix = """
        Return-Path: <office@brightpath.example>
        Received: from relay.brightpath.example (relay.brightpath.example [198.51.100.25])
        \tby mx.customer.example (Postfix) with ESMTPS id 4Xyz1b2C3dz9sTV; Fri, 27 Nov 2026 17:20:11 +0000 (UTC)
        Received: from office-pc (unknown [10.1.2.3])
        \tby relay.brightpath.example (Postfix) with ESMTPSA id 4Xyz1b2C3dz9sTW; Fri, 27 Nov 2026 17:20:10 +0000 (UTC)
        From: Office <office@brightpath.example>
        Subject: notes

        body
        """

    static func inserting(_ field: String, after marker: String, in message: String = postfix) -> String {
        var lines = message.components(separatedBy: "\n")
        let index = lines.firstIndex { $0.hasPrefix(marker) }!
        var end = index + 1
        while end < lines.count, lines[end].hasPrefix("\t") || lines[end].hasPrefix(" ") { end += 1 }
        lines.insert(field, at: end)
        return lines.joined(separator: "\n")
    }

    @Test func aReceivedSPFBelowTheReceivingHopIsIgnored() {
        // The sender's own relay wrote it (or the sender did): below mx.customer.example's Received line.
        let forged = Self.inserting("Received-SPF: pass (relay.brightpath.example: designates 203.0.113.66) client-ip=203.0.113.66;",
                                    after: "Received: from office-pc")
        let a = HeaderAnalysis(message: forged)
        #expect(a.connectingIP == IPAddress("198.51.100.25"))
        #expect(a.connectingIPSource == .received)
        #expect(a.receiverSPF == nil)
        #expect(a.ignored.count == 1 && a.ignored[0].contains("client-ip=203.0.113.66") && a.ignored[0].contains("below"))
        // Right below the receiving hop, but naming another receiver: still not the receiver's.
        let beside = Self.inserting("Received-SPF: pass (relay.brightpath.example: designates 203.0.113.66) client-ip=203.0.113.66;",
                                    after: "Received: from relay")
        let b = HeaderAnalysis(message: beside)
        #expect(b.connectingIP == IPAddress("198.51.100.25") && b.receiverSPF == nil, "\(b.ignored)")
    }

    @Test func theReceiversOwnFieldsAboveOrBesideItsReceivedLineAreBelieved() {
        let above = "Received-SPF: softfail (mx.customer.example: domain does not designate 198.51.100.25) client-ip=198.51.100.25;\n"
            + "Authentication-Results: mx.customer.example; spf=softfail smtp.mailfrom=brightpath.example; dkim=pass header.d=brightpath.example\n"
            + Self.postfix
        let a = HeaderAnalysis(message: above)
        #expect(a.receiverSPF == "softfail" && a.receiverDKIM == "pass" && a.connectingIPSource == .receivedSPF)
        #expect(a.ignored.isEmpty)
        // Gmail's layout: the receiver's fields right below its Received line, naming it.
        let beside = Self.inserting("Authentication-Results: mx.customer.example; spf=pass smtp.mailfrom=brightpath.example",
                                    after: "Received: from relay")
        #expect(HeaderAnalysis(message: beside).receiverSPF == "pass")
    }

    @Test func anUnrelatedAuthservIDIsNotTheReceiversVerdict() {
        let message = "Authentication-Results: spam-filter.elsewhere.example; spf=pass smtp.mailfrom=brightpath.example; dkim=pass header.d=brightpath.example\n"
            + "Authentication-Results: mx.customer.example; spf=fail smtp.mailfrom=brightpath.example; dkim=none\n" + Self.postfix
        let a = HeaderAnalysis(message: message)
        #expect(a.authenticationResults?.authservID == "mx.customer.example")
        #expect(a.receiverSPF == "fail" && a.receiverDKIM == "none")
        #expect(a.ignored.contains { $0.contains("spam-filter.elsewhere.example") && $0.contains("not a trusted receiver") })
        // Configured to trust the filter, its verdict is the one read.
        let trusting = HeaderAnalysis(message: message, trustedReceivers: ["elsewhere.example"])
        #expect(trusting.receiverSPF == "pass" && trusting.trustedReceivers == ["elsewhere.example"])
    }

    @Test func internalHopsAreSkippedForTheConnectingIP() {
        let message = """
            Received: from filter.customer.example (localhost [127.0.0.1]) by mx.customer.example with ESMTP; Fri, 27 Nov 2026
            Received: from mx-in.customer.example (mx-in [10.1.2.3]) by filter.customer.example with ESMTP; Fri, 27 Nov 2026
            Received: from link (link [fe80::1]) by mx-in.customer.example with ESMTP; Fri, 27 Nov 2026
            Received: from sender.brightpath.example (sender.brightpath.example [198.51.100.77]) by mx-in.customer.example; Fri, 27 Nov 2026
            Received: from laptop (unknown [192.168.7.7]) by sender.brightpath.example; Fri, 27 Nov 2026
            Received-SPF: pass (forged) client-ip=192.0.2.250;
            From: a@brightpath.example

            body
            """
        let a = HeaderAnalysis(message: message)
        #expect(a.connectingIP == IPAddress("198.51.100.77"), "\(String(describing: a.connectingIP))")
        #expect(a.receiverSPF == nil, "the Received-SPF is below the sender's own Received line")
        #expect(a.trustedReceivers == ["mx.customer.example", "filter.customer.example", "mx-in.customer.example"])
    }

    @Test func anInternalClientIPIsNeverTheConnectingIP() {
        let message = "Received-SPF: pass (mx.customer.example: local) client-ip=10.9.8.7;\n" + Self.postfix
        let a = HeaderAnalysis(message: message)
        #expect(a.connectingIP == IPAddress("198.51.100.25") && a.connectingIPSource == .received)
        for text in ["10.0.0.1", "172.16.5.4", "192.168.1.1", "127.0.0.1", "169.254.1.1", "::1", "fe80::1", "fd00::1", "::ffff:10.0.0.1"] {
            #expect(IPAddress(text)?.isInternal == true, "\(text)")
        }
        for text in ["198.51.100.25", "8.8.8.8", "2001:db8::1", "172.32.0.1"] {
            #expect(IPAddress(text)?.isInternal == false, "\(text)")
        }
    }

    @Test func theMessageIDIsRead() {
        let a = HeaderAnalysis(message: "Message-ID:  <inv-1@crm.example>\nFrom: a@b.example\n\n")
        #expect(a.messageID == "<inv-1@crm.example>")
    }
}
