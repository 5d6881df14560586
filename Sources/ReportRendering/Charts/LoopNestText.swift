import KPUModel

/// A ``KPUModel/LoopNest`` as code: a comment per line of the preamble, one line per loop with
/// its note aligned to the right, two spaces of indent per level, the statement innermost.
enum LoopNestText {
    /// The column the notes start at.
    static let noteColumn = 56

    /// `statement` replaces the nest's own; `afterBlock` lines run once per block after its
    /// inner loops (a drain), at the inner loops' indent.
    static func render(_ nest: LoopNest, statement: String? = nil, afterBlock: [String] = [], afterBlockNote: String = "") -> String {
        var lines = ["// \(nest.title)"] + nest.preamble.map { "// \($0)" }
        var depth = 0
        func line(_ code: String, _ note: String) {
            let text = String(repeating: "  ", count: depth) + code
            lines.append(note.isEmpty ? text : text.padding(toLength: max(noteColumn, text.count + 2), withPad: " ", startingAt: 0) + "// " + note)
        }
        for loop in nest.loops {
            line("\(loop.isSpatial ? "parfor" : "for") \(loop.variable) in \(loop.range):", loop.note)
            depth += 1
        }
        line(statement ?? nest.statement, "")
        if !afterBlock.isEmpty {
            // Inside the block level, after its inner loops.
            depth = nest.outer.count
            for (index, code) in afterBlock.enumerated() { line(code, index == 0 ? afterBlockNote : "") }
        }
        return lines.joined(separator: "\n")
    }
}
