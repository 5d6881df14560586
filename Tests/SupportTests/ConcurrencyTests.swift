import Foundation
import Testing
import Support

@Suite struct ConcurrencyTests {
    /// A sweep runs `concurrently` inside the iterations of a `concurrentMap`. With the second
    /// job on a global queue, every pool thread ended up waiting and the queued jobs sat until
    /// libdispatch's monitor added a thread, about a second later, at every such point.
    @Test func concurrentlyInsideConcurrentMapDoesNotWaitForThePoolMonitor() throws {
        let start = Date()
        let sums = Array(0..<16).concurrentMap { index in
            let (a, b) = try! concurrently(
                { index * 2 },
                { () -> Int in
                    // The second job also waits on a nested pair, as the page lane waits on the charts.
                    let (c, d) = try! concurrently({ index }, { index + 1 })
                    return c + d
                })
            return a + b
        }
        #expect(sums == (0..<16).map { $0 * 4 + 1 })
        // Microseconds of work: anything near a second is the stall.
        #expect(Date().timeIntervalSince(start) < 0.5)
    }

    @Test func concurrentlyReportsTheFirstErrorInArgumentOrder() {
        struct Failure: Error, Equatable { let which: Int }
        #expect(throws: Failure(which: 1)) { try concurrently({ throw Failure(which: 1) }, { throw Failure(which: 2) }) }
        #expect(throws: Failure(which: 2)) { try concurrently({ 1 }, { () throws -> Int in throw Failure(which: 2) }) }
    }
}
