/// Rows of cells printed with every column padded to its widest cell, for people.
struct TextTable {
    var rows: [[String]] = []
    /// Spaces before the first column.
    var indent = 0

    mutating func append(_ cells: String...) { rows.append(cells) }

    var text: String {
        var widths: [Int] = []
        for row in rows {
            for (i, cell) in row.enumerated() {
                if i == widths.count { widths.append(0) }
                widths[i] = max(widths[i], cell.count)
            }
        }
        return rows.map { row in
            var line = String(repeating: " ", count: indent)
            for (i, cell) in row.enumerated() {
                line += i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count + 2)
            }
            return line
        }.joined(separator: "\n")
    }
}
