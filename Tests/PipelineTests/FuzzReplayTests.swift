import Foundation
import ReaderFuzzing
import Testing

/// Replays what the fuzzer found (fuzz/crashers/TARGET/) and the seeds through the readers.
@Suite struct FuzzReplayTests {
    static let fuzzFolder = projectRoot.appendingPathComponent("fuzz")

    static func files(_ folder: URL) -> [URL] {
        ((try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)) ?? [])
            .filter { !$0.lastPathComponent.hasPrefix(".") }.sorted { $0.path < $1.path }
    }

    @Test(arguments: FuzzTarget.allCases)
    func crashersNoLongerCrash(target: FuzzTarget) throws {
        // Reaching the end of the loop is the test: a regression crashes the test process.
        for file in Self.files(Self.fuzzFolder.appendingPathComponent("crashers/\(target.rawValue)")) {
            _ = target.run(try Data(contentsOf: file))
        }
    }

    @Test func seedsAreAcceptedAndTheirPrefixesRejectedCleanly() throws {
        let seeds = Self.files(Self.fuzzFolder.appendingPathComponent("seeds/config"))
        #expect(seeds.count >= 2)
        for seed in seeds {
            let data = try Data(contentsOf: seed)
            #expect(FuzzTarget.config.run(data), "\(seed.lastPathComponent) should be a valid config")
            // Every truncation is bad input, answered with an error rather than a crash.
            for cut in stride(from: 0, to: data.count - 1, by: max(1, data.count / 64)) {
                #expect(!FuzzTarget.config.run(data.prefix(cut)))
            }
        }
        let hardware = try Data(contentsOf: projectRoot.appendingPathComponent("data/hardware/kpu-t64.yaml"))
        #expect(FuzzTarget.hardware.run(hardware))
        #expect(!FuzzTarget.hardware.run(hardware.prefix(hardware.count / 2)))
        let energy = try Data(contentsOf: projectRoot.appendingPathComponent("data/energy-tables.yaml"))
        #expect(FuzzTarget.energy.run(energy))
        #expect(!FuzzTarget.energy.run(Data("kpu-16nm: {title: x}\n".utf8)))
    }
}
