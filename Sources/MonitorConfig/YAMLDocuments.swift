import Yams

/// Composes every `---` document of a file, or reports why the file is not YAML at the line and column
/// libyaml stopped at.
///
/// `Yams.compose_all` returns a lazy `YamlSequence`: a syntax error ends the iteration as if the stream were
/// over and is only kept in the iterator's `error` property. Copying the sequence into an array (as this
/// loader once did) drops that error, so a file with an unclosed `{` read as a file with no documents, and
/// `apply --prune` removed its domains. The iterator is walked here by hand and its error checked.
enum YAMLDocuments {
    /// The documents, or nil after adding the syntax problem to `reader`: a file is used whole or not at all.
    static func compose(_ text: String, _ reader: YAMLReader) -> [Node]? {
        var documents: [Node] = []
        do {
            var iterator = try Yams.compose_all(yaml: text)
            while let document = iterator.next() { documents.append(document) }
            if let error = iterator.error { throw error }
        } catch {
            reader.add(problem(error, file: reader.file, text: text))
            return nil
        }
        return documents
    }

    static func problem(_ error: any Error, file: String, text: String) -> MonitorFileProblem {
        guard let error = error as? YamlError else {
            return MonitorFileProblem(file: file, path: "", message: "not valid YAML: \(error)")
        }
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let message = "not valid YAML: \(problem)" + hint(context: context, at: mark, in: text)
            return MonitorFileProblem(file: file, line: mark.line, column: mark.column, path: "", message: message)
        case .reader(let problem, let offset, _, _):
            let at = offset.map { " at character \($0 + 1)" } ?? ""
            return MonitorFileProblem(file: file, path: "", message: "not readable as YAML text\(at): \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return MonitorFileProblem(file: file, line: context.mark.line, column: context.mark.column, path: "",
                                      message: "duplicate key(s) \(duplicates.sorted().joined(separator: ", "))")
        default:
            return MonitorFileProblem(file: file, path: "", message: "not valid YAML: \(error)")
        }
    }

    /// What the user most likely has to fix, from libyaml's context (the construct it was inside).
    static func hint(context: YamlError.Context?, at mark: Mark, in text: String) -> String {
        if character(at: mark, in: text) == "\t" {
            return " (a tab character: YAML indents with spaces only)"
        }
        guard let context else { return "" }
        let opened = "line \(context.mark.line), column \(context.mark.column)"
        switch context.text {
        case "while parsing a flow mapping":
            return " (the { opened at \(opened) is not closed with })"
        case "while parsing a flow sequence":
            return " (the [ opened at \(opened) is not closed with ])"
        case "while scanning a quoted scalar":
            return " (the quote opened at \(opened) is not closed)"
        default:
            return " (\(context.text), which starts at \(opened))"
        }
    }

    /// The character libyaml points at (lines and columns count from 1, columns in Unicode scalars).
    static func character(at mark: Mark, in text: String) -> Unicode.Scalar? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard mark.line >= 1, mark.line <= lines.count else { return nil }
        let scalars = Array(lines[mark.line - 1].unicodeScalars)
        return mark.column >= 1 && mark.column <= scalars.count ? scalars[mark.column - 1] : nil
    }
}
