import Testing
@testable import ConnectDynamo

/// The reaper's capacity budget on a virtual clock: whatever the pages
/// cost, however many segments share it, the units spent per second stay
/// at the budget.
struct CapacityBudgetTests {
    /// A clock the test moves by hand.
    final class VirtualClock: @unchecked Sendable {
        var seconds = 1000.0
        func now() -> Double { seconds }
    }

    /// A small deterministic generator, so a failure replays.
    struct Lcg {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    /// Runs `segments` scanners over `items` items as the reaper does:
    /// wait for the budget, reserve the last page's cost, "send" (taking
    /// `latency` seconds), settle the real cost. Returns the units spent
    /// and when each was spent.
    func simulate(items: Int, pageItems: Int, segments: Int, rate: Double,
                  latency: Double, seed: UInt64) -> (units: Double, spends: [(at: Double, units: Double)], end: Double) {
        let clock = VirtualClock()
        let start = clock.seconds
        let budget = CapacityBudget(unitsPerSecond: rate, now: clock.now)
        var random = Lcg(state: seed)
        // Each segment's next event time, estimate and remaining items.
        var nextAt = Array(repeating: start, count: segments)
        var estimate = Array(repeating: 1.0, count: segments)
        var remaining = Array(repeating: items / segments, count: segments)
        remaining[0] += items % segments
        var inFlight: [Double?] = Array(repeating: nil, count: segments)  // reserved units
        var spends: [(at: Double, units: Double)] = []
        var total = 0.0
        while let segment = (0..<segments).filter({ remaining[$0] > 0 || inFlight[$0] != nil })
                .min(by: { nextAt[$0] < nextAt[$1] }) {
            clock.seconds = nextAt[segment]
            if let reserved = inFlight[segment] {
                // The answer: items of 0.5-6 KB, eventually consistent reads
                // (0.5 unit per 4 KB, rounded up over the page as DynamoDB does).
                let count = min(pageItems, remaining[segment])
                var bytes = 0
                for _ in 0..<count { bytes += 512 + random.next(5632) }
                let units = Double((bytes + 4095) / 4096) * 0.5
                budget.spend(units - reserved)
                spends.append((clock.seconds, units))
                total += units
                estimate[segment] = max(units, 0.5)
                remaining[segment] -= count
                inFlight[segment] = nil
                nextAt[segment] = clock.seconds
                continue
            }
            let wait = budget.delayMillis()
            if wait > 0 {
                nextAt[segment] = clock.seconds + Double(wait) / 1000
                continue
            }
            budget.spend(estimate[segment])
            inFlight[segment] = estimate[segment]
            nextAt[segment] = clock.seconds + latency
        }
        return (total, spends, clock.seconds - start)
    }

    @Test(arguments: [1, 4, 16])
    func aReapOfTwentyThousandItemsSpendsWithinTwentyPercentOfTheBudget(segments: Int) {
        let rate = 25.0
        let run = simulate(items: 20_000, pageItems: 100, segments: segments, rate: rate,
                           latency: 0.02, seed: 42)
        let achieved = run.units / run.end
        #expect(run.units > 1000)  // the budget, not the latency, sets the pace
        #expect(achieved <= rate * 1.2 && achieved >= rate * 0.8, "\(achieved) units/s for a budget of \(rate)")
        // No ten-second window spends more than ten seconds' worth, plus
        // what the segments in flight had reserved (one page each).
        let maximumPage = run.spends.map(\.units).max() ?? 0
        var windowStart = 0
        var inWindow = 0.0
        for (i, spend) in run.spends.enumerated() {
            inWindow += spend.units
            while run.spends[windowStart].at < spend.at - 10 {
                inWindow -= run.spends[windowStart].units
                windowStart += 1
            }
            #expect(inWindow <= rate * 10 + Double(segments) * maximumPage + 0.001, "window ending at spend \(i)")
        }
    }

    @Test func withoutABudgetNothingWaits() {
        let clock = VirtualClock()
        let budget = CapacityBudget(unitsPerSecond: 0, now: clock.now)
        for _ in 0..<1000 { budget.spend(128) }
        #expect(budget.delayMillis() == 0)
        #expect(!CapacityBudget(unitsPerSecond: .nan, now: clock.now).isLimited)
    }

    @Test func aCorrectionGivesBackTimeButNotThePast() {
        let clock = VirtualClock()
        let budget = CapacityBudget(unitsPerSecond: 10, now: clock.now)
        budget.spend(20)                      // two seconds' worth
        #expect(budget.delayMillis() == 2000)
        budget.spend(-15)                     // the answer cost only 5
        #expect(budget.delayMillis() == 500)
        clock.seconds += 60                   // a long idle minute
        budget.spend(10)                      // is not credit for a burst
        #expect(budget.delayMillis() == 1000)
        budget.spend(.infinity)
        budget.spend(.nan)
        #expect(budget.delayMillis() == 1000)
    }
}
