import Testing
@testable import ConnectDynamo

/// Expiration times as credential services write them.
struct ISO8601Tests {
    @Test func utcTimesAreEpochSeconds() {
        #expect(ISO8601.epochSeconds("1970-01-01T00:00:00Z") == 0)
        #expect(ISO8601.epochSeconds("2015-08-30T12:36:00Z") == 1_440_938_160)
        #expect(ISO8601.epochSeconds("2000-02-29T23:59:59Z") == 951_868_799)
        #expect(ISO8601.epochSeconds("2038-01-19T03:14:08Z") == 2_147_483_648)
        #expect(ISO8601.epochSeconds("1969-12-31T23:59:59Z") == -1)
    }

    @Test func fractionsAndOffsetsAreApplied() {
        #expect(ISO8601.epochSeconds("2015-08-30T12:36:00.250Z") == 1_440_938_160.25)
        #expect(ISO8601.epochSeconds("2015-08-30T14:36:00+02:00") == 1_440_938_160)
        #expect(ISO8601.epochSeconds("2015-08-30T07:06:00-0530") == 1_440_938_160)
        #expect(ISO8601.epochSeconds("2015-08-30t12:36:00z") == 1_440_938_160)
        #expect(ISO8601.epochSeconds("2015-08-30 12:36:00Z") == 1_440_938_160)
    }

    @Test(arguments: [
        "", "yesterday", "2015-08-30", "2015-08-30T12:36:00", "2015-13-01T00:00:00Z",
        "2015-02-29T00:00:00Z", "2015-04-31T00:00:00Z", "2015-08-30T24:00:00Z", "2015-08-30T12:60:00Z",
        "2015-08-30T12:36:00.Z", "2015-08-30T12:36:00Z ", "2015-08-30T12:36:00+2:00", "15-08-30T12:36:00Z",
        "2015-08-30T12:36:00+24:00", "２015-08-30T12:36:00Z", "2015-08-30T12:36:00Zjunk",
    ])
    func malformedTimesAreNil(_ text: String) {
        #expect(ISO8601.epochSeconds(text) == nil)
    }

    @Test func aVeryLongFractionDoesNotTrap() {
        let text = "2015-08-30T12:36:00." + String(repeating: "9", count: 5000) + "Z"
        #expect(ISO8601.epochSeconds(text).map { $0 > 1_440_938_160 && $0 <= 1_440_938_161 } == true)
    }
}
