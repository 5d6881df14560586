import Testing
import Support

@Suite struct TopologicalOrderTests {
    @Test func aListAlreadyInDependencyOrderComesBackUnchanged() {
        let (order, stuck) = stableTopologicalOrder(successors: [[1, 2], [3], [3], []])
        #expect(order == [0, 1, 2, 3])
        #expect(stuck == nil)
    }

    @Test func nodesFollowTheirPredecessorsAndTiesKeepTheReleaseOrder() {
        // 0 depends on 2, 1 depends on nothing, 2 on 1: 1, then 2, then 0.
        let (order, stuck) = stableTopologicalOrder(successors: [[], [2], [0]])
        #expect(order == [1, 2, 0])
        #expect(stuck == nil)
        // Two ready roots released by one node keep the order of its successor list.
        #expect(stableTopologicalOrder(successors: [[2, 1], [], []]).order == [0, 2, 1])
    }

    @Test func aCycleNamesTheFirstNodeLeftOver() {
        let (order, stuck) = stableTopologicalOrder(successors: [[1], [2], [1], []])
        #expect(order == [0, 3])
        #expect(stuck == 1)
    }
}
