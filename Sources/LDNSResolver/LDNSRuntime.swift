import CLDNS

/// Process-wide set-up libldns needs before any thread queries DNS.
public enum LDNSRuntime {
    private static let prepared: Bool = {
        // libldns takes every query id from OpenSSL's RAND_bytes. OpenSSL's default atexit cleanup frees its
        // state while other threads may still use it (seen as SIGSEGV or SIGABRT at the end of about 1.5% of
        // short runs); initialising it once, up front and without that handler, removes the race. Later
        // initialisations (libcurl's) find it done and register no handler either.
        senderwatch_openssl_init()
    }()

    /// Initialises OpenSSL without an exit handler; idempotent. Call it before any thread starts (the CLI
    /// does so first thing); `LDNSResolver` calls it too.
    public static func prepare() { _ = prepared }
}
