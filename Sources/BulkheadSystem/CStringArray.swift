#if canImport(Glibc)
import Glibc
#endif

/// A NULL-terminated array of C strings, owned until `free()`.
public struct CStringArray {
    public let pointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    public let count: Int

    /// False when a copy failed (out of memory): the array would end early.
    public let complete: Bool

    /// Each string exactly these bytes (which must hold no NUL), UTF-8 or not.
    public init(_ items: [[UInt8]]) {
        count = items.count
        pointer = .allocate(capacity: items.count + 1)
        var complete = true
        for (index, item) in items.enumerated() {
            let copy = malloc(item.count + 1)?.assumingMemoryBound(to: CChar.self)
            if let copy {
                item.withUnsafeBytes { bytes in if let base = bytes.baseAddress { memcpy(copy, base, bytes.count) } }
                copy[item.count] = 0
            } else {
                complete = false
            }
            pointer[index] = copy
        }
        pointer[items.count] = nil
        self.complete = complete
    }

    public init(_ strings: [String]) { self.init(strings.map { Array($0.utf8) }) }

    public func free() {
        for index in 0..<count { Glibc.free(pointer[index]) }
        pointer.deallocate()
    }
}
