import Foundation

/// The executables of this build that tests run as children: `bulkhead` and `bulkhead-probe`.
public enum BuiltBinaries {
    /// Where they are: $BULKHEAD_BIN_DIR when set (scripts/test points it at the static release build for
    /// a second pass of the command-line tests), else next to the test bundle, else the package's
    /// .build/debug.
    public static let directory: String = {
        if let directory = ProcessInfo.processInfo.environment["BULKHEAD_BIN_DIR"], !directory.isEmpty { return directory }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        for _ in 0..<4 {
            url = url.deletingLastPathComponent()
            if FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("bulkhead").path) { return url.path }
        }
        return packageDirectory + "/.build/debug"
    }()

    public static var bulkhead: String { directory + "/bulkhead" }
    public static var probe: String { directory + "/bulkhead-probe" }

    /// The package's root, where relative paths such as examples/ and policies/ resolve.
    public static let packageDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
}
