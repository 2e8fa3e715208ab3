import Testing
@testable import BulkheadPolicy

@Suite struct UnitsTests {
    @Test func durations() throws {
        #expect(try Units.parseDuration("10s").get() == 10)
        #expect(try Units.parseDuration("1.5m").get() == 90)
        #expect(try Units.parseDuration("250ms").get() == 0.25)
        #expect(try Units.parseDuration("2h").get() == 7200)
        #expect(try Units.parseDuration("30").get() == 30)
        #expect(try Units.parseDuration("2.5").get() == 2.5)
        for bad in ["", "s", "-1s", "10 days", "1e3", "inf", "nan", "1..2s", "0x10", "10S"] {
            #expect(throws: Units.ParseError.self, "\(bad)") { try Units.parseDuration(bad).get() }
        }
    }

    @Test func sizes() throws {
        #expect(try Units.parseSize("256MiB").get() == 256 << 20)
        #expect(try Units.parseSize("1GiB").get() == 1 << 30)
        #expect(try Units.parseSize("512KiB").get() == 512 << 10)
        #expect(try Units.parseSize("16M").get() == 16 << 20)
        #expect(try Units.parseSize("4k").get() == 4096)
        #expect(try Units.parseSize("4K").get() == 4096)
        #expect(try Units.parseSize("100MB").get() == 100_000_000)
        #expect(try Units.parseSize("1kB").get() == 1000)
        #expect(try Units.parseSize("1.5KiB").get() == 1536)
        #expect(try Units.parseSize("4096").get() == 4096)
        #expect(try Units.parseSize("0").get() == 0)
        #expect(try Units.parseSize("16EiB".replacingOccurrences("EiB", "")).get() == 16)
        #expect(try Units.parseSize("18446744073709551615").get() == UInt64.max)
        for bad in ["", "-1", "1.5", "0.1B", "18446744073709551616", "17179869184GiB", "1XB", "MiB", "1e6", "1 2"] {
            #expect(throws: Units.ParseError.self, "\(bad)") { try Units.parseSize(bad).get() }
        }
    }

    @Test func counts() throws {
        #expect(try Units.parseCount("64").get() == 64)
        for bad in ["", "-1", "1.0", "1k", "99999999999999999999"] {
            #expect(throws: Units.ParseError.self, "\(bad)") { try Units.parseCount(bad).get() }
        }
    }

    @Test func formatting() throws {
        #expect(Units.formatSize(256 << 20) == "256MiB")
        #expect(Units.formatSize(1000) == "1000")
        #expect(Units.formatDuration(10) == "10s")
        for d in [0.25, 0.1, 1.0 / 3.0, 1e-9, 123456.789] {
            #expect(try Units.parseDuration(Units.formatDuration(d)).get() == d)
        }
    }

    @Test func limitsInPolicy() {
        let p = mustLoad("""
            version: 1
            limits: { wall: 1.5m, cpu: 2, memory: 1GiB, address-space: unlimited, stack: 8M, processes: 10,
                      open-files: 100, core: 1MiB, file-size: 0, best-effort: [memory, stack] }
            """)
        #expect(p.limits.wall == 90 && p.limits.cpu == 2 && p.limits.memory == 1 << 30)
        #expect(p.limits.addressSpace == nil && p.limits.stack == 8 << 20 && p.limits.core == 1 << 20)
        #expect(p.limits.fileSize == 0 && p.limits.processes == 10 && p.limits.openFiles == 100)
        #expect(p.limits.bestEffort == [.memory, .stack])
        #expect(loadError("version: 1\nlimits: { best-effort: [memroy] }\n")
                == "p.yaml:2:25: error: unknown limit 'memroy' (did you mean 'memory'?)")
    }
}

extension String {
    func replacingOccurrences(_ a: String, _ b: String) -> String {
        split(separator: a, omittingEmptySubsequences: false).joined(separator: b)
    }
}
