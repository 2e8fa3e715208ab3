import BulkheadSystem
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// `bulkhead __task SPEC`: one task on the main thread of its own process, the process half of process
/// mode. Its verdict goes to stdout as one line, `task-result ok|failed SUMMARY`, which
/// `ProcessModeRunner` reads; a fault that crashes or exits simply ends the process.
public enum TaskEntryPoint {
    public static let resultPrefix = "task-result "

    /// Returns the exit code: 0 success, 1 a failed check, 125 an unknown task.
    public static func main(_ text: String) -> Int32 {
        let spec: TaskSpec
        do throws(TaskSpecError) {
            spec = try TaskSpec.parse(text)
        } catch {
            write(2, "bulkhead: error: \(error.description)\n")
            return 125
        }
        CrashSignals.restoreDefaults()
        let workspace = TaskBody.needsWorkspace([spec]) ? TaskWorkspace.prepare() : nil
        if TaskBody.needsWorkspace([spec]), workspace == nil {
            write(1, resultPrefix + "failed cannot create a scratch directory in /tmp: \(Errno.current.text)\n")
            return 1
        }
        let ending = TaskBody.run(spec)
        if let workspace { TaskWorkspace.remove(workspace) }
        write(1, resultPrefix + (ending.succeeded ? "ok " : "failed ") + ending.summary + "\n")
        return ending.succeeded ? 0 : 1
    }

    /// Unbuffered, so the line is out even if the process dies right after.
    static func write(_ fd: Int32, _ text: String) {
        // A closed stdout loses the line; the exit status still says how the task went.
        try? FileContents.write(text.utf8, to: fd)
    }
}
