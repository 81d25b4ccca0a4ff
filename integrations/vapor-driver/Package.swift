// swift-tools-version:6.1
import PackageDescription

// The Vapor session driver, a package of its own so that the library's build
// (`make`) never compiles Vapor; `make test-swift-web` builds and tests it.
let package = Package(
    name: "connect-dynamo-vapor",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "ConnectDynamoVapor", targets: ["ConnectDynamoVapor"]),
    ],
    dependencies: [
        .package(name: "connect-dynamo", path: "../.."),
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
    ],
    targets: [
        .target(
            name: "ConnectDynamoVapor",
            dependencies: [
                .product(name: "ConnectDynamo", package: "connect-dynamo"),
                .product(name: "Vapor", package: "vapor"),
            ]
        ),
        // examples/swift/vapor, through the symlink Examples/VaporExample
        // (SwiftPM takes no sources from outside the package).
        .executableTarget(
            name: "VaporExample",
            dependencies: [
                "ConnectDynamoVapor",
                .product(name: "Vapor", package: "vapor"),
            ],
            path: "Examples/VaporExample"
        ),
        .testTarget(
            name: "ConnectDynamoVaporTests",
            dependencies: [
                "ConnectDynamoVapor",
                .product(name: "VaporTesting", package: "vapor"),
            ]
        ),
    ]
)
