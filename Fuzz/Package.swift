// swift-tools-version:6.0
// The libFuzzer target over the policy loader (see docs/fuzzing.md). A package of its own so that the
// main package's build and CI never see -sanitize=fuzzer; build it with scripts/fuzz.
import PackageDescription

let package = Package(
    name: "BulkheadFuzz",
    // Named: a path dependency is otherwise known by its directory name, which differs between checkouts.
    dependencies: [.package(name: "Bulkhead", path: "..")],
    targets: [
        .executableTarget(name: "PolicyFuzzer",
                          dependencies: [.product(name: "BulkheadPolicy", package: "Bulkhead")]),
    ],
    swiftLanguageModes: [.v6]
)
