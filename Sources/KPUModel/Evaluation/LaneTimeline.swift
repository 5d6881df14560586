/// When one resource lane is busy: disjoint intervals in time order, touching ones merged. A
/// stage takes the earliest gap that is long enough at or after the time it is ready, so a
/// later op's transfer can fill time an earlier op left idle (back-filling).
struct LaneTimeline {
    private var starts: [Int64] = []
    private var ends: [Int64] = []

    /// Books `length` picoseconds at the earliest time at or after `earliest` when the lane is
    /// free for that long, and returns the start.
    mutating func book(_ length: Int64, notBefore earliest: Int64) -> Int64 {
        guard length > 0 else { return earliest }
        // The first interval that ends after `earliest`: everything before it is over.
        var low = 0, high = ends.count
        while low < high {
            let middle = (low + high) / 2
            if ends[middle] <= earliest { low = middle + 1 } else { high = middle }
        }
        var begin = earliest, index = low
        while index < starts.count {
            if begin + length <= starts[index] { break }
            begin = max(begin, ends[index])
            index += 1
        }
        insert(begin, begin + length, at: index)
        return begin
    }

    /// Inserts [start, end) before interval `index`, merging with neighbours it touches.
    private mutating func insert(_ start: Int64, _ end: Int64, at index: Int) {
        let touchesPrevious = index > 0 && ends[index - 1] == start
        let touchesNext = index < starts.count && starts[index] == end
        switch (touchesPrevious, touchesNext) {
        case (true, true):
            ends[index - 1] = ends[index]
            starts.remove(at: index)
            ends.remove(at: index)
        case (true, false):
            ends[index - 1] = end
        case (false, true):
            starts[index] = start
        case (false, false):
            starts.insert(start, at: index)
            ends.insert(end, at: index)
        }
    }
}
