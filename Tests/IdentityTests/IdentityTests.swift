import Identity
import Testing

@Suite("Identity: one name, one keeper", .timeLimit(.minutes(10)))
struct IdentityTests {
    @Test(
        "names a person reads as one are one name: case folding beyond ASCII, NFKC, ASCII case",
        arguments: [
            ("STRASSE", "straße"), ("Straße@X.io", "strasse@x.io"), ("ＡＬＩＣＥ", "alice"), ("ﬁnance", "finance"),
            ("Ǆemal", "ǆemal"), ("ΣΊΣΥΦΟΣ", "σίσυφος"), ("e\u{301}lodie", "\u{E9}lodie"), ("QA-Team", "qa-team"),
        ])
    func oneName(left: String, right: String) {
        #expect(left.caseFolded == right.caseFolded)
        #expect(left.sameName(as: right))
    }

    @Test("names that differ stay apart", arguments: [("alice", "alicia"), ("straße", "strase"), ("qa", "qa ")])
    func twoNames(left: String, right: String) {
        #expect(!left.sameName(as: right))
    }

    @Test("plain lowercase ASCII is returned as it is")
    func asciiFastPath() {
        #expect("alice@x.io".caseFolded == "alice@x.io")
        #expect("Alice@X.io".caseFolded == "alice@x.io")
    }

    @Test("the keeper: most members, then the oldest, then the lowest id; never the order given")
    func keeper() {
        typealias C = DuplicateKeeper.Candidate
        let older = C(id: "b", members: 0, created: "2026-01-01T00:00:00Z")
        let busier = C(id: "c", members: 2, created: "2026-02-01T00:00:00Z")
        let lowerId = C(id: "a", members: 0, created: "2026-01-01T00:00:00Z")
        let undated = C(id: "0", members: 0, created: nil)
        let all = [older, busier, lowerId, undated]
        for rotation in 0..<all.count {
            let order = Array(all[rotation...] + all[..<rotation])
            #expect(DuplicateKeeper.keeper(of: order) { $0 } == busier)
            #expect(DuplicateKeeper.keeper(of: order.filter { $0 != busier }) { $0 } == lowerId)
        }
        #expect(DuplicateKeeper.precedes(older, undated))
        #expect(!DuplicateKeeper.precedes(undated, older))
    }

    @Test("a name index gives every object under a name, in insertion order")
    func nameIndex() {
        var index = NameIndex(capacity: 4)
        index.insert("strasse", 0)
        index.insert("alice", 1)
        index.insert("strasse", 2)
        #expect(index.indices("strasse") == [0, 2])
        #expect(index.indices("alice") == [1])
        #expect(index.indices("bob").isEmpty)
    }
}
