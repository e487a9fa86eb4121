/// One input read to the end with no consumer attached: every call the reader made, in order, kept so that
/// another thread can hand them to the real consumer later (`replay`). Reading ahead this way lets `ingest`
/// parse the next files on other cores while the writer stores the current one. The record is bounded: past
/// `maximumRecords` records or `maximumEvents` calls it is given up (`record` returns nil) and the caller
/// reads the input again the ordinary, streaming way, so a report of any size never sits in memory whole.
public struct RecordedInput: Sendable {
    /// Work on each record that needs nothing but its report's header, done while recording (on the thread
    /// that reads ahead) instead of by the consumer on the writer's: given a report's header, the function
    /// for its records, or nil for none. What it returns reaches the consumer's `record(part:_:prepared:)`.
    public typealias Preparation = @Sendable (ReportSummary) -> (@Sendable (AggregateRecord) -> (any Sendable)?)?

    enum Event: Sendable {
        case header(Int, ReportSummary)
        case record(Int, AggregateRecord, (any Sendable)?)
        case tls(Int, TLSReport)
        case failure(Int, FailureReport)
        case end(ReportOutcome)
    }

    let events: [Event]

    /// Records, and calls of any kind, that a recording may hold before it is given up.
    public static let maximumRecords = 10_000
    public static let maximumEvents = 20_000

    /// Reads `source` to the end with `reader`; nil when it held more than the bounds allow.
    public static func record(_ source: any ByteSource, reader: ReportReader, preparation: Preparation? = nil,
                              maximumRecords: Int = maximumRecords, maximumEvents: Int = maximumEvents) -> RecordedInput? {
        let recorder = Recorder(maximumRecords: maximumRecords, maximumEvents: maximumEvents, preparation: preparation)
        // Once the bounds are passed, the source fails every read, so the reader stops at once even inside
        // a container that holds many more reports.
        _ = reader.read(StoppableSource(source, stop: recorder), into: recorder)
        return recorder.gaveUp ? nil : RecordedInput(events: recorder.events)
    }

    /// Hands the recorded calls to `consumer` in their order, with what the consumer answers taken as a
    /// direct read takes it: a report whose header, record or whole TLS or failure report the consumer refuses
    /// gets no more records, and its outcome is that refusal (a `ReportError` as thrown, any other error as
    /// `rejectedByConsumer`), whatever the rest of its bytes held.
    public func replay(into consumer: some ReportConsumer) -> [ReportOutcome] {
        var refused: [Int: ReportError] = [:]
        var outcomes: [ReportOutcome] = []
        func deliver(_ part: Int, _ call: () throws -> Void) {
            guard refused[part] == nil else { return }
            do { try call() } catch let error as ReportError { refused[part] = error } catch {
                refused[part] = ReportError(.rejectedByConsumer, "\(error)")
            }
        }
        for event in events {
            switch event {
            case .header(let part, let header): deliver(part) { try consumer.reportBegins(part: part, header: header) }
            case .record(let part, let record, let prepared):
                deliver(part) { try consumer.record(part: part, record, prepared: prepared) }
            case .tls(let part, let report): deliver(part) { try consumer.tlsReport(part: part, report) }
            case .failure(let part, let report): deliver(part) { try consumer.failureReport(part: part, report) }
            case .end(let recorded):
                var outcome = recorded
                if let error = refused[recorded.part] {
                    outcome = ReportOutcome(part: recorded.part, location: recorded.location, container: recorded.container,
                                            kind: recorded.kind, result: .failure(error))
                }
                outcomes.append(outcome)
                consumer.reportEnds(outcome)
            }
        }
        return outcomes
    }

    /// The number of records recorded.
    public var recordCount: Int {
        events.reduce(0) { count, event in if case .record = event { return count + 1 } else { return count } }
    }
}

/// Keeps every call; refuses nothing until the bounds are passed.
private final class Recorder: ReportConsumer {
    let maximumRecords: Int
    let maximumEvents: Int
    let preparation: RecordedInput.Preparation?
    /// The preparation of the report being read, by its part.
    var prepare: (part: Int, function: @Sendable (AggregateRecord) -> (any Sendable)?)?
    var events: [RecordedInput.Event] = []
    var records = 0
    var gaveUp = false

    struct GaveUp: Error {}

    init(maximumRecords: Int, maximumEvents: Int, preparation: RecordedInput.Preparation?) {
        self.maximumRecords = maximumRecords
        self.maximumEvents = maximumEvents
        self.preparation = preparation
    }

    private func add(_ event: RecordedInput.Event) throws {
        guard !gaveUp else { throw GaveUp() }
        guard events.count < maximumEvents else {
            gaveUp = true
            events = []
            throw GaveUp()
        }
        events.append(event)
    }

    func reportBegins(part: Int, header: ReportSummary) throws {
        prepare = preparation?(header).map { (part, $0) }
        try add(.header(part, header))
    }

    func record(part: Int, _ record: AggregateRecord) throws {
        records += 1
        if records > maximumRecords {
            gaveUp = true
            events = []
        }
        let prepared = prepare.flatMap { $0.part == part && !gaveUp ? $0.function(record) : nil }
        try add(.record(part, record, prepared))
    }

    func reportEnds(_ outcome: ReportOutcome) {
        prepare = nil
        guard !gaveUp else { return }
        try? add(.end(outcome))
    }

    func tlsReport(part: Int, _ report: TLSReport) throws { try add(.tls(part, report)) }
    func failureReport(part: Int, _ report: FailureReport) throws { try add(.failure(part, report)) }
}

/// A source that fails once the recording it feeds has been given up.
private final class StoppableSource: ByteSource {
    let upstream: any ByteSource
    let stop: Recorder

    init(_ upstream: any ByteSource, stop: Recorder) {
        self.upstream = upstream
        self.stop = stop
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if stop.gaveUp { throw Recorder.GaveUp() }
        return try upstream.read(into: buffer)
    }
}
