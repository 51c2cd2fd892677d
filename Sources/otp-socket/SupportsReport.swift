import SocketConstants

/// The text of `otp-socket supports`: the booleans with the kernel's answer beside the
/// headers', then each list, options grouped by level, every column aligned.
struct SupportsReport {
    var triple: String
    /// Whether to ask this machine's kernel (only when the triple is this machine's).
    var askKernel: Bool

    func text(for value: SupportsValue, key: String?) -> String {
        switch value {
        case .boolean(let flag):
            return booleans([(key ?? "", flag)])
        case .list(let entries):
            // supports(): the booleans first, in one table, then the lists.
            if key == nil {
                let flags = entries.compactMap { entry -> (String, Bool)? in
                    if case .boolean(let flag) = entry.value { return (entry.key, flag) }
                    return nil
                }
                let lists = entries.filter { if case .list = $0.value { return true } else { return false } }
                return "\(triple): what its headers define (socket:supports/0)"
                    + (askKernel ? ", and what this machine's kernel accepts" : "") + "\n\n"
                    + booleans(flags) + "\n\n"
                    + lists.map { $0.key + "\n" + section($0.value.entries, indent: 2) }.joined(separator: "\n\n")
            }
            return section(entries, indent: 0)
        }
    }

    func booleans(_ flags: [(key: String, headers: Bool)]) -> String {
        var table = TextTable()
        table.append("", "headers", askKernel ? "kernel" : "")
        for flag in flags {
            let kernel = askKernel ? KernelSupport.answer(for: flag.key).map(\.description) ?? "-" : ""
            table.append(flag.key, String(flag.headers), kernel)
        }
        return table.text
    }

    /// A list: `name  true|false` rows, or for options a heading per level and its rows.
    func section(_ entries: [SupportsEntry], indent: Int) -> String {
        var table = TextTable(indent: indent)
        var blocks: [String] = []
        for entry in entries {
            switch entry.value {
            case .boolean(let flag): table.append(entry.key, String(flag))
            case .list(let nested):
                let supported = nested.filter(\.value.isTrue).count
                blocks.append(String(repeating: " ", count: indent) + "\(entry.key) (\(supported) of \(nested.count))\n"
                              + section(nested, indent: indent + 2))
            }
        }
        if !table.rows.isEmpty { blocks.insert(table.text, at: 0) }
        return blocks.joined(separator: "\n\n")
    }
}
