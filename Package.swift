// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Bulkhead",
    products: [
        .executable(name: "bulkhead", targets: ["bulkhead"]),
        .library(name: "Bulkhead", targets: ["Bulkhead"]),
        .library(name: "BulkheadPolicy", targets: ["BulkheadPolicy"]),
        .library(name: "BulkheadSystem", targets: ["BulkheadSystem"]),
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
        // glibc calls Swift's Glibc module does not export (pipe2, getrandom, memfd_create).
        .target(name: "CSystemCalls"),
        // The OS layer every other target uses: calling the kernel (Errno), whole-file reads and writes,
        // atomic replacement, pipes, helper processes, clocks, paths. Nothing Bulkhead-specific.
        .target(name: "BulkheadSystem",
                dependencies: ["CSystemCalls", .product(name: "SystemPackage", package: "swift-system")]),
        // HMAC-SHA-256 and the kernel keyring that holds its key: what seals cache entries.
        .target(name: "CSeal"),
        .target(name: "BulkheadPolicy",
                dependencies: ["BulkheadSystem", "CYAML", "CSeccomp", "CSeal",
                               .product(name: "SystemPackage", package: "swift-system")],
                resources: [.embedInCode("Resources/default.yaml"), .embedInCode("Resources/strict.yaml"),
                           .embedInCode("Resources/tasks.yaml"), .embedInCode("Resources/network-client.yaml"),
                           .embedInCode("Resources/build.yaml")]),
        .target(name: "Bulkhead",
                dependencies: ["BulkheadSystem", "BulkheadPolicy", "CLaunch", "CSeccomp", "CCap",
                               .product(name: "SystemPackage", package: "swift-system")]),
        // Process-side halves of the process-vs-thread measurements: code that runs in a forked child
        // must be C (a forked child of a multi-threaded Swift process never runs Swift).
        .target(name: "CMeasure"),
        // Built-in tasks (workloads, faults, probes) runnable as threads or as sandboxed processes, and
        // the process-vs-thread measurements.
        .target(name: "BulkheadTasks", dependencies: ["BulkheadSystem", "Bulkhead", "BulkheadPolicy", "CMeasure",
                                                      .product(name: "SystemPackage", package: "swift-system")]),
        .executableTarget(name: "bulkhead",
                          dependencies: ["BulkheadSystem", "Bulkhead", "BulkheadPolicy", "BulkheadTasks",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // Probes for tests: raw syscalls and alternate entry points that Swift cannot express.
        // C only: the Swift runtime the linker adds is linked in statically, so that the probe needs no library
        // from the toolchain's directory (a file-system view grants the probe itself, not /opt/swift).
        .executableTarget(name: "bulkhead-probe", linkerSettings: [.unsafeFlags(["-static-stdlib"])]),
        // Runs a command in a MountView through the library, for tests as uid 65534 and for measuring; not part
        // of the product.
        .executableTarget(name: "bulkhead-view-runner", dependencies: ["Bulkhead", "BulkheadPolicy", "BulkheadSystem"],
                          path: "Tests/MountViewRunner"),
        // Helpers the test targets share; not part of the product.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "BulkheadSystemTests", dependencies: ["BulkheadSystem", "TestSupport"]),
        .testTarget(name: "BulkheadPolicyTests", dependencies: ["BulkheadPolicy", "BulkheadSystem", "TestSupport"]),
        // CMeasure: a fork loop in C, for a test of forks on other threads while launches run.
        .testTarget(name: "BulkheadTests", dependencies: ["Bulkhead", "BulkheadPolicy", "BulkheadSystem", "CLaunch", "CMeasure", "TestSupport"]),
        // CLITests spawn the built binary; `bulkhead` is linked in only to compare its two parsers of `run`.
        .testTarget(name: "CLITests", dependencies: ["Bulkhead", "BulkheadPolicy", "BulkheadSystem", "TestSupport", "bulkhead"]),
        .testTarget(name: "BulkheadTasksTests",
                    dependencies: ["BulkheadTasks", "Bulkhead", "BulkheadPolicy", "BulkheadSystem", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
