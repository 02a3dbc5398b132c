// swift-tools-version:6.0
import PackageDescription

// All logic lives in LockscopeCore so tests can import it; the executables are thin.
// The project takes no package dependencies.
let optimize: [SwiftSetting] = [
  // The parser and the state machine are the hot path; exclusivity checks cost there
  // and buy nothing (no overlapping accesses by construction).
  .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))
]

let package = Package(
  name: "lockscope",
  products: [
    .executable(name: "lockscope", targets: ["lockscope"]),
    .library(name: "LockscopeCore", targets: ["LockscopeCore"]),
  ],
  targets: [
    // The system zlib, for .gz logs: a module map over its header, not a package.
    .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
    // A generic min-heap, the one piece the library and the log generator share.
    .target(name: "Heap", swiftSettings: optimize),
    .target(name: "LockscopeCore", dependencies: ["CZlib", "Heap"], swiftSettings: optimize),
    .executableTarget(name: "lockscope", dependencies: ["LockscopeCore"]),
    // Benchmark log generator (Scripts/bench.sh); independent of LockscopeCore on purpose,
    // so the generator cannot share a bug with the code it measures. It shares only the
    // heap, which has its own tests.
    .executableTarget(name: "lockscope-loggen", dependencies: ["Heap"], swiftSettings: optimize),
    .testTarget(name: "LockscopeCoreTests", dependencies: ["LockscopeCore", "Heap"], exclude: ["Golden"]),
    .testTarget(name: "LockscopeEndToEndTests", dependencies: ["lockscope"]),
  ]
)
