// swift-tools-version:6.0
import PackageDescription

#if arch(x86_64)
let hardwareSHA: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-msha", "-Xcc", "-mssse3", "-Xcc", "-msse4.1"])]
#else
let hardwareSHA: [SwiftSetting] = []
#endif

let package = Package(
    name: "OneSource",
    products: [
        .library(name: "OneSource", targets: ["OneSource"]),
        .executable(name: "onesource", targets: ["onesource"]),
    ],
    targets: [
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CLibXML2", path: "Sources/CLibXML2", pkgConfig: "libxml-2.0",
                       providers: [.apt(["libxml2-dev"])]),
        // Checked arithmetic and preconditions in release builds too: -Ounchecked bought about 5% on the 1M city
        // (alternating runs: 28.7/34.4/42.7 s against 30.1/36.4/42.8 s), not enough to give up the checks in code
        // whose answers agencies are held to, and unsafe flags keep the package from being used as a dependency.
        .target(name: "OneSource", dependencies: ["CSQLite", "CLibXML2", "SHA256Hardware"]),
        // SHA-256's rounds on the SHA extensions: the one module compiled with processor features beyond x86-64's
        // baseline, since Swift has none per function. It runs only where CPUID reports them (SHA256Hardware.isAvailable);
        // elsewhere the library's portable rounds do. The flags only enable instructions (checks stay as they are); the
        // price is that SwiftPM, which refuses unsafe flags in a dependency, takes this package only as the root.
        .target(name: "SHA256Hardware", swiftSettings: hardwareSHA),
        .executableTarget(name: "onesource", dependencies: ["OneSource"]),
        .testTarget(name: "OneSourceTests", dependencies: ["OneSource", "onesource", "SHA256Hardware"]),
    ],
    swiftLanguageModes: [.v6]
)
