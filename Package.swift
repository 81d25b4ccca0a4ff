// swift-tools-version:6.1
import PackageDescription

// libconnectdynamo: a DynamoDB session store. `ConnectDynamo` is the Swift
// core; `connectdynamo` holds only the C ABI thunks declared in
// include/connectdynamo.h and is what `make lib` ships as the .so.
let package = Package(
    name: "connect-dynamo",
    products: [
        .library(name: "connectdynamo", type: .dynamic, targets: ["connectdynamo"]),
        .library(name: "ConnectDynamo", targets: ["ConnectDynamo"]),
    ],
    targets: [
        .systemLibrary(name: "CConnectDynamo", path: "include"),
        .systemLibrary(name: "CCrypto", path: "Sources/CCrypto"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .target(
            name: "CCurl",
            linkerSettings: [.linkedLibrary("curl")]
        ),
        .target(
            name: "ConnectDynamo",
            // CConnectDynamo for the version and ABI number only: the
            // header is their one source.
            dependencies: ["CCurl", "CCrypto", "CZlib", "CConnectDynamo"]
        ),
        .target(
            name: "connectdynamo",
            dependencies: ["ConnectDynamo", "CConnectDynamo"]
        ),
        // `make fuzz` builds this with libFuzzer; plainly built it replays
        // inputs given as files.
        .executableTarget(
            name: "ConnectDynamoFuzz",
            dependencies: ["ConnectDynamo"],
            path: "Fuzz/ConnectDynamoFuzz"
        ),
        .testTarget(
            name: "ConnectDynamoTests",
            dependencies: ["ConnectDynamo"]
        ),
    ]
)
