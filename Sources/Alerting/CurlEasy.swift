import CCurl
import Foundation

/// One libcurl easy handle, used for one transfer and released with the object: the only place in
/// senderwatch that touches a curl pointer. libcurl gives working certificate-verification control on Linux
/// (`CURLOPT_SSL_VERIFYPEER` / `VERIFYHOST`, `CURLOPT_CAINFO`) for HTTP, SMTP and IMAP. Public for the
/// Mailbox module's IMAP client, which runs many transfers on one handle so they share one connection.
public final class CurlEasy {
    private static let globalInit: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    private let handle: UnsafeMutableRawPointer
    private var lists: [UnsafeMutablePointer<curl_slist>] = []
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    /// The request body read by `CURLOPT_READFUNCTION`, and what the server answered.
    public let transfer = CurlTransfer()
    /// The result of the last `perform`.
    public private(set) var lastCode: CURLcode = CURLE_OK

    public init?() {
        guard Self.globalInit, let handle = curl_easy_init() else { return nil }
        self.handle = handle
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        _ = sw_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
        set(CURLOPT_NOSIGNAL, 1)
        _ = sw_curl_setopt_pointer(handle, CURLOPT_READDATA, Unmanaged.passUnretained(transfer).toOpaque())
        _ = sw_curl_setopt_readfunction(handle, curlRead)
        _ = sw_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, Unmanaged.passUnretained(transfer).toOpaque())
        _ = sw_curl_setopt_writefunction(handle, curlWrite)
    }

    deinit {
        curl_easy_cleanup(handle)
        for list in lists { curl_slist_free_all(list) }
        errorBuffer.deallocate()
    }

    public func set(_ option: CURLoption, _ value: Int) { _ = sw_curl_setopt_long(handle, option, value) }

    /// String options are copied by libcurl.
    public func set(_ option: CURLoption, _ value: String) { _ = sw_curl_setopt_string(handle, option, value) }

    /// Unsets a string option (a custom request before a plain fetch on the same handle).
    public func clear(_ option: CURLoption) { _ = sw_curl_setopt_pointer(handle, option, nil) }

    public func set(_ option: CURLoption, list values: [String]) {
        var list: UnsafeMutablePointer<curl_slist>?
        for value in values { list = curl_slist_append(list, value) }
        guard let list else { return }
        lists.append(list)
        _ = sw_curl_setopt_slist(handle, option, list)
    }

    /// Certificate verification on (the default) or off, and an optional CA bundle to trust.
    public func tls(verify: Bool, caFile: String?) {
        set(CURLOPT_SSL_VERIFYPEER, verify ? 1 : 0)
        set(CURLOPT_SSL_VERIFYHOST, verify ? 2 : 0)
        if let caFile { set(CURLOPT_CAINFO, caFile) }
    }

    /// Bounds the connection and the whole transfer (connecting included).
    public func timeouts(_ timeouts: DeliveryTimeouts) {
        set(CURLOPT_TIMEOUT_MS, max(1, Int(timeouts.total * 1000)))
        set(CURLOPT_CONNECTTIMEOUT_MS, max(1, Int(min(timeouts.connect, timeouts.total) * 1000)))
    }

    /// Runs the transfer: nil on success, else libcurl's message (which names no secret: curl never echoes
    /// passwords; the caller still scrubs it) and whether the peer never answered (no connection, a timeout):
    /// then the route's other alerts would only wait for the same timeout.
    public func perform() -> (message: String, noAnswer: Bool)? {
        errorBuffer[0] = 0
        let code = curl_easy_perform(handle)
        lastCode = code
        guard code != CURLE_OK else { return nil }
        let detail = String(cString: errorBuffer)
        let summary = String(cString: curl_easy_strerror(code))
        let noAnswer = [CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT, CURLE_OPERATION_TIMEDOUT, CURLE_GOT_NOTHING,
                        CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_SSL_CONNECT_ERROR].contains(code)
        return (detail.isEmpty ? summary : "\(summary): \(detail)", noAnswer)
    }

    /// The `Expire date` of each certificate the server sent, leaf first (needs `CURLOPT_CERTINFO`).
    var certificateExpiryTexts: [String] {
        var found: [String] = []
        for index in 0..<min(Int(sw_curl_certinfo_count(handle)), 10) {
            var entry = sw_curl_certinfo_at(handle, Int32(index))
            while let item = entry {
                if let data = item.pointee.data {
                    let text = String(cString: data)
                    if text.hasPrefix("Expire date:") { found.append(String(text.dropFirst("Expire date:".count))) }
                }
                entry = item.pointee.next
            }
        }
        return found
    }

    public var responseCode: Int {
        var code = 0
        _ = sw_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &code)
        return code
    }
}

/// Bytes flowing through a transfer: the upload (read by libcurl) and the start of the answer.
public final class CurlTransfer {
    var upload: [UInt8] = []
    var offset = 0
    public var response: [UInt8] = []
    /// Bytes of the answer kept; the rest is dropped, or with `abortPastLimit` ends the transfer
    /// (CURLE_WRITE_ERROR) and sets `overflowed`, so an oversized message is never read to its end.
    public var responseLimit = 2048
    public var abortPastLimit = false
    public var overflowed = false
}

private func curlRead(_ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?) -> Int {
    guard let buffer, let context else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
    let n = min(size * count, transfer.upload.count - transfer.offset)
    guard n > 0 else { return 0 }
    transfer.upload.withUnsafeBufferPointer { bytes in
        UnsafeMutableRawPointer(buffer).copyMemory(from: bytes.baseAddress! + transfer.offset, byteCount: n)
    }
    transfer.offset += n
    return n
}

private func curlWrite(_ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?) -> Int {
    let n = size * count
    guard let buffer, let context else { return n }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
    let keep = min(n, transfer.responseLimit - transfer.response.count)
    if keep < n, transfer.abortPastLimit {
        transfer.overflowed = true
        return 0
    }
    if keep > 0 {
        transfer.response += UnsafeRawBufferPointer(start: buffer, count: keep)
    }
    return n
}
