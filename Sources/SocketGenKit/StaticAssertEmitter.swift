import SocketSnapshot
import SocketSpec

/// One C file that checks a snapshot with a real C compiler for its triple, and what the
/// compiler must make of it.
public struct StaticAssertCheck: Sendable, Hashable {
    public enum Expectation: Sendable, Hashable {
        /// Every fact holds: the file compiles.
        case compiles
        /// The name is absent: the file fails, and only on this 1-based line.
        case failsOnlyAt(line: Int)
    }

    /// What the file checks, for a failure message (`values and layouts`, `absent msghdr.msg_flags`).
    public var subject: String
    public var source: String
    public var expectation: Expectation
}

/// Turns a snapshot into C files that a compiler for its triple accepts exactly when the
/// snapshot is right: the libclang probe is checked by another compiler (GCC, with its own
/// idea of the target's ABI), for triples this machine cannot run.
///
/// Every file starts with the probe's own prologue, so it sees the probe's declarations.
/// - Present constants, struct sizes, alignments, field offsets and field sizes become
///   `_Static_assert`s in one file that must compile.
/// - An absent plain name must not be a macro (`#ifdef` ... `#error`) and must be free at file
///   scope: `static int NAME;` compiles only if NAME is no enumerator, variable, function or
///   type. An absent struct must be undefined: `struct X { int socket_gen_absent; };` compiles
///   only if no complete `struct X` exists. Both go into the file that must compile.
/// - An absent field, or an absent constant computed by an expression, can only be shown
///   absent by a failure: each gets its own file that must fail, on its last line only (an
///   error anywhere else means the file is wrong, not that the name is absent).
public enum StaticAssertEmitter {
    public static func checks(spec: Spec, snapshot: Snapshot) -> [StaticAssertCheck] {
        let prologue = Probe.prologue(spec)
        let probeLine = prologue.split(separator: "\n", omittingEmptySubsequences: false).count
        var body: [String] = []
        var failing: [StaticAssertCheck] = []
        func mustFail(_ subject: String, _ line: String) {
            failing.append(StaticAssertCheck(subject: subject, source: prologue + line + "\n",
                                             expectation: .failsOnlyAt(line: probeLine)))
        }

        for constant in spec.probedConstants {
            if let value = snapshot.value(constant.name) {
                body.append("_Static_assert((long long)(\(constant.expression)) == \(cLiteral(value)), \"\(constant.name) == \(value)\");")
            } else if constant.expression == constant.name {
                body.append("#ifdef \(constant.name)")
                body.append("#error \"\(constant.name) is a macro, but the snapshot says it is absent\"")
                body.append("#endif")
                body.append("static int \(constant.name);")
            } else {
                mustFail("absent \(constant.name) = \(constant.expression)",
                         "static const long long socket_gen_absent = (long long)(\(constant.expression));")
            }
        }

        for layout in spec.structs {
            let type = layout.cType
            guard let measured = snapshot.structs[layout.name], let size = measured.size, let alignment = measured.alignment else {
                body.append("\(type) { int socket_gen_absent; };")
                continue
            }
            body.append("_Static_assert(sizeof(\(type)) == \(size), \"sizeof(\(type)) == \(size)\");")
            body.append("_Static_assert(_Alignof(\(type)) == \(alignment), \"_Alignof(\(type)) == \(alignment)\");")
            for field in layout.fields {
                let found = measured.fields.first { $0.name == field }
                if let offset = found?.offset, let fieldSize = found?.size {
                    body.append("_Static_assert(__builtin_offsetof(\(type), \(field)) == \(offset), \"offsetof(\(type), \(field)) == \(offset)\");")
                    body.append("_Static_assert(sizeof(((\(type) *)0)->\(field)) == \(fieldSize), \"sizeof \(type).\(field) == \(fieldSize)\");")
                } else {
                    mustFail("absent \(layout.name).\(field)",
                             "static const long long socket_gen_absent = (long long)__builtin_offsetof(\(type), \(field));")
                }
            }
        }

        let main = StaticAssertCheck(subject: "values and layouts",
                                     source: prologue + body.joined(separator: "\n") + "\n", expectation: .compiles)
        return [main] + failing
    }

    /// A C `long long` literal; the most negative value has none, so it is an expression.
    static func cLiteral(_ value: Int64) -> String {
        value == .min ? "(-9223372036854775807LL - 1)" : "\(value)LL"
    }
}
