import Foundation
import KPUModel
import Pipeline
import Testing
import Yams

/// `.github/workflows/sweep.yml`: the design-space sweep split over a CI matrix, merged into one
/// site and deployed to GitHub Pages; and `sweeps/design-space.yaml`, the grid it runs.
@Suite struct SweepWorkflowTests {
    static let gridFile = "sweeps/design-space.yaml"

    /// The workflow's top level (keys are strings: Yams reads `on` as the key "on").
    static func workflow() throws -> [String: Any] {
        let text = try String(contentsOf: projectRoot.appendingPathComponent(".github/workflows/sweep.yml"), encoding: .utf8)
        return try #require(try Yams.load(yaml: text) as? [String: Any])
    }

    /// The workflow's jobs, by id.
    static func jobs(_ workflow: [String: Any]) throws -> [String: [String: Any]] {
        let jobs = try #require(workflow["jobs"] as? [String: Any])
        return jobs.compactMapValues { $0 as? [String: Any] }
    }

    static func steps(_ job: [String: Any]) -> [[String: Any]] {
        (job["steps"] as? [[String: Any]]) ?? []
    }

    /// A job's `needs`, written as one id or as a list.
    static func needs(_ job: [String: Any]) -> [String] {
        if let one = job["needs"] as? String { return [one] }
        return (job["needs"] as? [String]) ?? []
    }

    /// Whether a step runs `action` (at any ref).
    static func uses(_ step: [String: Any], _ action: String) -> Bool {
        (step["uses"] as? String)?.hasPrefix(action + "@") == true
    }

    /// Whether one of a job's run scripts contains `text`.
    static func runs(_ job: [String: Any], _ text: String) -> Bool {
        steps(job).contains { step in (step["run"] as? String)?.contains(text) == true }
    }

    /// The matrix job: its id and body.
    static func shardJob(_ jobs: [String: [String: Any]]) throws -> (id: String, job: [String: Any]) {
        let entry = try #require(jobs.first { entry in (entry.value["strategy"] as? [String: Any])?["matrix"] != nil })
        return (entry.key, entry.value)
    }

    @Test func shardsSplitTheGridOverAMatrix() throws {
        let shard = try Self.shardJob(Self.jobs(Self.workflow())).job
        let strategy = try #require(shard["strategy"] as? [String: Any])
        let matrix = try #require(strategy["matrix"] as? [String: Any])
        #expect(matrix["shard"] as? [Int] == [1, 2, 3, 4])
        // A failed shard must fail the run: fail-fast is not turned off.
        #expect(strategy["fail-fast"] as? Bool != false)
        let sweep = try #require(Self.steps(shard).first { step in (step["run"] as? String)?.contains("generate-report sweep") == true })
        let script = try #require(sweep["run"] as? String)
        #expect(script.contains("--grid \(Self.gridFile)"))
        #expect(script.contains("--shard"))
        #expect(script.contains("--pages pareto"))
        // The shard number reaches the script through env:, never as an expression inside it.
        let environment = try #require(sweep["env"] as? [String: Any])
        #expect(environment.values.contains { value in (value as? String)?.contains("matrix.shard") == true })
        #expect(Self.steps(shard).contains { step in Self.uses(step, "actions/upload-artifact") })
        #expect((shard["permissions"] as? [String: Any])?["contents"] as? String == "read")
    }

    @Test func mergeJobJoinsTheShardsAndDeployPublishesIt() throws {
        let jobs = try Self.jobs(Self.workflow())
        let shardID = try Self.shardJob(jobs).id
        let merge = try #require(jobs.first { entry in Self.runs(entry.value, "generate-report merge") })
        #expect(Self.needs(merge.value).contains(shardID))
        #expect(Self.steps(merge.value).contains { step in Self.uses(step, "actions/download-artifact") })
        #expect(Self.steps(merge.value).contains { step in Self.uses(step, "actions/upload-pages-artifact") })

        let deploy = try #require(jobs.values.first { job in Self.steps(job).contains { step in Self.uses(step, "actions/deploy-pages") } })
        #expect(Self.needs(deploy).contains(merge.key))
        let permissions = try #require(deploy["permissions"] as? [String: Any])
        #expect(permissions["pages"] as? String == "write" && permissions["id-token"] as? String == "write")
        #expect((deploy["environment"] as? [String: Any])?["name"] as? String == "github-pages")
    }

    @Test func workflowIsPinnedBoundedAndLeastPrivileged() throws {
        let workflow = try Self.workflow()
        #expect((workflow["permissions"] as? [String: Any])?.isEmpty == true)
        let concurrency = try #require(workflow["concurrency"] as? [String: Any])
        #expect(concurrency["group"] as? String == "pages" && concurrency["cancel-in-progress"] as? Bool == false)
        let triggers = try #require((workflow["on"] ?? workflow["true"]) as? [String: Any])
        #expect(triggers.keys.contains("workflow_dispatch"))
        // Its deploy replaces the whole Pages site: on a schedule it would overwrite the nightly report.
        #expect(triggers["schedule"] == nil)
        for (id, job) in try Self.jobs(workflow) {
            #expect(job["timeout-minutes"] is Int, "\(id) has no timeout-minutes")
            if let container = job["container"] as? String {
                #expect(container.contains("@sha256:"), "\(id): \(container)")
            }
            for step in Self.steps(job) {
                if let script = step["run"] as? String {
                    #expect(!script.contains("${{"), "\(id): pass expressions to run: through env:")
                }
                guard let uses = step["uses"] as? String else { continue }
                let sha = uses.split(separator: "@").last ?? ""
                #expect(sha.count == 40 && sha.allSatisfy(\.isHexDigit), "\(id): \(uses)")
                if uses.hasPrefix("actions/checkout@") {
                    #expect((step["with"] as? [String: Any])?["persist-credentials"] as? Bool == false, "\(id): checkout keeps no credentials")
                }
            }
        }
    }

    @Test func designSpaceGridHoldsTenThousandRunsAroundTheSKU() throws {
        let grid = try SweepGrid.load(projectRoot.appendingPathComponent(Self.gridFile).path)
        #expect(grid.requests.count == 10_000)
        #expect(grid.hardware == [.builtIn("kpu-t256")])
        #expect(Set(grid.vary.keys) == Set<HardwareKnob>([.l3MiB, .dramGBps, .clockMHz, .tiles]))
        #expect(grid.vary.values.allSatisfy { values in values.count == 10 })
        // Each list holds kpu-t256's own figure (default profile).
        let sku = try KPUHardware.builtIn("kpu-t256")
        #expect(grid.vary[.l3MiB]?.contains(Double(sku.l3Bytes) / 1_048_576) == true)
        #expect(grid.vary[.dramGBps]?.contains(sku.memoryBandwidth / 1e9) == true)
        #expect(grid.vary[.clockMHz]?.contains(sku.clockMHz) == true)
        #expect(grid.vary[.tiles]?.contains(Double(sku.totalTiles)) == true)
    }
}
