import Synchronization

extension SPFRecord {
    /// Parses `text`, reusing the result of an earlier parse of the same text. When thousands of domains
    /// include the same provider, its record is parsed once per process instead of once per evaluation.
    /// The cache is bounded; when full it starts over, which costs only re-parsing.
    public static func parsedCached(_ text: String) throws(SPFSyntaxError) -> SPFRecord {
        if let cached = cache.withLock({ $0[text] }) { return try cached.get() }
        let result: Result<SPFRecord, SPFSyntaxError>
        do throws(SPFSyntaxError) { result = .success(try SPFRecord(parsing: text)) } catch { result = .failure(error) }
        cache.withLock { entries in
            if entries.count >= cacheLimit { entries.removeAll(keepingCapacity: true) }
            entries[text] = result
        }
        return try result.get()
    }

    static let cacheLimit = 20_000
    private static let cache = Mutex<[String: Result<SPFRecord, SPFSyntaxError>]>([:])
}
