/// Everything the `Spec/` tables say: the single source of every name the library knows.
public struct Spec: Sendable {
    public var headers: [String] = []
    public var constants: [ConstantRow] = []
    public var structs: [StructSpec] = []
    public var values: [ValueSpec] = []
    public var levels: [NamedConstant] = []
    public var options: [OptionRow] = []
    public var msgFlags: [NamedConstant] = []
    public var controlMessages: [ControlMessageRow] = []
    public var ioctls: [IoctlRow] = []
    public var ioctlFlags: [NamedConstant] = []
    public var domains: [NamedConstant] = []
    public var types: [NamedConstant] = []
    public var protocols: [NamedConstant] = []
    public var enums: [EnumSpec] = []

    public init() {}

    /// Value types that are not spec rows: scalars and the hand-written types of the
    /// generated module.
    public static let builtinValueTypes: Set<String> = [
        "bool", "int", "uint", "uint64", "string", "bytes", "none",
        "domain", "type", "protocol", "errno",
        "in_addr_any", "ip_msfilter", "ipv6_hops", "group_source_req", "fds", "sockaddr", "extended_err",
    ]

    /// The C type a constant is probed and emitted as.
    public func swiftType(ofConstant name: String) -> String {
        if let row = constants.first(where: { $0.name == name }) { return row.swiftType }
        if ioctls.contains(where: { $0.constant == name }) { return "CUnsignedLong" }
        return "CInt"
    }

    /// Every C constant the spec names, each once, with the expression that computes it,
    /// in a stable order.
    public var probedConstants: [(name: String, expression: String, swiftType: String)] {
        var seen = Set<String>()
        var result: [(String, String, String)] = []
        func add(_ name: String, _ expression: String? = nil) {
            guard name != "-", seen.insert(name).inserted else { return }
            result.append((name, expression ?? name, swiftType(ofConstant: name)))
        }
        for row in constants { add(row.name, row.expression) }
        for row in levels { add(row.constant) }
        for row in options { add(row.constant) }
        for row in msgFlags { add(row.constant) }
        for row in controlMessages { add(row.constant) }
        for row in ioctls { add(row.constant) }
        for row in ioctlFlags { add(row.constant) }
        for row in domains { add(row.constant) }
        for row in types { add(row.constant) }
        for row in protocols { add(row.constant) }
        for e in enums { for row in e.cases { add(row.constant) } }
        return result.sorted { $0.0 < $1.0 }
    }

    /// Whether `type` names something an option or control message can carry.
    public func knowsValueType(_ type: String) -> Bool {
        Spec.builtinValueTypes.contains(type)
            || enums.contains { $0.name == type }
            || values.contains { $0.cStruct == type }
    }
}
