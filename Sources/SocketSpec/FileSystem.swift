#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The little file access the generator, the fuzz driver and the tests need, without Foundation.
public enum FileSystem {
    public struct Failure: Error, CustomStringConvertible {
        public var path: String
        public var errno: Int32
        public var description: String { "\(path): \(String(cString: strerror(errno)))" }
    }

    /// The whole file at `path`, as text (invalid UTF-8 repaired).
    public static func read(_ path: String) throws(Failure) -> String {
        String(decoding: try readBytes(path), as: UTF8.self)
    }

    /// The whole file at `path`, as bytes.
    public static func readBytes(_ path: String) throws(Failure) -> [UInt8] {
        guard let file = fopen(path, "rb") else { throw Failure(path: path, errno: errno) }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count > 0 { bytes += chunk[0..<count] }
            if count < chunk.count {
                if ferror(file) != 0 { throw Failure(path: path, errno: errno) }
                break
            }
        }
        return bytes
    }

    /// Writes only when the content changes, so that an unchanged output does not make the
    /// build recompile what depends on it.
    public static func write(_ text: String, to path: String) throws(Failure) {
        if let existing = try? read(path), existing == text { return }
        guard let file = fopen(path, "wb") else { throw Failure(path: path, errno: errno) }
        defer { fclose(file) }
        let bytes = Array(text.utf8)
        guard fwrite(bytes, 1, bytes.count, file) == bytes.count else { throw Failure(path: path, errno: errno) }
    }

    /// The names in a directory, sorted; empty when it does not exist.
    public static func list(_ directory: String) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        // The name is read where it stands: an entry is only `d_reclen` bytes long, so
        // copying a whole `struct dirent` (a 256-byte `d_name`) can read past the end of
        // readdir's buffer, and fault when that buffer ends a mapping.
        let nameOffset = MemoryLayout<dirent>.offset(of: \.d_name)!
        while let entry = readdir(dir) {
            let name = String(cString: UnsafeRawPointer(entry).advanced(by: nameOffset).assumingMemoryBound(to: CChar.self))
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }
}

extension SpecParser {
    /// Reads every `*.tbl` file of a directory.
    public static func load(directory: String) throws -> Spec {
        let files = try FileSystem.list(directory).filter { $0.hasSuffix(".tbl") }.map { name in
            (name: name, text: try FileSystem.read(directory + "/" + name))
        }
        return try parse(files: files)
    }
}
