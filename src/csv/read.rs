//! Reading CSV uploads: RFC 4180 records (quoted fields with embedded commas,
//! doubled quotes and line breaks; CRLF or LF line ends), as written by
//! spreadsheets and by `csv::line`.

/// One record and the spreadsheet row it is on: the first line is row 1, and
/// every line break outside quotes starts a row (empty lines are rows without
/// a record).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub row: usize,
    pub cells: Vec<String>,
}

/// Why a file could not be read as CSV, and the row where it happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub row: usize,
    pub message: &'static str,
}

/// The records of `text` (a leading byte-order mark is ignored). A quote
/// inside an unquoted value is kept as it is, as spreadsheets do; a quoted
/// value that never ends, or text after a closing quote, is an error.
pub fn records(text: &str) -> Result<Vec<Record>, ParseError> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let mut records = Vec::new();
    let mut cells: Vec<String> = Vec::new();
    let mut cell = String::new();
    let mut chars = text.chars().peekable();
    let mut row = 1;
    let mut at_cell_start = true;
    let mut quoted = false;
    // Whether the current record has anything in it (an empty line has not).
    let mut started = false;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    cell.push('"');
                }
                '"' => {
                    quoted = false;
                    if !matches!(chars.peek(), None | Some(',' | '\r' | '\n')) {
                        return Err(ParseError {
                            row,
                            message: "Text follows a closing quote. Quote the whole value and double any quote inside it.",
                        });
                    }
                }
                _ => cell.push(c),
            }
            continue;
        }
        match c {
            '"' if at_cell_start => {
                quoted = true;
                at_cell_start = false;
                started = true;
            }
            ',' => {
                cells.push(std::mem::take(&mut cell));
                at_cell_start = true;
                started = true;
            }
            '\r' | '\n' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                if started {
                    cells.push(std::mem::take(&mut cell));
                    records.push(Record { row, cells: std::mem::take(&mut cells) });
                }
                row += 1;
                at_cell_start = true;
                started = false;
            }
            _ => {
                cell.push(c);
                at_cell_start = false;
                started = true;
            }
        }
    }
    if quoted {
        return Err(ParseError { row, message: "A quoted value is never closed: a quote is missing." });
    }
    if started {
        cells.push(cell);
        records.push(Record { row, cells });
    }
    Ok(records)
}

/// Undoes `csv::cell`'s formula neutralisation, so that an export reads back
/// as what was exported: a `'` before `=`, `+`, `-`, `@`, a tab or a
/// carriage return is dropped. (A value that really starts with `'` and one
/// of those is read without its `'`: no field of a record can start so.)
pub fn unneutralise(value: &str) -> &str {
    match value.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(text: &str) -> Vec<Vec<String>> {
        records(text).expect("valid").into_iter().map(|r| r.cells).collect()
    }

    #[test]
    fn plain_records_with_crlf_or_lf() {
        assert_eq!(cells("a,b\r\nc,d\r\n"), [["a", "b"], ["c", "d"]]);
        assert_eq!(cells("a,b\nc,d"), [["a", "b"], ["c", "d"]]);
        assert_eq!(cells("a,,\n"), [["a", "", ""]]);
    }

    #[test]
    fn quoted_values_keep_commas_quotes_and_line_breaks() {
        assert_eq!(
            cells("\"a,b\",\"say \"\"hi\"\"\",\"two\r\nlines\"\r\nx,y"),
            [vec!["a,b", "say \"hi\"", "two\r\nlines"], vec!["x", "y"]]
        );
        assert_eq!(cells("\"\",x"), [["", "x"]]);
        assert_eq!(cells("O\"Brien,x"), [["O\"Brien", "x"]], "a quote inside an unquoted value stays");
    }

    #[test]
    fn rows_are_counted_as_a_spreadsheet_shows_them() {
        let read = records("h1,h2\n\"multi\nline\",b\n\nlast,c\n").expect("valid");
        let rows: Vec<usize> = read.iter().map(|r| r.row).collect();
        assert_eq!(rows, [1, 2, 4], "a quoted line break does not start a row; an empty line is a row of its own");
    }

    #[test]
    fn a_byte_order_mark_is_ignored() {
        assert_eq!(cells("\u{FEFF}employee_number,x\n"), [["employee_number", "x"]]);
    }

    #[test]
    fn broken_quotes_are_errors_with_their_row() {
        assert_eq!(records("a\n\"open,b\n").unwrap_err().row, 2);
        assert_eq!(records("a\n\"x\"y,b\n").unwrap_err().row, 2);
    }

    #[test]
    fn what_the_writer_neutralised_reads_back() {
        for value in ["=cmd|' /C calc'!A0", "+44 20 7946 0000", "-1", "@x", "plain", "'quoted", ""] {
            let written = crate::csv::cell(value);
            let read = &cells(&written)[..];
            let got = read.first().and_then(|r| r.first()).map(String::as_str).unwrap_or("");
            assert_eq!(unneutralise(got), value);
        }
    }
}
