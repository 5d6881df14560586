/// The middle of values already sorted: the middle one, or the mean of the two middle ones.
public func median(ofSorted values: [Double]) -> Double {
    precondition(!values.isEmpty, "the median of no values")
    let middle = values.count / 2
    return values.count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2
}
