// One fuzz target for every parser that reads bytes from outside: DynamoDB
// and credential-service responses, session JSON, the shared AWS files,
// timestamps, endpoints. Built with libFuzzer by `make fuzz` (-D FUZZING);
// built plainly it replays files given as arguments, so a crash input can
// be rerun in a debugger.
@testable import ConnectDynamo
import Glibc

/// Runs every parser on `bytes`. Parsers may reject anything; they must
/// not crash, and JSON that parses must survive a round trip.
func fuzzOne(_ bytes: UnsafeBufferPointer<UInt8>) {
    let array = Array(bytes)
    let text = String(decoding: array, as: UTF8.self)

    if let value = try? JSON.parse(bytes) {
        guard (try? JSON.parse(value.encoded())) == value else {
            complain("JSON round trip changed the value")
            abort()
        }
        _ = SessionItem(options: StoreOptions()).session(from: value, now: 0)
    }
    _ = try? JSON.validateObject(bytes)
    _ = DynamoDBError.from(status: 400, body: array)
    _ = STSResponse.credentials(array, now: 0)
    _ = STSResponse.error(array)
    _ = CredentialDocument.parse(array, source: "fuzz", tokenField: "Token", now: 0)
    _ = ISO8601.epochSeconds(text)
    _ = try? Endpoint(parsing: text)
    var config = SharedConfig()
    config.merge(text: text, isConfigFile: true)
    config.merge(text: text, isConfigFile: false)
}

func complain(_ message: String) {
    let line = message + "\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzzOne(UnsafeBufferPointer(start: data, count: data == nil ? 0 : size))
    return 0
}
#else
@main
struct Replay {
    static func main() {
        for path in CommandLine.arguments.dropFirst() {
            guard let bytes = try? FileReader.contents(of: path) else {
                complain("cannot read \(path)")
                exit(2)
            }
            bytes.withUnsafeBufferPointer { fuzzOne($0) }
        }
    }
}
#endif
