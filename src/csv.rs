//! Writing CSV for downloads: RFC 4180 quoting and CSV-injection
//! neutralisation, as pure functions, so that every export writes its cells
//! the same way. Reading uploads is `read`; streaming a download, `stream`.

pub mod read;
pub mod stream;

/// One cell as it goes into a CSV line. A cell a spreadsheet would read as a
/// formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return)
/// gets a leading `'`; a cell with a comma, a quote, a carriage return or a
/// newline is quoted, its quotes doubled.
pub fn cell(value: &str) -> String {
    let neutralised =
        if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_owned() };
    if neutralised.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", neutralised.replace('"', "\"\""))
    } else {
        neutralised
    }
}

/// One line of CSV, ended by CRLF as RFC 4180 says.
pub fn line<S: AsRef<str>>(cells: &[S]) -> String {
    let mut out = cells.iter().map(|c| cell(c.as_ref())).collect::<Vec<_>>().join(",");
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_cells_are_written_as_they_are() {
        assert_eq!(cell("Annual leave"), "Annual leave");
        assert_eq!(cell(""), "");
        assert_eq!(cell("Zoë Ångström"), "Zoë Ångström");
        assert_eq!(cell("2.5"), "2.5");
    }

    #[test]
    fn commas_quotes_and_newlines_are_quoted_with_quotes_doubled() {
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(cell("cr\rhere"), "\"cr\rhere\"");
    }

    #[test]
    fn formula_looking_cells_are_neutralised() {
        assert_eq!(cell("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
        assert_eq!(cell("+1"), "'+1");
        assert_eq!(cell("-1"), "'-1");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("\tx"), "'\tx");
        assert_eq!(cell("\rx"), "\"'\rx\"", "neutralised, then quoted for the CR");
        assert_eq!(cell("=1,2"), "\"'=1,2\"", "neutralised, then quoted for the comma");
        assert_eq!(cell("a=b"), "a=b", "only the first character counts");
    }

    #[test]
    fn a_line_joins_cells_with_commas_and_ends_with_crlf() {
        assert_eq!(line(&["a", "b,c", "=x"]), "a,\"b,c\",'=x\r\n");
        assert_eq!(line::<&str>(&[]), "\r\n");
    }
}
