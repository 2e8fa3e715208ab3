import Foundation
import Testing

/// The line length of .swift-format holds for every Swift file under Sources/ and Tests/: swift-format
/// breaks neither string literals nor comments, and nothing in CI runs it, so this test keeps them wrapped.
@Suite struct SourceLineLengthTests {
    /// The package's root: this file is Tests/BulkheadSystemTests/SourceLineLengthTests.swift.
    static let packageDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    @Test func everySwiftLineFitsTheConfiguredLength() throws {
        let limit = try Self.configuredLineLength()
        var tooLong: [String] = []
        for path in try Self.swiftFiles(under: ["Sources", "Tests"]) {
            let text = try String(contentsOf: Self.packageDirectory.appendingPathComponent(path), encoding: .utf8)
            let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            for (index, line) in lines.enumerated() where line.count > limit {
                tooLong.append("\(path):\(index + 1): \(line.count) columns")
            }
        }
        let report = tooLong.joined(separator: "\n")
        #expect(tooLong.isEmpty, "lines longer than \(limit) columns (.swift-format lineLength):\n\(report)")
    }

    /// `lineLength` of the package's .swift-format.
    static func configuredLineLength() throws -> Int {
        let data = try Data(contentsOf: packageDirectory.appendingPathComponent(".swift-format"))
        let configuration = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let limit = try #require(configuration["lineLength"] as? Int, ".swift-format has no lineLength")
        try #require(limit > 0)
        return limit
    }

    /// The paths, relative to the package root and sorted, of the *.swift files under `directories`.
    static func swiftFiles(under directories: [String]) throws -> [String] {
        var paths: [String] = []
        for directory in directories {
            let root = packageDirectory.appendingPathComponent(directory).path
            let enumerator = try #require(FileManager.default.enumerator(atPath: root), "cannot list \(root)")
            while let relative = enumerator.nextObject() as? String {
                if relative.hasSuffix(".swift") { paths.append(directory + "/" + relative) }
            }
        }
        try #require(!paths.isEmpty, "no Swift files under \(directories) of \(packageDirectory.path)")
        return paths.sorted()
    }
}
