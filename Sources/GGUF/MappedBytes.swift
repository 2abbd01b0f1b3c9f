#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Read-only bytes that stay valid for the object's lifetime: a memory-mapped file (nothing is read
/// until touched, so opening a 17 GB model reads only its header) or an owned copy.
final class MappedBytes: @unchecked Sendable {
    let base: UnsafeRawPointer?
    let count: Int
    private let release: () -> Void
    /// Whether `base` is a read-only map of a file (whose pages the kernel can drop and read again).
    let isFileMapping: Bool

    /// Maps the whole file read-only.
    init(path: String) throws(GGUFError) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw GGUFError(path: path, .cannotOpen(reason: String(cString: strerror(errno))))
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw GGUFError(path: path, .cannotOpen(reason: String(cString: strerror(errno))))
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw GGUFError(path: path, .notARegularFile) }
        let size = Int(st.st_size)
        guard size > 0 else { throw GGUFError(path: path, .emptyFile) }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw GGUFError(path: path, .cannotOpen(reason: "mmap failed: \(String(cString: strerror(errno)))"))
        }
        base = UnsafeRawPointer(p)
        count = size
        isFileMapping = true
        release = { munmap(p, size) }
    }

    /// An owned copy of `bytes` (for files built in memory, e.g. by tests).
    init(copying bytes: [UInt8]) {
        let p = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 64)
        bytes.withUnsafeBytes { src in
            if let s = src.baseAddress { p.copyMemory(from: s, byteCount: src.count) }
        }
        base = UnsafeRawPointer(p)
        count = bytes.count
        isFileMapping = false
        release = { p.deallocate() }
    }

    /// Lets the kernel drop the resident pages wholly inside `range` (a part of these bytes) of a file
    /// mapping: they stay readable and are read from the file again if touched. Nothing for a copy.
    func dropResidency(_ range: UnsafeRawBufferPointer) {
        guard isFileMapping, let b = base, let start = range.baseAddress,
              start >= b, start + range.count <= b + count else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let first = (Int(bitPattern: start) + page - 1) / page * page
        let end = (Int(bitPattern: start) + range.count) / page * page
        guard end > first, let p = UnsafeMutableRawPointer(bitPattern: first) else { return }
        madvise(p, end - first, Int32(MADV_DONTNEED))
    }

    deinit { release() }

    var buffer: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }
}
