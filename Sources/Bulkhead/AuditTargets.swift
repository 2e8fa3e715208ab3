import BulkheadSystem
import BulkheadPolicy
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// What the audit's probes aim at outside the task, made by the auditor before the battery and removed
/// after it: listeners in this process (TCP and UDP on the loopback and on the host's routable
/// address, an abstract and a named unix socket; a TCP connection completes in the backlog, so nothing
/// needs to accept), a folder of files (an owner-only secret, another uid's home, folders to write,
/// link and mount in), and a sleeping victim process.
public final class AuditTargets: @unchecked Sendable {
    public let folder: String
    public let auditorPID: pid_t
    public private(set) var victimPID: pid_t = 0
    private var victim: HelperProcess.Running?
    private var sockets: [Int32] = []
    private var udpSockets: [Int32] = []
    /// The arguments of the targets made here (listeners, files, folders), by target.
    private var values: [AuditTarget: [String]] = [:]

    /// - Parameter probe: the `bulkhead-probe` executable, which also serves as the victim.
    public init(probe: String) throws(AuditError) {
        auditorPID = getpid()
        var template = Array("/tmp/bulkhead-audit-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw AuditError("cannot make the audit's folder in /tmp: \(Errno.current.text)")
        }
        folder = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        do throws(AuditError) {
            try makeFiles()
            try makeListeners()
            try startVictim(probe)
        } catch {
            close()
            throw error
        }
    }

    /// The arguments `target` stands for, under `policy`.
    public func arguments(_ target: AuditTarget, policy: Policy) -> [String] {
        let limits = policy.limits
        switch target {
        case .auditorPID: return [String(auditorPID)]
        case .victimPID: return [String(victimPID)]
        case .processCap: return [String(limits.processes.map { $0 + 16 } ?? 256)]
        case .memoryCap: return [String(limits.memory.map { Int($0 >> 20) + 64 } ?? 256)]
        case .cpuCap:
            // Past the CPU limit, else past the wall limit (capped so a probe never outlives the audit's timeout).
            let limit = limits.cpu ?? limits.wall ?? 1
            return [OutcomeText.decimal(min(limit + 1, AuditRunner.probeTimeout - 2), digits: 1)]
        case .openFilesCap: return [String(limits.openFiles.map { $0 + 16 } ?? 4096)]
        case .inotifyCap: return ["64"]
        case .inotifyWatchCap: return ["1024"]
        case .fillFolderAndCap: return [folder + "/fill", String(limits.fileSize.map { Int($0 >> 20) + 1 } ?? 64)]
        default: return values[target] ?? ["-", "the auditor has no \(target)"]
        }
    }

    /// The probe ids whose datagrams reached the auditor's UDP sockets so far.
    public func datagramsReceived() -> Set<String> {
        var ids: Set<String> = []
        var buffer = [UInt8](repeating: 0, count: 256)
        for fd in udpSockets {
            while true {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                if n <= 0 { break }
                let text = String(decoding: buffer[0..<n], as: UTF8.self)
                if text.hasPrefix("bulkhead-audit ") { ids.insert(String(text.dropFirst("bulkhead-audit ".count))) }
            }
        }
        return ids
    }

    /// Kills the victim, closes the listeners and removes the folder. Safe to call twice.
    public func close() {
        if let victim {
            kill(victim.pid, SIGKILL)
            _ = victim.wait()
            self.victim = nil
        }
        for fd in sockets { Glibc.close(fd) }
        sockets = []
        udpSockets = []
        if !folder.isEmpty { Self.remove(folder) }
    }

    deinit { close() }

    // MARK: files

    private func makeFiles() throws(AuditError) {
        let secret = folder + "/secret"
        try write("bulkhead-audit secret\n", to: secret, mode: 0o600)
        chmod(folder, 0o755)
        for (name, mode) in [("outside", 0o1777), ("granted", 0o1777), ("fill", 0o1777), ("mount", 0o755), ("umount", 0o755),
                             ("pivot", 0o755), ("chroot", 0o755)] as [(String, mode_t)] {
            guard mkdir(folder + "/" + name, 0o700) == 0, chmod(folder + "/" + name, mode) == 0 else {
                throw AuditError("cannot make \(folder)/\(name): \(Errno.current.text)")
            }
        }
        values[.secretFile] = [secret]
        values[.outsideFolder] = [folder + "/outside"]
        values[.grantedFolderAndSecret] = [folder + "/granted", secret]
        values[.mountFolder] = [folder + "/mount"]
        values[.umountFolder] = [folder + "/umount"]
        values[.pivotFolder] = [folder + "/pivot"]
        values[.chrootFolder] = [folder + "/chroot"]
        guard geteuid() == 0 else {
            values[.rootOnlyFile] = ["-", "bulkhead is not root: no file here is root's alone"]
            values[.otherHomeFile] = ["-", "bulkhead is not root: it cannot make a home for another uid"]
            return
        }
        values[.rootOnlyFile] = [secret]
        // Another user's home: 0700, owned by a uid no policy here runs as.
        let home = folder + "/home", notes = home + "/notes"
        guard mkdir(home, 0o700) == 0 else { throw AuditError("cannot make \(home): \(Errno.current.text)") }
        try write("bulkhead-audit another user's notes\n", to: notes, mode: 0o600)
        guard chown(notes, Self.otherUID, Self.otherUID) == 0, chown(home, Self.otherUID, Self.otherUID) == 0 else {
            throw AuditError("cannot give \(home) to uid \(Self.otherUID): \(Errno.current.text)")
        }
        values[.otherHomeFile] = [notes]
    }

    /// The owner of the other user's home: neither root nor nobody (65534), which policies run tasks as.
    static let otherUID: uid_t = 65533

    private func write(_ text: String, to path: String, mode: mode_t) throws(AuditError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw AuditError("cannot make \(path): \(Errno.current.text)") }
        defer { Glibc.close(fd) }
        do throws(Errno) { try FileContents.write(text.utf8, to: fd) } catch {
            throw AuditError("cannot write \(path): \(error.text)")
        }
    }

    private static func remove(_ path: String) {
        guard let directory = opendir(path) else { unlink(path); return }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name == "." || name == ".." { continue }
            let child = path + "/" + name
            var info = stat()
            if lstat(child, &info) == 0, info.st_mode & S_IFMT == S_IFDIR { remove(child) } else { unlink(child) }
        }
        closedir(directory)
        rmdir(path)
    }

    // MARK: listeners

    private func makeListeners() throws(AuditError) {
        let tcp = Int32(SOCK_STREAM.rawValue), udp = Int32(SOCK_DGRAM.rawValue)
        if let port = try listen(AF_INET, "127.0.0.1", tcp) { values[.tcp4Loopback] = ["127.0.0.1", port] }
        if let port = try listen(AF_INET6, "::1", tcp) { values[.tcp6Loopback] = ["::1", port] }
        else { values[.tcp6Loopback] = ["-", "this host has no IPv6 loopback"] }
        if let port = try listen(AF_INET, "127.0.0.1", udp) { values[.udp4Loopback] = ["127.0.0.1", port] }
        if let port = try listen(AF_INET6, "::1", udp) { values[.udp6Loopback] = ["::1", port] }
        else { values[.udp6Loopback] = ["-", "this host has no IPv6 loopback"] }
        let routable: [(Int32, String, Int32, AuditTarget)] = [
            (AF_INET, "192.0.2.1", tcp, .tcp4Routable), (AF_INET6, "2001:db8::1", tcp, .tcp6Routable),
            (AF_INET, "192.0.2.1", udp, .udp4Routable), (AF_INET6, "2001:db8::1", udp, .udp6Routable),
        ]
        for (family, probe, type, key) in routable {
            guard let address = Self.routableAddress(family, towards: probe) else {
                values[key] = ["-", "this host has no routable \(family == AF_INET ? "IPv4" : "IPv6") address"]
                continue
            }
            if let port = try listen(family, address, type) { values[key] = [address, port] }
        }
        let abstract = "bulkhead-audit-\(auditorPID)-\(UInt32(truncatingIfNeeded: (try? SecureRandom.uint64()) ?? 0))"
        try listenUnix(abstract, abstract: true)
        values[.abstractSocket] = [abstract]
        try listenUnix(folder + "/socket", abstract: false)
        values[.namedSocket] = [folder + "/socket"]
    }

    /// Binds a socket of `type` to `address` port 0 (and listens, for TCP); its port, or nil when the
    /// address cannot be bound here (no IPv6).
    private func listen(_ family: Int32, _ address: String, _ type: Int32) throws(AuditError) -> String? {
        let fd = socket(family, type | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else {
            if family == AF_INET6 { return nil }
            throw AuditError("cannot make a listener on \(address): \(Errno.current.text)")
        }
        var storage = sockaddr_storage()
        var length = Self.fill(&storage, family, address, port: 0)
        let bound = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 }
        }
        guard bound, type == Int32(SOCK_DGRAM.rawValue) || Glibc.listen(fd, 128) == 0 else {
            let error = Errno.current
            Glibc.close(fd)
            if family == AF_INET6 { return nil }
            throw AuditError("cannot listen on \(address): \(error.text)")
        }
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        sockets.append(fd)
        if type == Int32(SOCK_DGRAM.rawValue) { udpSockets.append(fd) }
        let port = withUnsafePointer(to: &storage) { pointer -> UInt16 in
            family == AF_INET
                ? pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
                : pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
        }
        return String(port)
    }

    private func listenUnix(_ name: String, abstract: Bool) throws(AuditError) {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw AuditError("cannot make a unix socket: \(Errno.current.text)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(name.utf8)
        let offset = abstract ? 1 : 0
        guard bytes.count + offset < MemoryLayout.size(ofValue: address.sun_path) else {
            Glibc.close(fd)
            throw AuditError("the socket path \(name) is too long")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i + offset] = b }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + 1)
        let ok = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 }
        } && Glibc.listen(fd, 128) == 0
        guard ok else {
            let error = Errno.current
            Glibc.close(fd)
            throw AuditError("cannot listen on the unix socket \(abstract ? "@" : "")\(name): \(error.text)")
        }
        sockets.append(fd)
    }

    /// The address this host would send from towards `probe` (a documentation address: a UDP connect
    /// sends nothing), when it is not a loopback one.
    private static func routableAddress(_ family: Int32, towards probe: String) -> String? {
        let fd = socket(family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { Glibc.close(fd) }
        var storage = sockaddr_storage()
        var length = fill(&storage, family, probe, port: 9)
        let connected = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, length) == 0 }
        }
        guard connected else { return nil }
        storage = sockaddr_storage()
        length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        guard withUnsafeMutablePointer(to: &storage, {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) == 0 }
        }) else { return nil }
        var text = [CChar](repeating: 0, count: 64)
        let rendered = withUnsafePointer(to: &storage) { pointer -> Bool in
            family == AF_INET
                ? pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { p in
                    withUnsafePointer(to: p.pointee.sin_addr) { inet_ntop(family, $0, &text, 64) != nil }
                }
                : pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { p in
                    withUnsafePointer(to: p.pointee.sin6_addr) { inet_ntop(family, $0, &text, 64) != nil }
                }
        }
        guard rendered else { return nil }
        let address = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return address.hasPrefix("127.") || address == "::1" || address.hasPrefix("fe80:") ? nil : address
    }

    /// `address` and `port` into `storage`; the length to bind or connect with.
    private static func fill(_ storage: inout sockaddr_storage, _ family: Int32, _ address: String, port: UInt16) -> socklen_t {
        withUnsafeMutablePointer(to: &storage) { pointer in
            if family == AF_INET {
                return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { p in
                    p.pointee.sin_family = sa_family_t(AF_INET)
                    p.pointee.sin_port = port.bigEndian
                    _ = inet_pton(AF_INET, address, &p.pointee.sin_addr)
                    return socklen_t(MemoryLayout<sockaddr_in>.size)
                }
            }
            return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { p in
                p.pointee.sin6_family = sa_family_t(AF_INET6)
                p.pointee.sin6_port = port.bigEndian
                _ = inet_pton(AF_INET6, address, &p.pointee.sin6_addr)
                return socklen_t(MemoryLayout<sockaddr_in6>.size)
            }
        }
    }

    // MARK: victim

    private func startVictim(_ probe: String) throws(AuditError) {
        let running: HelperProcess.Running
        do throws(Errno) { running = try HelperProcess([probe, "audit-victim"], stdout: .discard, stderr: .discard).start() } catch {
            throw AuditError("cannot start the victim process \(probe): \(error.text)")
        }
        victim = running
        victimPID = running.pid
        // Ready once its token page is mapped (what proc-vm-readv reads); bounded, in case it died.
        let deadline = MonotonicClock.seconds() + 5
        while MonotonicClock.seconds() < deadline {
            if let maps = try? FileContents.readFile("/proc/\(running.pid)/maps", limit: 1 << 20),
               String(decoding: maps, as: UTF8.self).contains("7e5700000000-") { return }
            var pause = timespec(tv_sec: 0, tv_nsec: 2_000_000)
            nanosleep(&pause, nil)
        }
        throw AuditError("the victim process \(probe) audit-victim did not come up")
    }
}

/// The audit cannot run: its targets cannot be made, the probe is missing, a report cannot be written.
public struct AuditError: Error, CustomStringConvertible, Sendable {
    public let description: String
    /// Set when a stop signal (SIGINT, SIGTERM, ...) ended the audit: exit 128 + this, as a shell does.
    public let signal: Int32?
    public init(_ description: String) { self.description = description; signal = nil }
    private init(_ description: String, signal: Int32) { self.description = description; self.signal = signal }

    static func interrupted(_ signal: Int32) -> AuditError {
        AuditError("interrupted by \(SignalNames.name(of: signal)): the probes running then were ended, no other was started, "
                   + "and the targets were removed", signal: signal)
    }
}
