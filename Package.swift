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
    .target(name: "LockscopeCore", dependencies: ["CZlib"], swiftSettings: optimize),
    .executableTarget(name: "lockscope", dependencies: ["LockscopeCore"]),
    // Benchmark log generator (Scripts/bench.sh); independent of LockscopeCore on purpose,
    // so the generator cannot share a bug with the code it measures.
    .executableTarget(name: "lockscope-loggen", swiftSettings: optimize),
    .testTarget(name: "LockscopeCoreTests", dependencies: ["LockscopeCore"], exclude: ["Golden"]),
    .testTarget(name: "LockscopeEndToEndTests", dependencies: ["lockscope"]),
  ]
)
