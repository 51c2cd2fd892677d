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
                line += cell + String(repeating: " ", count: widths[i] - cell.count + 2)
            }
            // Empty last cells leave no blanks at the end of a line.
            while line.last == " " { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }
}
