import Testing
@testable import ConnectDynamo

/// The three-way merge of a save that met a newer session.
struct SessionMergeTests {
    func merge(base: String, mine: String, current: String) throws -> String {
        let b = try #require(SessionMerge.members(of: Array(base.utf8)))
        let m = try #require(SessionMerge.members(of: Array(mine.utf8)))
        let c = try #require(SessionMerge.members(of: Array(current.utf8)))
        return JSON.object(SessionMerge.apply(base: b, mine: m, onto: c)).encodedString()
    }

    @Test func keysAddedOnBothSidesAreAllKept() throws {
        #expect(try merge(base: #"{"n":0}"#, mine: #"{"n":0,"a":1}"#, current: #"{"n":0,"b":2}"#)
                == #"{"n":0,"b":2,"a":1}"#)
    }

    @Test func aChangeHereAndARemovalThereBothApply() throws {
        #expect(try merge(base: #"{"x":1,"y":1}"#, mine: #"{"x":2,"y":1}"#, current: #"{"x":1}"#)
                == #"{"x":2}"#)
        #expect(try merge(base: #"{"x":1,"y":1}"#, mine: #"{"y":1}"#, current: #"{"x":1,"y":5}"#)
                == #"{"y":5}"#)
    }

    @Test func aKeyChangedOnBothSidesTakesThisSavesValue() throws {
        #expect(try merge(base: #"{"k":"old","o":1}"#, mine: #"{"k":"mine","o":1}"#, current: #"{"k":"theirs","o":2}"#)
                == #"{"k":"mine","o":2}"#)
    }

    @Test func keysThisSaveLeftAloneKeepTheOtherWritersValue() throws {
        #expect(try merge(base: #"{"cookie":{"a":1},"n":1}"#, mine: #"{"cookie":{"a":1},"n":1}"#,
                          current: #"{"cookie":{"a":2}}"#) == #"{"cookie":{"a":2}}"#)
    }

    @Test func onlyObjectsMerge() {
        #expect(SessionMerge.members(of: Array("[1]".utf8)) == nil)
        #expect(SessionMerge.members(of: Array("{".utf8)) == nil)
    }
}
