import CCurl
import Foundation

/// Hands a finished message to the mail system: SMTP submission through libcurl (STARTTLS or implicit TLS,
/// AUTH, certificate verification), or the local `sendmail -t -i`. Returns nil once the message is accepted.
enum MailSender {
    /// `url` is the resolved SMTP URL (nil for sendmail).
    static func send(_ message: String, target: EmailTarget, url: String?, password: String?,
                     timeouts: DeliveryTimeouts) -> DeliveryFailure? {
        if let sendmail = target.sendmail { return viaSendmail(message, program: sendmail).map { DeliveryFailure($0) } }
        guard let smtp = target.smtp, let url else { return DeliveryFailure("the route has neither smtp nor sendmail") }
        return viaSMTP(message, from: target.from, to: target.to, smtp: smtp, url: url, password: password, timeouts: timeouts)
    }

    static func viaSMTP(_ message: String, from: String, to: [String], smtp: EmailTarget.SMTP, url: String,
                        password: String?, timeouts: DeliveryTimeouts) -> DeliveryFailure? {
        // Checked by `apply` already; checked again here, since a URL by reference may have changed since.
        if let problem = smtp.cleartextAuthProblem(url: url) { return DeliveryFailure("SMTP \(smtp.url.shown): \(problem)") }
        guard let curl = CurlEasy() else { return DeliveryFailure("cannot initialise libcurl") }
        curl.set(CURLOPT_URL, url)
        curl.set(CURLOPT_PROTOCOLS_STR, "smtp,smtps")
        curl.set(CURLOPT_MAIL_FROM, "<\(bareAddress(from))>")
        curl.set(CURLOPT_MAIL_RCPT, list: to.map { "<\(bareAddress($0))>" })
        curl.set(CURLOPT_UPLOAD, 1)
        curl.transfer.upload = Array(message.utf8)
        if smtp.starttls { curl.set(CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue)) }
        if let username = smtp.username { curl.set(CURLOPT_USERNAME, username) }
        if let password { curl.set(CURLOPT_PASSWORD, password) }
        curl.tls(verify: smtp.tlsVerify, caFile: smtp.caFile)
        curl.timeouts(timeouts)
        if let failure = curl.perform() {
            let code = curl.responseCode
            return DeliveryFailure("SMTP \(smtp.url.shown): \(failure.message)" + (code > 0 ? " (last reply \(code))" : ""),
                                   noAnswer: failure.noAnswer)
        }
        return nil
    }

    /// `sendmail -t -i`: recipients from the To header, a lone dot is not the end of the message.
    static func viaSendmail(_ message: String, program: String) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = ["-t", "-i"]
        let input = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        do { try process.run() } catch { return "cannot run \(program): \(error.localizedDescription)" }
        // sendmail expects local line ends.
        input.fileHandleForWriting.write(Data(message.replacingOccurrences(of: "\r\n", with: "\n").utf8))
        try? input.fileHandleForWriting.close()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let detail = String(decoding: stderr.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return "\(program) -t -i exited with status \(process.terminationStatus)" + (detail.isEmpty ? "" : ": \(detail)")
        }
        return nil
    }

    /// `Name <a@b>` -> `a@b`, for the SMTP envelope.
    static func bareAddress(_ text: String) -> String {
        if let open = text.lastIndex(of: "<"), let close = text.lastIndex(of: ">"), open < close {
            return String(text[text.index(after: open)..<close])
        }
        return text.trimmingCharacters(in: .whitespaces)
    }
}
