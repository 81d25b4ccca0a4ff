// The fuzz targets: one per parser of bytes from outside, each with its own
// seed corpus in Fuzz/corpus/<target> (the Makefile runs one target per
// folder there, so a new target needs its folder). One binary holds them all (the core
// is built with the sanitizers once); FUZZ_TARGET picks the one a libFuzzer
// run exercises, so each run's coverage guides one parser. Built with
// libFuzzer by `make fuzz` / `make test-fuzz` (-D FUZZING); built plainly it
// replays files (`ConnectDynamoFuzz TARGET FILE...`), so that a crash input
// can be rerun in a debugger.
@testable import ConnectDynamo
import Glibc

/// A parser fed with arbitrary bytes. It may reject anything; it must not
/// crash, and what it accepts must keep the invariants its target checks.
struct FuzzTarget: Sendable {
    let name: String
    let run: @Sendable ([UInt8]) -> Void
}

let targets: [FuzzTarget] = [
    // DynamoDB answers and stored sessions: JSON must survive a round trip.
    FuzzTarget(name: "json") { bytes in
        if let value = try? JSON.parse(bytes) {
            guard (try? JSON.parse(value.encoded())) == value else {
                die("JSON round trip changed the value")
            }
            _ = SessionItem(options: StoreOptions()).session(from: value, now: 0)
        }
        _ = bytes.withUnsafeBufferPointer { try? JSON.validateObject($0) }
        _ = DynamoDBError.from(status: 400, body: bytes)
    },
    // Response header lines as libcurl hands them over, one at a time.
    FuzzTarget(name: "http-headers") { bytes in
        let transfer = Transfer(completion: { _ in })
        for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            (Array(line) + [UInt8(ascii: "\n")]).withUnsafeBufferPointer { transfer.addHeaderLine($0) }
        }
        // Names are looked up lowercased. (The prefix test ORs 0x20 into
        // every byte, so "x\ramz..." is kept too, under a name nothing
        // reads: harmless, and not asserted here.)
        for name in transfer.headers.keys where name.utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) {
            die("header \(name) kept with uppercase letters")
        }
        _ = transfer.headers["x-amz-crc32"].flatMap { UInt32($0) }
    },
    // ~/.aws/config and ~/.aws/credentials, and endpoint URLs read from them.
    FuzzTarget(name: "shared-config") { bytes in
        let text = String(decoding: bytes, as: UTF8.self)
        var config = SharedConfig()
        config.merge(text: text, isConfigFile: true)
        config.merge(text: text, isConfigFile: false)
        _ = try? Endpoint(parsing: text)
    },
    // What a credential_process command prints.
    FuzzTarget(name: "credential-process") { bytes in
        _ = ProcessCredentialProvider.parse(bytes, profileName: "fuzz", now: 0)
    },
    // ~/.aws/sso/cache/<sha1>.json, written by `aws sso login`.
    FuzzTarget(name: "sso-cache") { bytes in
        _ = try? SSOTokenCache.entry(parsing: bytes, path: "fuzz.json", now: 0)
    },
    // The SSO portal's GetRoleCredentials answer.
    FuzzTarget(name: "sso-role-credentials") { bytes in
        _ = SSOCredentialProvider.roleCredentials(bytes, now: 0)
    },
    // STS's XML: AssumeRole(WithWebIdentity) answers and error documents.
    FuzzTarget(name: "sts-xml") { bytes in
        _ = STSResponse.credentials(bytes, now: 0)
        _ = STSResponse.error(bytes)
    },
    // The container and instance-metadata credential documents, and the
    // timestamps they carry.
    FuzzTarget(name: "credential-document") { bytes in
        _ = CredentialDocument.parse(bytes, source: "fuzz", tokenField: "Token", now: 0)
        _ = ISO8601.epochSeconds(String(decoding: bytes, as: UTF8.self))
    },
    // An encrypted session (`sesse`) as read from a table: whatever its
    // bytes, opening fails cleanly unless they authenticate, and what
    // opens seals back to the same bytes under its nonce; the bytes as a
    // session, sealed then opened, come back, and a flipped bit does not.
    FuzzTarget(name: "encrypted-session") { bytes in
        let key = EncryptionKey(id: "k1", bytes: Array(0..<32))
        if case .success(let (format, text)) = SessionCipher.open(bytes, ring: [key], itemKey: "sess:abc") {
            let nonce = Array(bytes[(2 + Int(bytes[1]))...].prefix(SessionCipher.nonceBytes))
            let again = text.withUnsafeBufferPointer {
                SessionCipher.seal($0, format: format, key: key, itemKey: "sess:abc", nonce: nonce)
            }
            if again != bytes { die("an opened session does not seal back to its bytes") }
        }
        guard let sealed = bytes.withUnsafeBufferPointer({
            SessionCipher.seal($0, format: .json, key: key, itemKey: "sess:abc")
        }) else { die("sealing failed") }
        guard case .success(let (_, opened)) = SessionCipher.open(sealed, ring: [key], itemKey: "sess:abc"),
              opened == bytes else { die("a sealed session did not open to itself") }
        var flipped = sealed
        let position = bytes.isEmpty ? flipped.count - 1 : 2 + 2 + Int(bytes[0]) % (flipped.count - 4)
        flipped[position] ^= 0x80
        if case .success = SessionCipher.open(flipped, ring: [key], itemKey: "sess:abc") {
            die("a flipped bit still authenticated")
        }
    },
]

func target(named name: String) -> FuzzTarget? {
    targets.first { $0.name == name }
}

func complain(_ message: String) {
    let line = message + "\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
}

func die(_ message: String) -> Never {
    complain(message)
    abort()
}

func targetNames() -> String {
    targets.map(\.name).joined(separator: ", ")
}

#if FUZZING
/// FUZZ_TARGET, looked up once: libFuzzer calls the entry point per input.
let selected: FuzzTarget = {
    guard let name = getenv("FUZZ_TARGET").map({ String(cString: $0) }), let found = target(named: name) else {
        die("set FUZZ_TARGET to one of: \(targetNames())")
    }
    return found
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    selected.run(Array(UnsafeBufferPointer(start: data, count: data == nil ? 0 : size)))
    return 0
}
#else
@main
struct Replay {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let found = target(named: name) else {
            complain("usage: ConnectDynamoFuzz TARGET FILE... (TARGET: \(targetNames()))")
            exit(2)
        }
        for path in arguments.dropFirst() {
            guard let bytes = try? FileReader.contents(of: path) else {
                complain("cannot read \(path)")
                exit(2)
            }
            found.run(bytes)
        }
    }
}
#endif
