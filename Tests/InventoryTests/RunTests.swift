import Foundation
import Inventory
import Testing

@Suite("Runs")
struct RunTests {
    @Test("begin, then finish with totals", arguments: StoreKind.allCases)
    func beginFinish(kind: StoreKind) throws {
        try withStore(kind) { store throws in
            let id = try store.beginRun(mode: "poll", pid: 4242, now: t0)
            let started = try #require(try store.run(id: id))
            #expect(started.status == "running" && started.finishedAt == nil && started.pid == 4242)

            try store.finishRun(id: id, status: "ok", domainsPolled: 12, findingsOpened: 3, findingsResolved: 1,
                                message: nil, now: t0 + 9)
            let finished = try #require(try store.run(id: id))
            #expect(finished.status == "ok" && finished.finishedAt == t0 + 9)
            #expect(finished.domainsPolled == 12 && finished.findingsOpened == 3 && finished.findingsResolved == 1)

            let unknown = try #require(throws: InventoryError.self) {
                try store.finishRun(id: 999, status: "ok", domainsPolled: 0, findingsOpened: 0, findingsResolved: 0,
                                    message: nil, now: t0)
            }
            #expect(unknown.code == .unknownRun)
            let invalid = try #require(throws: InventoryError.self) {
                try store.finishRun(id: id, status: "done", domainsPolled: 0, findingsOpened: 0, findingsResolved: 0,
                                    message: nil, now: t0)
            }
            #expect(invalid.code == .invalidRow)
        }
    }

    @Test("runs whose process is gone become interrupted", arguments: StoreKind.allCases)
    func interrupted(kind: StoreKind) throws {
        try withStore(kind) { store throws in
            let alive = try store.beginRun(mode: "daemon", pid: 100, now: t0)
            let dead = try store.beginRun(mode: "poll", pid: 200, now: t0 + 1)
            let done = try store.beginRun(mode: "apply", pid: 300, now: t0 + 2)
            try store.finishRun(id: done, status: "ok", domainsPolled: 0, findingsOpened: 0, findingsResolved: 0,
                                message: nil, now: t0 + 3)

            #expect(try store.markInterruptedRuns(now: t0 + 10) { $0 == 100 } == 1)
            #expect(try store.run(id: alive)?.status == "running")
            let marked = try #require(try store.run(id: dead))
            #expect(marked.status == "interrupted" && marked.finishedAt == t0 + 10)
            #expect(marked.message?.contains("200") == true)
            #expect(try store.run(id: done)?.status == "ok")
            #expect(try store.runs().map(\.id) == [done, dead, alive])
            #expect(try store.runs(limit: 1).map(\.mode) == ["apply"])
        }
    }

    @Test("the default liveness check uses the process table", arguments: StoreKind.allCases)
    func defaultLiveness(kind: StoreKind) throws {
        try withStore(kind) { store throws in
            let mine = try store.beginRun(mode: "poll", pid: getpid(), now: t0)
            // Pids are below 2^22 on Linux; this one cannot exist.
            let gone = try store.beginRun(mode: "poll", pid: Int32.max - 1, now: t0)
            #expect(try store.markInterruptedRuns(now: t0 + 1) == 1)
            #expect(try store.run(id: mine)?.status == "running")
            #expect(try store.run(id: gone)?.status == "interrupted")
        }
    }
}
