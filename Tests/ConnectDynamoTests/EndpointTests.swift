import Testing
@testable import ConnectDynamo

struct EndpointTests {
    @Test func hostHeaderKeepsNonDefaultPortsOnly() throws {
        #expect(try Endpoint(parsing: "http://localhost:8000").hostHeader == "localhost:8000")
        #expect(try Endpoint(parsing: "http://localhost:80/").hostHeader == "localhost")
        #expect(try Endpoint(parsing: "https://dynamodb.us-east-1.amazonaws.com:443").hostHeader
            == "dynamodb.us-east-1.amazonaws.com")
        #expect(try Endpoint(parsing: "http://[::1]:8000").hostHeader == "[::1]:8000")
        #expect(try Endpoint(parsing: "http://h:1/base?x#y").path == "/base")
    }

    @Test(arguments: ["localhost:8000", "ftp://h", "http://", "http://user@h", "http:// h",
                      "http://[::1", "http://[::1]x", "http://[]:80", "http://h:99999", "http://h:0",
                      "http://h:", "http://:80", "http://h:8x", "http://h:1:2"])
    func badURLsAreRejected(_ text: String) {
        #expect(throws: StoreError.self) { try Endpoint(parsing: text) }
    }

    @Test func regionsMapToPublicEndpoints() throws {
        #expect(try Endpoint.forRegion("eu-west-1").url == "https://dynamodb.eu-west-1.amazonaws.com/")
        #expect(try Endpoint.forRegion("cn-north-1").url == "https://dynamodb.cn-north-1.amazonaws.com.cn/")
        #expect(throws: StoreError.self) { try Endpoint.forRegion("bad/region") }
    }

    func env(_ values: [String: String]) -> Environment {
        Environment { values[$0] }
    }

    @Test func endpointResolutionOrder() throws {
        let config = SharedConfig()
        let profile: SharedConfig.Section = ["endpoint_url": "http://profile:1"]
        let both = env(["AWS_ENDPOINT_URL_DYNAMODB": "http://dynamo:1", "AWS_ENDPOINT_URL": "http://generic:1"])
        #expect(try Resolution.endpoint(option: "http://option:1", region: "us-east-1", env: both,
                                        config: config, profile: profile).hostHeader == "option:1")
        #expect(try Resolution.endpoint(option: nil, region: "us-east-1", env: both,
                                        config: config, profile: profile).hostHeader == "dynamo:1")
        #expect(try Resolution.endpoint(option: nil, region: "us-east-1", env: env(["AWS_ENDPOINT_URL": "http://generic:1"]),
                                        config: config, profile: profile).hostHeader == "generic:1")
        #expect(try Resolution.endpoint(option: nil, region: "us-east-1", env: env([:]),
                                        config: config, profile: profile).hostHeader == "profile:1")
        #expect(try Resolution.endpoint(option: nil, region: "us-west-2", env: env([:]),
                                        config: config, profile: nil).hostHeader == "dynamodb.us-west-2.amazonaws.com")
        let ignoring = env(["AWS_ENDPOINT_URL": "http://generic:1", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"])
        #expect(try Resolution.endpoint(option: nil, region: "us-east-1", env: ignoring,
                                        config: config, profile: profile).hostHeader == "dynamodb.us-east-1.amazonaws.com")
    }

    @Test func regionResolutionOrder() throws {
        #expect(try Resolution.region(option: "a", env: env(["AWS_REGION": "b"]), profile: nil) == "a")
        #expect(try Resolution.region(option: nil, env: env(["AWS_REGION": "b", "AWS_DEFAULT_REGION": "c"]), profile: nil) == "b")
        #expect(try Resolution.region(option: nil, env: env(["AWS_DEFAULT_REGION": "c"]), profile: ["region": "d"]) == "c")
        #expect(try Resolution.region(option: nil, env: env([:]), profile: ["region": "d"]) == "d")
        #expect(try Resolution.region(option: nil, env: env([:]), profile: nil) == "us-east-1")
    }
}
