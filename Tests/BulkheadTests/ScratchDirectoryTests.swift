@testable import Bulkhead
import Glibc
import Testing

/// Removing a scratch directory never follows what the task left in it, and takes everything else.
@Suite struct ScratchDirectoryTests {
    @Test func removalTakesEverythingAndFollowsNothing() throws {
        let scratch = try ScratchDirectory.create(uid: geteuid(), gid: getegid())
        var info = stat()
        #expect(lstat(scratch.path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR && info.st_mode & 0o7777 == 0o700)

        // Outside: a directory with a file, which links inside must not lead the removal into.
        let outside = try ScratchDirectory.create(uid: geteuid(), gid: getegid())
        defer { _ = outside.remove() }
        let kept = outside.path + "/kept"
        #expect(creat(kept, 0o644) >= 0)

        #expect(mkdir(scratch.path + "/a", 0o755) == 0 && mkdir(scratch.path + "/a/b", 0o755) == 0)
        #expect(creat(scratch.path + "/a/b/file", 0o644) >= 0)
        #expect(symlink(outside.path, scratch.path + "/a/dir-link") == 0)
        #expect(symlink(kept, scratch.path + "/file-link") == 0)
        // A name that is not UTF-8, and a directory its owner locked.
        let odd: [CChar] = Array((scratch.path + "/odd-").utf8CString.dropLast()) + [CChar(bitPattern: 0xff), 0]
        #expect(creat(odd, 0o644) >= 0)
        #expect(mkdir(scratch.path + "/locked", 0o755) == 0 && creat(scratch.path + "/locked/inner", 0o644) >= 0)
        #expect(chmod(scratch.path + "/locked", 0) == 0)

        #expect(scratch.remove() == nil)
        #expect(access(scratch.path, F_OK) != 0)
        #expect(access(kept, F_OK) == 0)
    }

    @Test func aDirectoryReplacedByALinkIsNotFollowed() throws {
        let scratch = try ScratchDirectory.create(uid: geteuid(), gid: getegid())
        let outside = try ScratchDirectory.create(uid: geteuid(), gid: getegid())
        defer { _ = outside.remove() }
        #expect(creat(outside.path + "/kept", 0o644) >= 0)
        // The task renamed its scratch directory away and left a link in its place.
        #expect(rename(scratch.path, scratch.path + "-moved") == 0)
        defer { _ = ScratchDirectory(path: scratch.path + "-moved").remove() }
        #expect(symlink(outside.path, scratch.path) == 0)
        #expect(scratch.remove()?.hasPrefix("it was moved away") == true)
        #expect(access(scratch.path, F_OK) != 0)  // the link, removed as a link
        #expect(access(outside.path + "/kept", F_OK) == 0)
    }
}
