import CCurl

/// libcurl's process-wide set-up, done once before any thread starts (curl_global_init is not safe to race
/// with other threads' use of the libraries it sets up, OpenSSL among them).
public enum CurlRuntime {
    private static let initialized: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    /// Idempotent; the CLI calls it first thing, after OpenSSL's own set-up.
    public static func prepare() { _ = initialized }
}
