#if canImport(Glibc)
import Glibc
#endif

/// Threads the project starts itself and joins before it exits (libldns and OpenSSL must not be torn down
/// under a running thread): the DNS worker pool, the DNSSEC validator and `ingest`'s read-ahead.
public enum JoinableThread {
    /// Runs `body` on a new thread with a stack of `stackSize` bytes; nil when the system refuses one. The
    /// caller joins the thread (`join`).
    public static func start(stackSize: Int, _ body: @escaping @Sendable () -> Void) -> pthread_t? {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setstacksize(&attributes, stackSize)
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, &attributes, { raw in
            Unmanaged<Body>.fromOpaque(raw!).takeRetainedValue().run()
            return nil
        }, context)
        guard status == 0 else {
            Unmanaged<Body>.fromOpaque(context).release()
            return nil
        }
        return thread
    }

    /// Waits for each of `threads` to end, except the calling thread itself (a pool shut down from one of
    /// its own jobs).
    public static func join(_ threads: [pthread_t]) {
        let current = pthread_self()
        for thread in threads where pthread_equal(thread, current) == 0 { pthread_join(thread, nil) }
    }

    /// The closure a thread runs (a C thread entry takes one pointer).
    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }
}
