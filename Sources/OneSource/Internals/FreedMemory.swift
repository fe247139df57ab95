#if canImport(Glibc)
import Glibc
#endif

/// Gives the memory the process freed back to the system. glibc keeps freed memory in each thread's arena for reuse,
/// so without this the memory a parallel stage (ingest's readers and verifiers) used and freed stays resident under
/// the work after it, and the process's peak is their sum, not the largest part. The runner calls it after each stage,
/// ingest after each dataset. glibc's `malloc_trim` is looked up at run time (Swift's Glibc module leaves out
/// malloc.h); elsewhere nothing is done.
enum FreedMemory {
    static func giveBack() {
        _ = trim?(0)   // malloc_trim's answer (whether memory was released) changes nothing here
    }

    private static let trim: (@convention(c) (Int) -> Int32)? = {
        #if os(Linux)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
        #else
        return nil
        #endif
    }()
}
