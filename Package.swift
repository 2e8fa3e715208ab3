// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Bulkhead",
    products: [
        .executable(name: "bulkhead", targets: ["bulkhead"]),
        .library(name: "Bulkhead", targets: ["Bulkhead"]),
        .library(name: "BulkheadPolicy", targets: ["BulkheadPolicy"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-system", exact: "1.8.1"),
    ],
    targets: [
        .systemLibrary(name: "CSeccomp", pkgConfig: "libseccomp",
                       providers: [.apt(["libseccomp-dev"])]),
        .systemLibrary(name: "CCap", pkgConfig: "libcap",
                       providers: [.apt(["libcap-dev"])]),
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1",
                       providers: [.apt(["libyaml-dev"])]),
        // The only code that runs between fork and exec. libc only, no allocation.
        .target(name: "CLaunch"),
        // HMAC-SHA-256 and the kernel keyring that holds its key: what seals cache entries.
        .target(name: "CSeal"),
        .target(name: "BulkheadPolicy",
                dependencies: ["CYAML", "CSeccomp", "CSeal"],
                resources: [.embedInCode("Resources/default.yaml"), .embedInCode("Resources/strict.yaml"),
                           .embedInCode("Resources/tasks.yaml")]),
        .target(name: "Bulkhead",
                dependencies: ["BulkheadPolicy", "CLaunch", "CSeccomp", "CCap",
                               .product(name: "SystemPackage", package: "swift-system")]),
        // Process-side halves of the process-vs-thread measurements: code that runs in a forked child
        // must be C (a forked child of a multi-threaded Swift process never runs Swift).
        .target(name: "CMeasure"),
        // Built-in tasks (workloads, faults, probes) runnable as threads or as sandboxed processes, and
        // the process-vs-thread measurements.
        .target(name: "BulkheadTasks", dependencies: ["Bulkhead", "BulkheadPolicy", "CMeasure"]),
        .executableTarget(name: "bulkhead",
                          dependencies: ["Bulkhead", "BulkheadPolicy", "BulkheadTasks",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // Probes for tests: raw syscalls and alternate entry points that Swift cannot express.
        .executableTarget(name: "bulkhead-probe"),
        // Runs a command in a MountView through the library, for tests as uid 65534 and for measuring; not part
        // of the product.
        .executableTarget(name: "bulkhead-view-runner", dependencies: ["Bulkhead", "BulkheadPolicy"], path: "Tests/MountViewRunner"),
        // Helpers the test targets share; not part of the product.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "BulkheadPolicyTests", dependencies: ["BulkheadPolicy"]),
        // CMeasure: a fork loop in C, for a test of forks on other threads while launches run.
        .testTarget(name: "BulkheadTests", dependencies: ["Bulkhead", "BulkheadPolicy", "CMeasure", "TestSupport"]),
        // CLITests spawn the built binary; `bulkhead` is linked in only to compare its two parsers of `run`.
        .testTarget(name: "CLITests", dependencies: ["Bulkhead", "BulkheadPolicy", "TestSupport", "bulkhead"]),
        .testTarget(name: "BulkheadTasksTests", dependencies: ["BulkheadTasks", "Bulkhead", "BulkheadPolicy", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
