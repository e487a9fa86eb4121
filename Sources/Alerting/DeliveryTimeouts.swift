/// How long one delivery may wait: for the connection, and for the whole exchange (TLS, request and answer,
/// or the SMTP dialogue). A receiver that accepts the connection and never answers costs `total` once per
/// dispatch run: the route's circuit breaker then holds its other alerts back (OutboxDispatcher).
public struct DeliveryTimeouts: Sendable, Hashable {
    /// Seconds to establish the TCP connection (`alert_connect_timeout`, default 3).
    public var connect: Double
    /// Seconds for the whole delivery (`alert_timeout`, default 10).
    public var total: Double

    public static let defaultConnect: Double = 3
    public static let defaultTotal: Double = 10

    public init(connect: Double = DeliveryTimeouts.defaultConnect, total: Double = DeliveryTimeouts.defaultTotal) {
        self.connect = connect; self.total = total
    }
}

extension AlertRoute {
    /// The route with the settings' timeouts wherever it does not set its own `connect_timeout` / `timeout`.
    public func withDefaultTimeouts(_ defaults: DeliveryTimeouts) -> AlertRoute {
        var route = self
        switch target {
        case .webhook(var hook):
            hook.connectTimeout = hook.connectTimeout ?? defaults.connect
            hook.timeout = hook.timeout ?? defaults.total
            route.target = .webhook(hook)
        case .email(var mail):
            if var smtp = mail.smtp {
                smtp.connectTimeout = smtp.connectTimeout ?? defaults.connect
                smtp.timeout = smtp.timeout ?? defaults.total
                mail.smtp = smtp
            }
            route.target = .email(mail)
        }
        return route
    }

    /// The timeouts a delivery through this route uses (the built-in defaults where none is set).
    public var timeouts: DeliveryTimeouts {
        switch target {
        case .webhook(let hook):
            DeliveryTimeouts(connect: hook.connectTimeout ?? DeliveryTimeouts.defaultConnect,
                             total: hook.timeout ?? DeliveryTimeouts.defaultTotal)
        case .email(let mail):
            DeliveryTimeouts(connect: mail.smtp?.connectTimeout ?? DeliveryTimeouts.defaultConnect,
                             total: mail.smtp?.timeout ?? DeliveryTimeouts.defaultTotal)
        }
    }
}
