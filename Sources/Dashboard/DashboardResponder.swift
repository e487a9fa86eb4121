import Foundation
import HTTPTypes
import Hummingbird

/// What every answer goes through, found or not: only GET and HEAD (405 otherwise), a bounded request target
/// (414), the credentials when some are set (401), a time limit (503), and the security headers.
struct DashboardResponder<Inner: HTTPResponder>: HTTPResponder where Inner.Context == BasicRequestContext {
    typealias Context = BasicRequestContext

    /// No script anywhere; styles only from the served stylesheet; images only inline (`data:`, none so far);
    /// no framing, no plugins, forms submit to this server only.
    static var contentSecurityPolicy: String {
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
            + "frame-ancestors 'none'; base-uri 'none'"
    }

    let inner: Inner
    let credentials: DashboardCredentials?
    let timeout: Duration

    func respond(to request: Request, context: Context) async throws -> Response {
        var response = await answer(request, context: context)
        response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.xFrameOptions] = "DENY"
        response.headers[.referrerPolicy] = "no-referrer"
        response.headers[.cacheControl] = "no-store"
        if response.headers[.contentType] == nil { response.headers[.contentType] = "text/plain; charset=utf-8" }
        return response
    }

    private func answer(_ request: Request, context: Context) async -> Response {
        guard request.method == .get || request.method == .head else {
            var response = DashboardResponse.text(.methodNotAllowed, "the dashboard is read-only: GET and HEAD only\n")
            response.headers[.allow] = "GET, HEAD"
            return response
        }
        guard request.uri.string.utf8.count <= DashboardQuery.maximumTargetLength else {
            return DashboardResponse.text(.uriTooLong, "request target longer than \(DashboardQuery.maximumTargetLength) bytes\n")
        }
        if let credentials, !credentials.accepts(request.headers[.authorization]) {
            var response = DashboardResponse.text(.unauthorized, "authentication required\n")
            response.headers[.wwwAuthenticate] = credentials.challenge
            return response
        }
        let inner = self.inner
        // HEAD is answered as GET without the body (RFC 9110 section 9.3.2), for every route.
        var head = request.head
        let isHead = head.method == .head
        head.method = .get
        let forwarded = Request(head: head, body: request.body)
        do {
            var response = try await Self.within(timeout) { try await inner.respond(to: forwarded, context: context) }
            if isHead { response.body = ResponseBody() }
            return response
        } catch is DashboardTimeout {
            return DashboardResponse.text(.serviceUnavailable, "the page took longer than \(timeout) to build\n")
        } catch let error as DashboardInputError {
            return DashboardResponse.text(.badRequest, error.message + "\n")
        } catch let error as HTTPError {
            return DashboardResponse.text(error.status, (error.body ?? error.status.reasonPhrase) + "\n")
        } catch {
            context.logger.error("dashboard request failed", metadata: ["path": .string(request.uri.path), "error": .string("\(error)")])
            return DashboardResponse.text(.internalServerError, "internal error\n")
        }
    }

    /// Runs `body`, or throws `DashboardTimeout` after `limit`; the body is cancelled then (a database read in
    /// progress is interrupted by GRDB).
    static func within(_ limit: Duration, _ body: @escaping @Sendable () async throws -> Response) async throws -> Response {
        try await withThrowingTaskGroup(of: Response.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: limit)
                throw DashboardTimeout()
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw DashboardTimeout() }
            return first
        }
    }
}

struct DashboardTimeout: Error {}

extension HTTPField.Name {
    static let xFrameOptions = Self("X-Frame-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
}

/// Building answers: HTML, JSON and plain text, each with its type and length.
enum DashboardResponse {
    static func text(_ status: HTTPResponse.Status, _ text: String) -> Response {
        body(status, text, type: "text/plain; charset=utf-8")
    }

    static func html(_ text: String) -> Response { body(.ok, text, type: "text/html; charset=utf-8") }

    static func json<T: Encodable>(_ value: T) throws -> Response {
        var data = try DashboardJSON.encoder.encode(value)
        data.append(0x0A)
        return body(.ok, String(decoding: data, as: UTF8.self), type: "application/json; charset=utf-8")
    }

    static func body(_ status: HTTPResponse.Status, _ text: String, type: String) -> Response {
        let buffer = ByteBuffer(string: text)
        return Response(status: status, headers: [.contentType: type, .contentLength: String(buffer.readableBytes)],
                        body: ResponseBody(byteBuffer: buffer))
    }
}
