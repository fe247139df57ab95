import Foundation
import Testing
@testable import OneSource

@Suite struct ConcurrencyTests {
    /// Work done ahead runs on a thread of lower priority; the caller and the pool's threads keep theirs.
    @Test func yieldingWorkRunsAtALowerPriority() throws {
        #if os(Linux)
        @Sendable func nice() -> Int32 { getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0) }
        let before = nice()
        let yielding = Pending(yielding: true) { nice() }
        // Nice 10, or the process's own when that is lower already (a run started with `nice -n 19`).
        #expect(try yielding.wait() == max(before, 10))
        #expect(nice() == before)
        // Its thread is its own: the pool's threads that run other work later are untouched.
        let later = Pending { nice() }
        if before < 10 { #expect(try later.wait() < 10) }
        #endif
    }

    @Test func pendingHandsBackTheResultOrTheError() throws {
        struct Failed: Error {}
        #expect(try Pending { 42 }.wait() == 42)
        let failing = Pending<Int> { throw Failed() }
        #expect(throws: Failed.self) { try failing.wait() }
        #expect(throws: Failed.self) { try failing.wait() }   // a second wait gives the same
    }

    /// Four workers finish 1,000 numbered items in whatever order the scheduler gives; the consumer gets 0, 1, 2, … .
    @Test func inOrderHandsItemsOverInTheirNumbersOrder() throws {
        let order = InOrder<Int>(window: 3)
        let tickets = TicketDispenser()
        for _ in 0..<4 {
            Background.loop {
                while let number = tickets.take(below: 1000) { order.put(number, number * 7) }
            }
        }
        let taken = (0..<1000).map { _ in order.take() }
        #expect(taken == (0..<1000).map { $0 * 7 })
    }
}
