import CClang
import SocketSnapshot
import SocketSpec
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Asks the C headers of one triple, through libclang, for every constant and struct layout
/// the spec names.
///
/// Pass 1 parses every probe; a probe line with a diagnostic names something the headers do
/// not declare. Pass 2 parses only the declared ones and must be clean. A diagnostic outside
/// the probe lines (a missing header, a conflict between headers) fails the run.
public struct Probe {
    public struct Failure: Error, CustomStringConvertible {
        public var message: String
        public var description: String { "socket-gen: probe failed: \(message)" }
    }

    public var spec: Spec
    public var triple: Triple
    /// Where the target's headers live; `.host` probes the build machine's own.
    public var headers: HeaderSearch

    public init(spec: Spec, triple: Triple, headers: HeaderSearch = .host) {
        self.spec = spec
        self.triple = triple
        self.headers = headers
    }

    /// One C expression whose integer value the probe reads.
    enum Question: Hashable {
        case constant(String)
        case size(String)
        case alignment(String)
        case offset(String, String)
        case fieldSize(String, String)
    }

    func questions() -> [(Question, String)] {
        var result: [(Question, String)] = []
        for constant in spec.probedConstants {
            result.append((.constant(constant.name), "(long long)(\(constant.expression))"))
        }
        for layout in spec.structs {
            let type = layout.cType
            result.append((.size(layout.name), "(long long)sizeof(\(type))"))
            result.append((.alignment(layout.name), "(long long)_Alignof(\(type))"))
            for field in layout.fields {
                result.append((.offset(layout.name, field), "(long long)__builtin_offsetof(\(type), \(field))"))
                result.append((.fieldSize(layout.name, field), "(long long)sizeof(((\(type) *)0)->\(field))"))
            }
        }
        return result
    }

    /// The C file's head: `_GNU_SOURCE` and the spec's headers, each only where it exists.
    /// The cross-compiler checks (``StaticAssertEmitter``) start with the same text, so that
    /// they see exactly the declarations the probe saw.
    static func prologue(_ spec: Spec) -> String {
        var lines = ["#define _GNU_SOURCE 1"]
        for header in spec.headers {
            lines.append("#if __has_include(<\(header)>)")
            lines.append("#include <\(header)>")
            lines.append("#endif")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static let prefix = "socket_gen_probe_"

    func source(for questions: [(index: Int, expression: String)]) -> (text: String, firstProbeLine: Int) {
        let head = Probe.prologue(spec)
        let firstLine = head.split(separator: "\n", omittingEmptySubsequences: false).count
        var text = head
        for question in questions {
            text += "static const long long \(Probe.prefix)\(question.index) = \(question.expression);\n"
        }
        return (text, firstLine)
    }

    /// clang's arguments. With explicit header directories, `-nostdlibinc` keeps the build
    /// machine's `/usr/include` out of the search; kernel headers come last (`-idirafter`), so
    /// that they can never shadow a C library header.
    func arguments(resourceDirectory: String, kernelDirectory: String?) -> [String] {
        var args = ["-x", "c", "-std=gnu11", "--target=\(triple.clangTarget)", "-resource-dir", resourceDirectory,
                    "-ferror-limit=0", "-Wno-everything"]
        if let directories = headers.directories {
            args += ["-nostdlibinc", "-isystem", resourceDirectory + "/include"]
            for directory in directories { args += ["-isystem", directory] }
        }
        if let kernelDirectory { args += ["-idirafter", kernelDirectory] }
        return args
    }

    struct Diagnostic {
        var severity: Int32
        var inMainFile: Bool
        var line: Int
        var text: String
    }

    final class Collector {
        var diagnostics: [Diagnostic] = []
        var values: [Int: Int64?] = [:]
    }

    func parse(_ source: String, arguments: [String]) throws(Failure) -> Collector {
        let index = cclang_create_index()
        defer { cclang_dispose_index(index) }
        var unit: CClangTranslationUnit?
        let fileName = "socket_gen_probe.c"
        let status: Int32 = source.withCString { contents in
            withCStrings(arguments) { argv in
                cclang_parse(index, fileName, contents, UInt(source.utf8.count), argv, Int32(arguments.count), &unit)
            }
        }
        guard status == 0, let unit else { throw Failure(message: "libclang could not parse the probe (error \(status))") }
        defer { cclang_dispose_translation_unit(unit) }
        let collector = Collector()
        let context = Unmanaged.passUnretained(collector).toOpaque()
        cclang_diagnostics(unit, { context, severity, inMain, line, text in
            let collector = Unmanaged<Collector>.fromOpaque(context!).takeUnretainedValue()
            collector.diagnostics.append(Diagnostic(severity: severity, inMainFile: inMain != 0, line: Int(line),
                                                    text: text.map { String(cString: $0) } ?? ""))
        }, context)
        cclang_evaluate_variables(unit, Probe.prefix, { context, name, evaluated, isUnsigned, value, unsignedValue in
            let collector = Unmanaged<Collector>.fromOpaque(context!).takeUnretainedValue()
            guard let index = Int(String(cString: name!).dropFirst(Probe.prefix.count)) else { return }
            if evaluated == 0 {
                collector.values[index] = .some(nil)
            } else {
                collector.values[index] = isUnsigned != 0 ? Int64(truncatingIfNeeded: unsignedValue) : value
            }
        }, context)
        return collector
    }

    /// Runs the probe and returns the snapshot.
    public func run() throws(Failure) -> Snapshot {
        let library: String
        do { library = try Libclang.load() } catch { throw Failure(message: error.description) }
        guard let resourceDirectory = Libclang.resourceDirectory(forLibrary: library) else {
            throw Failure(message: "no clang resource directory next to \(library)")
        }
        // A missing directory would make every `__has_include` false and every name absent:
        // a snapshot that looks valid and is wrong.
        for directory in headers.directories ?? [] where !FileSystem.exists(directory + "/.") {
            throw Failure(message: "no headers at \(directory) (Debian: apt-get install \(triple.debianPackages().joined(separator: " ")))")
        }
        let kernel: StagedDirectory?
        do { kernel = try headers.kernel?.stage() } catch { throw Failure(message: error.description) }
        // The links must outlive both parses.
        defer { withExtendedLifetime(kernel) {} }
        let args = arguments(resourceDirectory: resourceDirectory, kernelDirectory: kernel?.path)
        let all = questions()

        // Pass 1: everything; a diagnostic on a probe line means "not declared here".
        let first = source(for: all.enumerated().map { ($0.offset, $0.element.1) })
        let pass1 = try parse(first.text, arguments: args)
        var absent = Set<Int>()
        for diagnostic in pass1.diagnostics where diagnostic.severity >= 3 {
            let probeIndex = diagnostic.line - first.firstProbeLine
            if diagnostic.inMainFile, probeIndex >= 0, probeIndex < all.count {
                absent.insert(probeIndex)
            } else {
                throw Failure(message: "diagnostic outside the probe lines: \(diagnostic.text)")
            }
        }

        // Pass 2: only what exists, which must parse without a single error.
        let present = all.indices.filter { !absent.contains($0) }
        let second = source(for: present.map { ($0, all[$0].1) })
        let pass2 = try parse(second.text, arguments: args)
        if let error = pass2.diagnostics.first(where: { $0.severity >= 3 }) {
            throw Failure(message: "second pass is not clean: \(error.text)")
        }

        var snapshot = Snapshot(triple: triple.name)
        for (index, (question, _)) in all.enumerated() {
            var value: Int64?
            if !absent.contains(index) {
                guard let evaluated = pass2.values[index], let evaluated else {
                    throw Failure(message: "libclang could not evaluate \(all[index].1)")
                }
                value = evaluated
            }
            switch question {
            case .constant(let name):
                snapshot.constants[name] = .some(value)
            case .size(let name):
                snapshot.structs[name, default: .init(name: name, size: nil, alignment: nil, fields: [])].size = value.map(Int.init)
            case .alignment(let name):
                snapshot.structs[name, default: .init(name: name, size: nil, alignment: nil, fields: [])].alignment = value.map(Int.init)
            case .offset(let name, let field):
                snapshot.structs[name, default: .init(name: name, size: nil, alignment: nil, fields: [])]
                    .fields.append(.init(name: field, offset: value.map(Int.init), size: nil))
            case .fieldSize(let name, let field):
                if let i = snapshot.structs[name]?.fields.firstIndex(where: { $0.name == field }) {
                    snapshot.structs[name]!.fields[i].size = value.map(Int.init)
                }
            }
        }
        // Headers that were not found at all look like a platform without sockets.
        if !snapshot.constants.isEmpty, snapshot.constants.values.allSatisfy({ $0 == nil }) {
            throw Failure(message: "the headers declare none of the spec's names; are they \(triple.name)'s? (\(headers.directories?.joined(separator: ", ") ?? "the host's"))")
        }
        // A field of a struct that does not exist is absent too.
        for (name, layout) in snapshot.structs where !layout.exists {
            for i in layout.fields.indices {
                snapshot.structs[name]!.fields[i].offset = nil
                snapshot.structs[name]!.fields[i].size = nil
            }
        }
        return snapshot
    }
}

func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    defer { pointers.forEach { free($0) } }
    return pointers.withUnsafeMutableBufferPointer { buffer in
        buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buffer.count) { body($0) }
    }
}
