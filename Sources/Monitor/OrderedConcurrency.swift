/// Bounded concurrency with results in input order: what `check`, `spf --batch` and `poll` all need.
public enum OrderedConcurrency {
    /// Runs `operation` for every index in `0..<count`, at most `limit` at a time, and hands each result to
    /// `emit` in index order as soon as it and every result before it are done. Output can therefore stream,
    /// and only the results waiting for a slower predecessor are held in memory.
    public static func forEach<T: Sendable>(count: Int, limit: Int,
                                            operation: @escaping @Sendable (Int) async throws -> T,
                                            emit: (Int, T) throws -> Void) async throws {
        var pending: [Int: T] = [:]
        var nextToEmit = 0
        try await withThrowingTaskGroup(of: (Int, T).self) { group in
            var next = 0
            func add() {
                guard next < count else { return }
                let index = next
                next += 1
                group.addTask { (index, try await operation(index)) }
            }
            for _ in 0..<max(1, limit) { add() }
            while let (index, value) = try await group.next() {
                pending[index] = value
                while let ready = pending.removeValue(forKey: nextToEmit) {
                    try emit(nextToEmit, ready)
                    nextToEmit += 1
                }
                add()
            }
        }
    }
}
