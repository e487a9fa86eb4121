import Foundation

/// Locates the third-party data in `../shared` (conformance suites, sample reports) without copying it into
/// the repository. `SENDERWATCH_SHARED` overrides the location. Under CI (`CI=true`) a missing folder is an
/// error; elsewhere tests skip with a plain message.
public enum SharedData {
    public struct Missing: Error, CustomStringConvertible {
        public let path: String
        public var description: String {
            "shared test data not found at \(path): set SENDERWATCH_SHARED to the folder that holds conformance/"
        }
    }

    /// The package root, derived from this source file's location.
    public static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    public static var root: URL {
        if let override = ProcessInfo.processInfo.environment["SENDERWATCH_SHARED"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared")
    }

    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// The URL of `relative` under the shared folder, or nil when it is absent outside CI.
    /// Under CI an absent file throws, so the run fails instead of passing vacuously.
    public static func url(_ relative: String) throws -> URL? {
        let url = root.appendingPathComponent(relative)
        if FileManager.default.fileExists(atPath: url.path) { return url }
        if isCI { throw Missing(path: url.path) }
        print("note: skipping, shared data absent: \(url.path)")
        return nil
    }
}
