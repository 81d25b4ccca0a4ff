import Testing
@testable import ConnectDynamo

/// The refresh windows of CredentialCache, on a clock the test moves.
struct CredentialCacheTests {
    final class Clock: @unchecked Sendable {
        var now = 1_000_000.0
    }

    /// A provider whose loads finish when the test says so.
    final class Provider: CredentialProvider, @unchecked Sendable {
        var name: String { "test" }
        var pending: [(ProviderResult) -> Void] = []
        var loads = 0
        func load(_ completion: @escaping (ProviderResult) -> Void) {
            loads += 1
            pending.append(completion)
        }
        func finish(_ result: ProviderResult) {
            let waiting = pending
            pending.removeAll()
            for completion in waiting { completion(result) }
        }
    }

    /// Records what each credentials() call got, and when.
    final class Calls: @unchecked Sendable {
        var results: [Result<Credentials, StoreError>] = []
        func callback() -> (Result<Credentials, StoreError>) -> Void {
            { self.results.append($0) }
        }
        var keys: [String] { results.compactMap { try? $0.get().accessKeyId } }
    }

    let clock = Clock()
    let provider = Provider()
    let calls = Calls()
    var cache: CredentialCache {
        CredentialCache(provider: provider, now: { [clock] in clock.now })
    }

    func credentials(_ key: String, expiresIn seconds: Double?) -> Credentials {
        Credentials(accessKeyId: key, secretAccessKey: "s", sessionToken: "t",
                    expiration: seconds.map { clock.now + $0 })
    }

    @Test func theFirstCallWaitsForTheProvider() {
        let cache = self.cache
        cache.credentials(calls.callback())
        #expect(calls.results.isEmpty && provider.loads == 1)
        provider.finish(.found(credentials("A", expiresIn: nil)))
        #expect(calls.keys == ["A"])
    }

    @Test func longTermCredentialsAreNeverRefreshed() {
        let cache = self.cache
        cache.credentials(calls.callback())
        provider.finish(.found(credentials("A", expiresIn: nil)))
        clock.now += 1e9
        cache.credentials(calls.callback())
        #expect(calls.keys == ["A", "A"] && provider.loads == 1)
    }

    @Test func outsideTheAdvisoryWindowNothingIsRefreshed() {
        let cache = self.cache
        cache.credentials(calls.callback())
        provider.finish(.found(credentials("A", expiresIn: 3600)))
        clock.now += 3600 - 15 * 60 - 1
        cache.credentials(calls.callback())
        #expect(calls.keys == ["A", "A"] && provider.loads == 1)
    }

    @Test func inTheAdvisoryWindowOneBackgroundRefreshRunsWhileTheOldOnesSign() {
        let cache = self.cache
        cache.credentials(calls.callback())
        provider.finish(.found(credentials("A", expiresIn: 3600)))
        clock.now += 3600 - 12 * 60
        cache.credentials(calls.callback())
        cache.credentials(calls.callback())
        #expect(calls.keys == ["A", "A", "A"])
        #expect(provider.loads == 2)  // one refresh for both calls
        provider.finish(.found(credentials("B", expiresIn: 3600)))
        cache.credentials(calls.callback())
        #expect(calls.keys.last == "B")
    }

    @Test func inTheMandatoryWindowCallsWaitForOneRefresh() {
        let cache = self.cache
        cache.credentials(calls.callback())
        provider.finish(.found(credentials("A", expiresIn: 3600)))
        clock.now += 3600 - 9 * 60
        cache.credentials(calls.callback())
        cache.credentials(calls.callback())
        #expect(calls.results.count == 1 && provider.loads == 2)
        provider.finish(.found(credentials("B", expiresIn: 3600)))
        #expect(calls.keys == ["A", "B", "B"])
    }

    @Test func aFailedRefreshKeepsWorkingCredentialsAndBacksOff() {
        let cache = self.cache
        cache.credentials(calls.callback())
        provider.finish(.found(credentials("A", expiresIn: 3600)))
        clock.now += 3600 - 5 * 60
        cache.credentials(calls.callback())
        provider.finish(.failed(StoreError(.credentials, "down")))
        #expect(calls.keys == ["A", "A"])
        clock.now += 5
        cache.credentials(calls.callback())  // within the back-off: no new load
        #expect(calls.keys == ["A", "A", "A"] && provider.loads == 2)
        clock.now += CredentialCache.retryAfterFailure
        cache.credentials(calls.callback())
        #expect(provider.loads == 3)
        provider.finish(.found(credentials("B", expiresIn: 3600)))
        #expect(calls.keys.last == "B")
    }

    @Test func aFailedRefreshOfExpiredCredentialsIsAFailure() {
        let cache = self.cache
        cache.credentials(calls.callback())
        provider.finish(.found(credentials("A", expiresIn: 3600)))
        clock.now += 3601
        cache.credentials(calls.callback())
        provider.finish(.failed(StoreError(.credentials, "down")))
        #expect(calls.results.count == 2)
        #expect(throws: StoreError.self) { try calls.results[1].get() }
    }

    @Test func invalidatedCredentialsAreLoadedAgain() {
        let cache = self.cache
        cache.credentials(calls.callback())
        let first = credentials("A", expiresIn: 3600)
        provider.finish(.found(first))
        cache.invalidate(credentials("OTHER", expiresIn: 3600))
        cache.credentials(calls.callback())
        #expect(provider.loads == 1)
        cache.invalidate(first)
        cache.credentials(calls.callback())
        #expect(provider.loads == 2)
        provider.finish(.found(credentials("B", expiresIn: 3600)))
        #expect(calls.keys == ["A", "A", "B"])
    }
}
