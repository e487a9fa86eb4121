// libFuzzer target for what reads a monitor or settings file before MonitorLoader's rules: Yams (libyaml)
// composing the documents, YAMLReader's typed accessors with their located problems, and the duration and
// size readers. Built by Scripts/fuzz with the Yams and CYaml sources and MonitorConfig's YAMLReader.swift
// and SizeValue.swift; MonitorLoader itself needs Alerting (swift-crypto, libcurl) and Inventory (GRDB),
// which are not compiled into a fuzz binary.

/// Properties checked on every input: nothing traps; every problem is located in the file; durations and
/// sizes that parse are positive (durations) or non-negative (sizes) and survive a round trip through text.
@_cdecl("LLVMFuzzerTestOneInput")
public func yamlReaderFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let seconds = parseDuration(text), seconds <= 0, Int(text) == nil { fatalError("duration \(seconds) from \(text)") }
    if let bytes = parseSize(text) {
        if bytes < 0 { fatalError("size \(bytes) from \(text)") }
        if parseSize(String(bytes)) != bytes { fatalError("size \(bytes) does not read back") }
    }
    guard let documents = try? compose_all(yaml: text) else { return 0 }
    let reader = YAMLReader(file: "fuzz.yaml")
    var visited = 0
    for document in documents { walk(document, "", reader, &visited) }
    for problem in reader.problems where problem.file != "fuzz.yaml" || problem.message.isEmpty {
        fatalError("an unlocated problem: \(problem)")
    }
    return 0
}

/// Reads every node the ways MonitorLoader does, at most a few thousand nodes per input.
func walk(_ node: Node, _ path: String, _ reader: YAMLReader, _ visited: inout Int) {
    visited += 1
    guard visited < 4000 else { return }
    switch node {
    case .mapping:
        guard let entries = reader.mapping(node, path, allowed: ["domain", "settings", "senders", "interval", "ingest_limits"]) else { return }
        for (key, value) in entries.sorted(by: { $0.key < $1.key }) {
            let child = reader.join(path, key)
            if let text = reader.string(value, child) { _ = parseDuration(text); _ = parseSize(text) } else { walk(value, child, reader, &visited) }
        }
    case .sequence:
        for (index, item) in reader.list(node, path).enumerated() { walk(item, "\(path)[\(index)]", reader, &visited) }
        _ = reader.strings(node, path)
    default:
        _ = reader.int(node, path, range: 1...1_000_000)
        _ = reader.double(node, path, range: 0.1...120)
        _ = reader.string(node, path)
    }
}
