/// One busy interval on a lane.
public struct ScheduleEvent: Sendable, Hashable {
    public let lane: Lane
    public let stage: Stage
    /// The group's head op index: the op the bar belongs to.
    public let opIndex: Int
    public let chunk: Int
    public let startPicoseconds: Int64
    public let endPicoseconds: Int64
    public let bytes: Int

    public init(lane: Lane, stage: Stage, opIndex: Int, chunk: Int, startPicoseconds: Int64, endPicoseconds: Int64, bytes: Int) {
        self.lane = lane
        self.stage = stage
        self.opIndex = opIndex
        self.chunk = chunk
        self.startPicoseconds = startPicoseconds
        self.endPicoseconds = endPicoseconds
        self.bytes = bytes
    }
}
