// libFuzzer target for the message header analysis: Received, Received-SPF and Authentication-Results
// parsing and the trust rules. Built by Scripts/fuzz with the DNSCore and AuthReports sources compiled into
// one module (module imports stripped).

/// Properties checked on every input: analysis never traps; the connecting IP is never an internal address;
/// the verdicts shown come from the trusted fields only; every ignored field has a reason.
@_cdecl("LLVMFuzzerTestOneInput")
public func headerFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    for trusted in [[], ["mx.example.com"]] {
        let analysis = HeaderAnalysis(message: text, trustedReceivers: trusted)
        if let ip = analysis.connectingIP, ip.isInternal { fatalError("internal connecting IP \(ip)") }
        if analysis.receiverDMARC != nil, analysis.authenticationResults == nil {
            fatalError("a DMARC verdict without a trusted Authentication-Results")
        }
        if analysis.receiverSPF != nil, analysis.authenticationResults == nil, analysis.receivedSPF == nil {
            fatalError("an SPF verdict without a trusted field")
        }
        if analysis.ignored.contains(where: { !$0.contains(":") }) { fatalError("an ignored field without a reason") }
    }
    _ = AuthenticationResults(text)
    _ = ReceivedSPF(text).receiver
    return 0
}
