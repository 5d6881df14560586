import Foundation
import ReaderFuzzing

// Built normally, `fuzz-readers TARGET FILE...` replays inputs (a corpus, a crasher) through a
// reader. Built with `-sanitize=fuzzer -DFUZZING` (scripts/fuzz), libFuzzer supplies main and
// calls the entry point below; FUZZ_TARGET chooses the reader.

private let fuzzTarget: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        FileHandle.standardError.write(Data("FUZZ_TARGET must be one of \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))\n".utf8))
        exit(2)
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> Int32 {
    fuzzTarget.run(Data(bytes: bytes, count: count))
    return 0
}

#if FUZZING
    import CFuzzDriver

    /// SwiftPM links an executable's entry point under this name; hand control to libFuzzer.
    @_cdecl("FuzzReaders_main")
    func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
        var count = argc
        var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
        return LLVMFuzzerRunDriver(&count, &arguments) { data, size in
            guard let data else { return 0 }
            return fuzzOneInput(data, size)
        }
    }
#else
    @main
    struct FuzzReaders {
        static func main() {
            let arguments = Array(CommandLine.arguments.dropFirst())
            guard let first = arguments.first, let target = FuzzTarget(rawValue: first) else {
                print("usage: fuzz-readers \(FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")) FILE...")
                exit(2)
            }
            for path in arguments.dropFirst() {
                guard let data = FileManager.default.contents(atPath: path) else {
                    print("\(path): cannot read")
                    exit(2)
                }
                print("\(path): \(target.run(data) ? "accepted" : "rejected")")
            }
        }
    }
#endif
