// swift-tools-version:6.0
import PackageDescription

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
        .target(name: "OneSource", dependencies: ["CSQLite", "CLibXML2"],
                swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]),
        .executableTarget(name: "onesource", dependencies: ["OneSource"]),
        .testTarget(name: "OneSourceTests", dependencies: ["OneSource", "onesource"]),
    ],
    swiftLanguageModes: [.v6]
)
