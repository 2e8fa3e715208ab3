import BulkheadSystem
import CLaunch

/// Where this process's cgroups are: its own directory in the v1 `memory` and `pids` hierarchies, and
/// in the v2 tree. Read from /proc/self/mountinfo and /proc/self/cgroup on every CLI launch, so parsed
/// byte by byte into plain fields: dictionaries and split arrays made this the costliest step of the
/// cgroup set-up.
struct CgroupLayout: Equatable {
    var memory: String?
    var pids: String?
    var v2Directory: String?

    func v1Directory(_ controller: String) -> String? {
        switch controller {
        case "memory": return memory
        case "pids": return pids
        default: return nil
        }
    }

    private struct Mount {
        let root: [UInt8]
        let point: [UInt8]
    }

    static func current() -> CgroupLayout {
        guard let membership = try? KernelFile.read("/proc/self/cgroup") else { return CgroupLayout() }
        if let usual = conventional(membership: membership) { return usual }
        guard let mountinfo = try? KernelFile.read("/proc/self/mountinfo") else { return CgroupLayout() }
        return parse(mountinfo: mountinfo, membership: membership)
    }

    /// The layout when the hierarchies are mounted where systemd and most distributions put them
    /// (`/sys/fs/cgroup/<controllers>` for v1, `/sys/fs/cgroup` or `/sys/fs/cgroup/unified` for v2) and
    /// every directory that gives is there on a cgroup file system; nil otherwise. The kernel takes
    /// longer to write /proc/self/mountinfo than all of this.
    static func conventional(membership: [UInt8]) -> CgroupLayout? {
        var layout = CgroupLayout()
        var usual = true
        forEachLine(membership) { line in
            guard usual, let first = line.firstIndex(of: UInt8(ascii: ":")),
                  let second = line[(first + 1)...].firstIndex(of: UInt8(ascii: ":")) else { return }
            let controllers = line[(first + 1)..<second], path = String(decoding: line[(second + 1)...], as: UTF8.self)
            let relative = path == "/" ? "" : path
            if line[..<first].elementsEqual("0".utf8), controllers.isEmpty {
                let found = ["/sys/fs/cgroup/unified", "/sys/fs/cgroup"].lazy.map { $0 + relative }
                    .first { isCgroup($0, magic: 0x6367_7270) }
                if found == nil { usual = false }
                layout.v2Directory = found
                return
            }
            var names = Words(controllers, separator: UInt8(ascii: ","))
            while let name = names.next() {
                let isMemory = name.elementsEqual("memory".utf8), isPids = name.elementsEqual("pids".utf8)
                guard isMemory || isPids else { continue }
                let directory = "/sys/fs/cgroup/" + String(decoding: controllers, as: UTF8.self) + relative
                guard isCgroup(directory, magic: 0x27_e0eb) else { usual = false; return }
                if isMemory { layout.memory = directory } else { layout.pids = directory }
            }
        }
        return usual ? layout : nil
    }

    private static func isCgroup(_ directory: String, magic: Int) -> Bool {
        bh_filesystem_type(directory) == magic
    }

    /// - Parameters: the contents of /proc/self/mountinfo and /proc/self/cgroup.
    static func parse(mountinfo: [UInt8], membership: [UInt8]) -> CgroupLayout {
        var layout = CgroupLayout()
        var memoryMount: Mount?, pidsMount: Mount?, v2Mount: Mount?
        // "ID PARENT MAJ:MIN ROOT POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS"
        forEachLine(mountinfo) { line in
            var fields = Words(line, separator: UInt8(ascii: " "))
            for _ in 0..<3 { _ = fields.next() }
            guard let root = fields.next(), let point = fields.next() else { return }
            while let field = fields.next(), !field.elementsEqual("-".utf8) {}
            guard let type = fields.next(), fields.next() != nil, let options = fields.next() else { return }
            let mount = Mount(root: Array(root), point: Array(point))
            if type.elementsEqual("cgroup2".utf8) { v2Mount = mount; return }
            guard type.elementsEqual("cgroup".utf8) else { return }
            var names = Words(options, separator: UInt8(ascii: ","))
            while let name = names.next() {
                if name.elementsEqual("memory".utf8) { memoryMount = mount }
                if name.elementsEqual("pids".utf8) { pidsMount = mount }
            }
        }
        // "HIERARCHY-ID:CONTROLLERS:PATH"; the v2 line is "0::PATH".
        forEachLine(membership) { line in
            guard let first = line.firstIndex(of: UInt8(ascii: ":")),
                  let second = line[(first + 1)...].firstIndex(of: UInt8(ascii: ":")) else { return }
            let controllers = line[(first + 1)..<second], path = line[(second + 1)...]
            if line[..<first].elementsEqual("0".utf8), controllers.isEmpty, let v2Mount {
                layout.v2Directory = join(v2Mount, path)
            }
            var names = Words(controllers, separator: UInt8(ascii: ","))
            while let name = names.next() {
                if name.elementsEqual("memory".utf8), let memoryMount { layout.memory = join(memoryMount, path) }
                if name.elementsEqual("pids".utf8), let pidsMount { layout.pids = join(pidsMount, path) }
            }
        }
        return layout
    }

    /// Where cgroup file systems (v1 and v2) are mounted, from /proc/self/mountinfo; empty when unreadable.
    static func cgroupMountPoints() -> [String] {
        guard let mountinfo = try? KernelFile.read("/proc/self/mountinfo") else { return [] }
        var points: [String] = []
        forEachLine(mountinfo) { line in
            var fields = Words(line, separator: UInt8(ascii: " "))
            for _ in 0..<4 { _ = fields.next() }
            guard let point = fields.next() else { return }
            while let field = fields.next(), !field.elementsEqual("-".utf8) {}
            guard let type = fields.next(), type.elementsEqual("cgroup".utf8) || type.elementsEqual("cgroup2".utf8) else { return }
            points.append(unescaped(point))
        }
        return points
    }

    /// mountinfo writes space, tab, newline and backslash in paths as three octal digits after a backslash.
    private static func unescaped(_ field: ArraySlice<UInt8>) -> String {
        var bytes: [UInt8] = []
        var i = field.startIndex
        while i < field.endIndex {
            if field[i] == UInt8(ascii: "\\"), field.endIndex - i >= 4,
               let value = UInt8(String(decoding: field[(i + 1)...(i + 3)], as: UTF8.self), radix: 8) {
                bytes.append(value)
                i += 4
            } else {
                bytes.append(field[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The words of a controller list file such as cgroup.controllers.
    static func words(in bytes: [UInt8]) -> [String] {
        var result: [String] = []
        forEachLine(bytes) { line in
            var words = Words(line, separator: UInt8(ascii: " "))
            while let word = words.next() {
                if !word.isEmpty { result.append(String(decoding: word, as: UTF8.self)) }
            }
        }
        return result
    }

    private static func join(_ mount: Mount, _ path: ArraySlice<UInt8>) -> String {
        var relative = path
        if !mount.root.elementsEqual("/".utf8), relative.starts(with: mount.root) { relative = relative.dropFirst(mount.root.count) }
        if relative.elementsEqual("/".utf8) { relative = [] }
        return String(decoding: mount.point + relative, as: UTF8.self)
    }

    private static func forEachLine(_ bytes: [UInt8], _ body: (ArraySlice<UInt8>) -> Void) {
        var words = Words(bytes[...], separator: UInt8(ascii: "\n"))
        while let line = words.next() { body(line) }
    }

    /// Separated pieces of a byte string, one at a time.
    private struct Words {
        private var rest: ArraySlice<UInt8>?
        private let separator: UInt8

        init(_ bytes: ArraySlice<UInt8>, separator: UInt8) {
            rest = bytes.isEmpty ? nil : bytes
            self.separator = separator
        }

        mutating func next() -> ArraySlice<UInt8>? {
            guard let bytes = rest else { return nil }
            guard let end = bytes.firstIndex(of: separator) else {
                rest = nil
                return bytes
            }
            rest = end + 1 < bytes.endIndex ? bytes[(end + 1)...] : nil
            return bytes[..<end]
        }
    }
}
