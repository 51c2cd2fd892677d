/// How spec names become Swift names.
public enum Naming {
    static let keywords: Set<String> = [
        "as", "associatedtype", "break", "case", "catch", "class", "continue", "default", "defer", "deinit",
        "do", "else", "enum", "extension", "fallthrough", "false", "fileprivate", "for", "func", "guard", "if",
        "import", "in", "init", "inout", "internal", "is", "let", "nil", "open", "operator", "private",
        "protocol", "public", "repeat", "rethrows", "return", "self", "Self", "static", "struct", "subscript",
        "super", "switch", "throw", "throws", "true", "try", "typealias", "var", "where", "while", "Type",
    ]

    static let acronyms: [String: String] = [
        "ip": "IP", "ipv6": "IPv6", "tcp": "TCP", "udp": "UDP", "sctp": "SCTP", "icmp": "ICMP",
        "icmpv6": "ICMPv6", "ee": "EE", "otp": "OTP", "ioctl": "Ioctl",
    ]

    /// `add_membership` -> `addMembership`, escaped when it is a keyword.
    public static func member(_ erlang: String) -> String {
        let parts = erlang.split(separator: "_").map(String.init)
        guard let first = parts.first else { return erlang }
        let name = first + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        return keywords.contains(name) ? "`\(name)`" : name
    }

    /// A Swift member name as Erlang spells the field: `sndMss` -> `snd_mss`.
    public static func erlang(member swift: String) -> String {
        var result = ""
        for character in swift {
            if character.isUppercase {
                result += "_" + character.lowercased()
            } else {
                result.append(character)
            }
        }
        return result
    }

    /// `ip_tos` -> `IPTos`, `icmpv6_dest_unreach` -> `ICMPv6DestUnreach`.
    public static func type(_ erlang: String) -> String {
        erlang.split(separator: "_").map { part in
            acronyms[String(part)] ?? (part.prefix(1).uppercased() + part.dropFirst())
        }.joined()
    }

    /// A Swift identifier made from a C name (dots of nested fields become underscores).
    public static func cIdentifier(_ name: String) -> String {
        let plain = name.replacingDots()
        return keywords.contains(plain) ? "`\(plain)`" : plain
    }
}

extension String {
    func replacingDots() -> String { String(map { $0 == "." ? "_" : $0 }) }
}
