import Glibc
import Testing
@testable import ConnectDynamo

/// The opt-in compressed form of large sessions.
struct CompressionTests {
    static let endpoint = StoreFixture.endpoint

    @Test func base64RoundTripsAndRefusesWhatIsNotCanonical() {
        for length in 0..<7 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 97 &+ 200) }
            #expect(Base64.decode(Base64.encode(bytes)) == bytes)
        }
        #expect(Base64.encode(Array("Man".utf8)) == "TWFu")
        #expect(Base64.encode(Array("Ma".utf8)) == "TWE=")
        #expect(Base64.decode("TWE") == nil)
        #expect(Base64.decode("T=Fu") == nil)
        #expect(Base64.decode("TW!u") == nil)
    }

    @Test func deflateAndInflateRoundTripAndGarbageIsRefused() throws {
        let text = Array(String(repeating: #"{"k":"value"},"#, count: 1000).utf8)
        let deflated = try #require(text.withUnsafeBufferPointer { SessionCompression.deflate($0) })
        #expect(deflated.count < text.count / 10)
        #expect(SessionCompression.inflate(deflated) == text)
        #expect(SessionCompression.inflate(Array("not zlib".utf8)) == nil)
        #expect(SessionCompression.inflate(Array(deflated.dropLast(4))) == nil)
    }

    @Test func aBombInflatingPastTheLimitIsRefused() throws {
        let zeros = [UInt8](repeating: 0x20, count: SessionCompression.maximumInflatedBytes + 1)
        let deflated = try #require(zeros.withUnsafeBufferPointer { SessionCompression.deflate($0) })
        #expect(SessionCompression.inflate(deflated) == nil)
    }

    func openStore(prefix: String, threshold: Int?) throws -> SessionStore {
        var options = StoreFixture.options(table: "compress-\(getpid())", prefix: prefix)
        options.compressThresholdBytes = threshold
        return try SessionStore(options: options)
    }

    @Test(.enabled(if: endpoint != nil))
    func largeSessionsAreStoredDeflatedAndReadBackInEitherFormBySaves() throws {
        let store = try openStore(prefix: "z:", threshold: 1000)
        let plain = try openStore(prefix: "z:", threshold: nil)
        defer { store.close(); plain.close() }
        let big = "{\"blob\":\"" + String(repeating: "abc", count: 200_000) + "\"}"  // 600 KB
        try answer { try store.save("big", data: Array(big.utf8), expires: 0, base: nil, $0) }
        try answer { try store.save("small", data: Array(#"{"n":1}"#.utf8), expires: 0, base: nil, $0) }
        let raw = try JSON.parse(try answer { try store.item("big", $0) })
        #expect(raw["sess"] == nil && raw[SessionCompression.attribute]?["B"] != nil)
        #expect(try JSON.parse(try answer { try store.item("small", $0) })["sess"] != nil)
        // read transparently, by a store with or without the option
        let read = try answer { try plain.get("big", $0) }
        #expect(read.data == Array(big.utf8))
        #expect(try answer { try plain.list(withData: true, $0) }.count == 2)
        // a save that shrinks it below the threshold stores it as text again
        try answer { try store.save("big", data: Array(#"{"blob":"x"}"#.utf8), expires: 0,
                                  base: .init(version: read.version, data: read.data), $0) }
        let shrunk = try JSON.parse(try answer { try store.item("big", $0) })
        #expect(shrunk[SessionCompression.attribute] == nil && shrunk["sess"]?["S"] == #"{"blob":"x"}"#)
        // without compression, the same session is too large
        #expect(throws: StoreError.self) {
            try answer { try plain.save("big2", data: Array(big.utf8), expires: 0, base: nil, $0) }
        }
    }
}
