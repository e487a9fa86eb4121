import Audit
import Foundation
import Inventory

/// Delivers the outbox: every pending row whose back-off has passed goes to its route; webhooks one row at
/// a time, e-mail one digest per route. At least once, never twice after success:
///
/// - a row is marked delivered right after its receiver answered 2xx (a digest's rows right after the SMTP
///   server accepted the message), so a crash can at worst repeat the one message in flight, and receivers
///   can drop that repeat by its event id;
/// - a failure counts an attempt and schedules the next by `RetryPolicy`; after the route's `maxAttempts`
///   the row is dead (visible in `alerts list --state dead`, revived by `alerts retry`).
///
/// Rows committed by a poll that died before dispatching are simply pending: the next dispatcher sends them.
public struct OutboxDispatcher: Sendable {
    public let store: InventoryStore
    public let routes: [AlertRoute]
    public let retry: RetryPolicy
    /// Uniform in 0..<1, for back-off jitter; injectable so tests are deterministic.
    public let random: @Sendable () -> Double
    /// Epoch seconds, for the delivery time stamps taken after each send.
    public let clock: @Sendable () -> Int64
    /// Where secrets are read from (the process environment unless a test says otherwise).
    public let environment: [String: String]
    /// Rows handed out per run, so one run stays bounded.
    public let batchLimit: Int

    public init(store: InventoryStore, routes: [AlertRoute], retry: RetryPolicy = RetryPolicy(),
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
                clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) },
                environment: [String: String] = ProcessInfo.processInfo.environment, batchLimit: Int = 500) {
        self.store = store; self.routes = routes; self.retry = retry; self.random = random
        self.clock = clock; self.environment = environment; self.batchLimit = max(1, batchLimit)
    }

    /// Delivers what is due at `now`: each route's rows in order, different routes at the same time, so a
    /// slow receiver delays only its own alerts.
    public func dispatch(now: Int64) async -> DispatchReport {
        var report = DispatchReport()
        let rows: [OutboxRow]
        do {
            rows = try store.pendingOutbox(now: now, limit: batchLimit)
        } catch {
            report.error("*", "cannot read the outbox: \(error)")
            return report
        }
        let byName = Dictionary(routes.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var order: [String] = []
        var grouped: [String: [OutboxRow]] = [:]
        for row in rows {
            if grouped[row.route] == nil { order.append(row.route) }
            grouped[row.route, default: []].append(row)
        }
        let reports = await withTaskGroup(of: (Int, DispatchReport).self) { group in
            for (index, name) in order.enumerated() {
                let batch = grouped[name] ?? []
                let route = byName[name]
                group.addTask {
                    var routeReport = DispatchReport()
                    if let route {
                        await deliver(batch, route: route, now: now, &routeReport)
                    } else {
                        fail(batch, route: nil, name: name, "route \(name) is not configured (any more)", now: now, &routeReport)
                    }
                    return (index, routeReport)
                }
            }
            var collected: [(Int, DispatchReport)] = []
            for await result in group { collected.append(result) }
            return collected.sorted { $0.0 < $1.0 }.map(\.1)
        }
        for routeReport in reports { report.merge(routeReport) }
        return report
    }

    /// Sends rows now, whatever their back-off: `alerts test` and tests use it for one route.
    ///
    /// Circuit breaker: when the receiver does not answer (no connection, a timeout), the route's remaining
    /// rows are not tried in this run. They keep their attempt counts and wait until the failed row's next
    /// attempt, so a dead receiver costs one timeout per run, not one per alert.
    func deliver(_ rows: [OutboxRow], route: AlertRoute, now: Int64, _ report: inout DispatchReport) async {
        let secrets: [String: String]
        switch resolveSecrets(route) {
        case .success(let values): secrets = values
        case .failure(let error):
            fail(rows, route: route, name: route.name, error.message, now: now, &report)
            return
        }
        let scrubbed = Self.scrubList(route, secrets)
        let timeouts = route.timeouts
        switch route.target {
        case .webhook(let hook):
            let url = secrets["url"] ?? hook.url.literalText
            for (index, row) in rows.enumerated() {
                let event = (try? AlertPayload.decode(row.payloadJSON))?.event.rawValue ?? "unknown"
                let failure = await Self.offload {
                    WebhookSender.post(eventId: row.eventId, event: event, payloadJSON: row.payloadJSON, to: hook, url: url,
                                       secret: secrets["secret"], timeouts: timeouts)
                }
                guard let failure else {
                    delivered([row], route: route, &report)
                    continue
                }
                let next = fail([row], route: route, name: route.name, RedactedURL.scrub(failure.message, secrets: scrubbed),
                                now: now, &report)
                if failure.noAnswer, index + 1 < rows.count {
                    hold(Array(rows[(index + 1)...]), route: route, until: next ?? now + Int64(retry.base), &report)
                    break
                }
            }
        case .email(let mail):
            let payloads = rows.compactMap { try? AlertPayload.decode($0.payloadJSON) }
            let digest = EmailDigest(payloads: payloads, from: mail.from, to: mail.to, now: clock(), hostname: Self.hostname)
            let url = secrets["url"] ?? mail.smtp?.url.literalText
            let failure = await Self.offload {
                MailSender.send(digest.message, target: mail, url: url, password: secrets["password"], timeouts: timeouts)
            }
            if let failure {
                fail(rows, route: route, name: route.name, RedactedURL.scrub(failure.message, secrets: scrubbed), now: now, &report)
            } else {
                delivered(rows, route: route, &report)
            }
        }
    }

    /// Rows not tried because the route's receiver did not answer: due again at `until`, attempts unchanged.
    private func hold(_ rows: [OutboxRow], route: AlertRoute, until: Int64, _ report: inout DispatchReport) {
        do {
            report.held += try store.holdOutbox(ids: rows.compactMap(\.id), until: until)
            report.error(route.name, "\(rows.count) more alert(s) held until \(Timestamp.iso(until)): the receiver did not answer")
        } catch {
            report.error(route.name, "could not hold \(rows.count) alert(s) back: \(error)")
        }
    }

    /// What to scrub from messages: every secret value, and the credential parts of the URL.
    static func scrubList(_ route: AlertRoute, _ secrets: [String: String]) -> [String] {
        var list = Array(secrets.values)
        switch route.target {
        case .webhook(let hook):
            let url = secrets["url"] ?? hook.url.literalText
            list += RedactedURL.sensitiveParts(of: url, wholeURL: hook.url.reference != nil)
        case .email(let mail):
            if let smtp = mail.smtp {
                let url = secrets["url"] ?? smtp.url.literalText
                list += RedactedURL.sensitiveParts(of: url, wholeURL: smtp.url.reference != nil)
            }
        }
        return list
    }

    /// The route's secrets by field, read now; a failure names the field and the reference, not a value.
    func resolveSecrets(_ route: AlertRoute) -> Result<[String: String], SecretError> {
        var secrets: [String: String] = [:]
        for entry in route.secrets {
            switch entry.ref.resolve(environment: environment) {
            case .success(let value): secrets[entry.field] = value
            case .failure(let error): return .failure(SecretError("\(entry.field): \(error.message)"))
            }
        }
        return .success(secrets)
    }

    private func delivered(_ rows: [OutboxRow], route: AlertRoute, _ report: inout DispatchReport) {
        for row in rows {
            guard let id = row.id else { continue }
            do {
                if try store.markDelivered(id: id, now: clock()) { report.delivered += 1 }
            } catch {
                report.error(route.name, "delivered \(row.eventId) but could not record it: \(error)")
            }
        }
    }

    /// Counts a failed attempt of each row; returns the last row's next attempt time (nil if none was set).
    @discardableResult
    private func fail(_ rows: [OutboxRow], route: AlertRoute?, name: String, _ message: String, now: Int64,
                      _ report: inout DispatchReport) -> Int64? {
        report.error(name, message)
        let limit = route?.maxAttempts ?? AlertRoute.defaultMaxAttempts
        var latest: Int64?
        for row in rows {
            guard let id = row.id else { continue }
            let attempt = row.attempts + 1
            let dead = attempt >= limit
            let next = now + retry.delay(afterAttempt: attempt, random: random())
            do {
                guard try store.markAttempt(id: id, error: message, nextAttemptAt: next, dead: dead) else { continue }
                if dead { report.dead += 1 } else { report.failed += 1 }
                latest = next
            } catch {
                report.error(name, "could not record the failed attempt of \(row.eventId): \(error)")
            }
        }
        return latest
    }

    /// libcurl and sendmail block; keep them off the cooperative thread pool, on a thread of their own: a
    /// shared queue busy with other blocking work would add its wait to the delivery's bounded timeout.
    static func offload<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: work()) }
            thread.name = "senderwatch.delivery"
            thread.start()
        }
    }

    static var hostname: String {
        let name = ProcessInfo.processInfo.hostName
        return name.isEmpty || name == "localhost" ? "senderwatch.invalid" : name
    }
}
