import Foundation

/// The logo a BIMI record names: an SVG in the SVG Tiny Portable/Secure profile. The checks are the basics
/// receivers enforce before they show one, read from the text (apart from `BIMIAssets`, which needs X509, so
/// the fuzz target can build it alone).
public enum BIMILogo {
    /// The largest logo read: the BIMI group recommends at most 32 KiB.
    public static let maximumBytes = 32_768

    /// What is wrong with an SVG logo for BIMI, empty when nothing is.
    public static func problems(_ bytes: [UInt8]) -> [String] {
        guard bytes.count <= maximumBytes else { return ["the logo is \(bytes.count) bytes; at most \(maximumBytes)"] }
        let text = String(decoding: bytes, as: UTF8.self).lowercased()
        guard let start = text.range(of: "<svg") else { return ["the file is not an SVG document (no <svg> element)"] }
        let root = text[start.lowerBound...].prefix { $0 != ">" }
        var problems: [String] = []
        if !(root.contains("baseprofile=\"tiny-ps\"") || root.contains("baseprofile='tiny-ps'")) {
            problems.append("the <svg> element lacks baseProfile=\"tiny-ps\" (SVG Tiny Portable/Secure)")
        }
        if !(root.contains("version=\"1.2\"") || root.contains("version='1.2'")) {
            problems.append("the <svg> element lacks version=\"1.2\"")
        }
        if !text.contains("<title") { problems.append("no <title> element (the profile requires one)") }
        if text.contains("<script") { problems.append("a <script> element (scripts are not allowed)") }
        if text.contains("<foreignobject") { problems.append("a <foreignObject> element (not allowed)") }
        if text.contains("<image") { problems.append("an embedded or linked raster <image> (not allowed)") }
        for reference in ["href=\"http", "href='http", "url(http", "href=\"//", "href='//"] where text.contains(reference) {
            problems.append("an external reference (\(reference)...): the logo must be self-contained")
            break
        }
        if text.range(of: #"\son[a-z]+\s*="#, options: .regularExpression) != nil {
            problems.append("an event attribute (on...=): scripts are not allowed")
        }
        return problems
    }
}
