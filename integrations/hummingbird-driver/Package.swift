// swift-tools-version:6.2
import PackageDescription

// The Hummingbird persist driver, a package of its own so that the library's
// build (`make`) never compiles Hummingbird; `make test-swift-web` builds and
// tests it.
let package = Package(
    name: "connect-dynamo-hummingbird",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "ConnectDynamoHummingbird", targets: ["ConnectDynamoHummingbird"]),
    ],
    dependencies: [
        .package(name: "connect-dynamo", path: "../.."),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
    ],
    targets: [
        .target(
            name: "ConnectDynamoHummingbird",
            dependencies: [
                .product(name: "ConnectDynamo", package: "connect-dynamo"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        // examples/swift/hummingbird, through the symlink
        // Examples/HummingbirdExample (SwiftPM takes no sources from outside
        // the package).
        .executableTarget(
            name: "HummingbirdExample",
            dependencies: [
                "ConnectDynamoHummingbird",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            path: "Examples/HummingbirdExample"
        ),
        .testTarget(
            name: "ConnectDynamoHummingbirdTests",
            dependencies: [
                "ConnectDynamoHummingbird",
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
    ]
)
