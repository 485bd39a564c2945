//! What `printf FORMAT ARGS…` and `echo -e` print, evaluated statically as bash does: the
//! format's conversions and escapes, so `printf '%s/.aws/cred%s' ~ entials | xargs cat` is seen
//! to read `~/.aws/credentials`. A conversion this cannot evaluate exactly (floating point, a
//! number that does not parse) makes the whole output unknown: never a guess.

/// The text `printf FORMAT ARGS…` prints, or None when it cannot be known exactly. The format is
/// reused while arguments remain, as in bash.
pub(crate) fn format(fmt: &str, args: &[String]) -> Option<String> {
    let fmt: Vec<char> = fmt.chars().collect();
    let mut out = String::new();
    let mut args = Arguments { list: args, next: 0 };
    loop {
        let before = args.next;
        if !format_once(&fmt, &mut args, &mut out)? {
            return Some(out); // `\c` or `%b` with `\c`: nothing more is printed.
        }
        if args.next >= args.list.len() || args.next == before {
            return Some(out);
        }
    }
}

/// printf's arguments, taken in turn by the conversions.
struct Arguments<'a> {
    list: &'a [String],
    next: usize,
}

impl<'a> Arguments<'a> {
    fn take(&mut self) -> Option<&'a str> {
        let arg = self.list.get(self.next).map(String::as_str);
        self.next += 1;
        arg
    }

    /// A `*` width or precision: the next argument, as a number.
    fn number(&mut self, fmt: &[char], i: &mut usize) -> Option<Option<usize>> {
        if fmt.get(*i) == Some(&'*') {
            *i += 1;
            return Some(Some(integer(self.take().unwrap_or("0"))?.unsigned_abs() as usize));
        }
        let start = *i;
        while fmt.get(*i).is_some_and(char::is_ascii_digit) {
            *i += 1;
        }
        let digits: String = fmt[start..*i].iter().collect();
        Some(if digits.is_empty() { None } else { Some(digits.parse().ok()?) })
    }
}

/// One pass over the format; false when output stops (`\c`). Too long an output is unknown.
fn format_once(fmt: &[char], args: &mut Arguments<'_>, out: &mut String) -> Option<bool> {
    const LIMIT: usize = 64 * 1024;
    let mut i = 0;
    while i < fmt.len() {
        if out.len() > LIMIT {
            return None;
        }
        match fmt[i] {
            '\\' => {
                // In the format `\c` is no escape (only in a `%b` argument).
                let (text, used, _) = escape(&fmt[i + 1..], Escapes::Format);
                out.push_str(&text);
                i += 1 + used;
            }
            '%' => {
                i += 1;
                let mut flags = String::new();
                while let Some(&c) = fmt.get(i).filter(|c| "-+ #0'".contains(**c)) {
                    flags.push(c);
                    i += 1;
                }
                let width = args.number(fmt, &mut i)?.unwrap_or(0);
                if width > LIMIT {
                    return None;
                }
                let precision = if fmt.get(i) == Some(&'.') {
                    i += 1;
                    Some(args.number(fmt, &mut i)?.unwrap_or(0))
                } else {
                    None
                };
                let conversion = *fmt.get(i)?;
                i += 1;
                if "diouxX".contains(conversion) {
                    let value = integer(args.take().unwrap_or("0"))?;
                    let text = format_integer(value, conversion, precision, width, &flags)?;
                    out.push_str(&text);
                    continue;
                }
                let text = match conversion {
                    '%' => "%".to_owned(),
                    's' | 'q' => clip(args.take().unwrap_or(""), precision),
                    'b' => {
                        let (text, stop) = escapes(args.take().unwrap_or(""), Escapes::PercentB);
                        let text = clip(&text, precision);
                        if stop {
                            out.push_str(&pad(text, width, &flags));
                            return Some(false);
                        }
                        text
                    }
                    'c' => args.take().unwrap_or("").chars().next().map(String::from).unwrap_or_default(),
                    _ => return None,
                };
                out.push_str(&pad(text, width, &flags));
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Some(true)
}

/// An integer conversion as C's printf makes it: precision is the least number of digits (`%.0d`
/// of 0 prints nothing), `0` pads with zeros (not with a precision or `-`), `+`/` ` sign a
/// positive number, `#` prefixes `0x`/`0X`/`0`.
fn format_integer(
    value: i64,
    conversion: char,
    precision: Option<usize>,
    width: usize,
    flags: &str,
) -> Option<String> {
    let negative = value < 0 && matches!(conversion, 'd' | 'i');
    let mut digits = match conversion {
        'd' | 'i' => value.unsigned_abs().to_string(),
        'u' => (value as u64).to_string(),
        'o' => format!("{:o}", value as u64),
        'x' => format!("{:x}", value as u64),
        _ => format!("{:X}", value as u64),
    };
    if let Some(p) = precision {
        if p > 64 * 1024 {
            return None;
        }
        if p == 0 && value == 0 {
            digits.clear();
        } else if digits.len() < p {
            digits = "0".repeat(p - digits.len()) + &digits;
        }
    }
    let mut prefix = String::new();
    if negative {
        prefix.push('-');
    } else if matches!(conversion, 'd' | 'i') && flags.contains('+') {
        prefix.push('+');
    } else if matches!(conversion, 'd' | 'i') && flags.contains(' ') {
        prefix.push(' ');
    }
    if flags.contains('#') && value != 0 {
        match conversion {
            'x' => prefix.push_str("0x"),
            'X' => prefix.push_str("0X"),
            'o' if !digits.starts_with('0') => prefix.push('0'),
            _ => {}
        }
    }
    let len = prefix.len() + digits.len();
    Some(if len >= width {
        prefix + &digits
    } else if flags.contains('-') {
        prefix + &digits + &" ".repeat(width - len)
    } else if flags.contains('0') && precision.is_none() {
        prefix + &"0".repeat(width - len) + &digits
    } else {
        " ".repeat(width - len) + &prefix + &digits
    })
}

/// A number argument as printf reads it: decimal, `0x` hex, `0` octal, `'c` a character code.
fn integer(arg: &str) -> Option<i64> {
    let arg = arg.trim();
    if let Some(c) = arg.strip_prefix(['\'', '"']).and_then(|rest| rest.chars().next()) {
        return Some(i64::from(u32::from(c)));
    }
    let (negative, digits) = match arg.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, arg.strip_prefix('+').unwrap_or(arg)),
    };
    let value = if let Some(hex) = digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
        i64::from_str_radix(hex, 16).ok()?
    } else if digits.len() > 1 && digits.starts_with('0') {
        i64::from_str_radix(&digits[1..], 8).ok()?
    } else {
        digits.parse().ok()?
    };
    Some(if negative { -value } else { value })
}

fn clip(text: &str, precision: Option<usize>) -> String {
    match precision {
        Some(n) => text.chars().take(n).collect(),
        None => text.to_owned(),
    }
}

fn pad(text: String, width: usize, flags: &str) -> String {
    let len = text.chars().count();
    if len >= width {
        return text;
    }
    let fill = " ".repeat(width - len);
    if flags.contains('-') {
        text + &fill
    } else {
        fill + &text
    }
}

/// `text` with its backslash escapes read (`echo -e`, printf's `%b`: octal is `\0NNN`); true
/// when a `\c` stops the output there.
/// Which escapes a text reads: `echo -e` (octal `\0NNN`, `\c` stops), printf's `%b` (octal
/// `\0NNN` or `\NNN`, `\c` stops), printf's format (octal `\NNN`, `\c` is text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Escapes {
    Echo,
    PercentB,
    Format,
}

pub(crate) fn escapes(text: &str, kind: Escapes) -> (String, bool) {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '\\' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let (piece, used, stop) = escape(&chars[i + 1..], kind);
        out.push_str(&piece);
        if stop {
            return (out, true);
        }
        i += 1 + used;
    }
    (out, false)
}

/// One escape after a backslash: its text, the characters it used, and whether it is `\c`.
fn escape(after: &[char], kind: Escapes) -> (String, usize, bool) {
    let echo_octal = kind != Escapes::Format;
    let digits = |from: usize, max: usize, radix: u32| {
        let run: String = after.iter().skip(from).take(max).take_while(|c| c.is_digit(radix)).collect();
        let value = u32::from_str_radix(&run, radix).ok();
        (value, run.chars().count())
    };
    let Some(&c) = after.first() else { return ("\\".to_owned(), 0, false) };
    // Not an escape: the backslash is printed and the next character read as usual
    // (`\%s` still converts).
    let unknown = ("\\".to_owned(), 0, false);
    let simple = match c {
        'n' => Some('\n'),
        't' => Some('\t'),
        'r' => Some('\r'),
        'a' => Some('\x07'),
        'b' => Some('\x08'),
        'f' => Some('\x0c'),
        'v' => Some('\x0b'),
        'e' | 'E' => Some('\x1b'),
        '\\' => Some('\\'),
        '"' if !echo_octal => Some('"'),
        '\'' if !echo_octal => Some('\''),
        _ => None,
    };
    if let Some(s) = simple {
        return (s.to_string(), 1, false);
    }
    let code = |value: Option<u32>| value.and_then(char::from_u32).map(String::from).unwrap_or_default();
    match c {
        'c' if echo_octal => (String::new(), 1, true),
        'x' => match digits(1, 2, 16) {
            (_, 0) => unknown,
            (value, n) => (code(value), 1 + n, false),
        },
        'u' | 'U' => {
            let max = if c == 'u' { 4 } else { 8 };
            match digits(1, max, 16) {
                (_, 0) => unknown,
                (value, n) => (code(value), 1 + n, false),
            }
        }
        '0' if echo_octal => {
            let (value, n) = digits(1, 3, 8);
            (code(value.or(Some(0))), 1 + n, false)
        }
        '0'..='7' if kind != Escapes::Echo => {
            let (value, n) = digits(0, 3, 8);
            (code(value), n, false)
        }
        _ => unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn printf(fmt: &str, args: &[&str]) -> Option<String> {
        format(fmt, &args.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>())
    }

    #[test]
    fn conversions() {
        assert_eq!(printf("%s/.aws/cred%s", &["~", "entials"]).as_deref(), Some("~/.aws/credentials"));
        assert_eq!(printf("%s\\n", &["a", "b"]).as_deref(), Some("a\nb\n"));
        assert_eq!(printf("%.18s", &["~/.aws/credentialsXYZ"]).as_deref(), Some("~/.aws/credentials"));
        assert_eq!(printf("%.*s", &["3", "abcdef"]).as_deref(), Some("abc"));
        assert_eq!(printf("[%5s|%-3s]", &["ab", "c"]).as_deref(), Some("[   ab|c  ]"));
        assert_eq!(printf("%c%c%c", &["cat", "a", "t"]).as_deref(), Some("cat"));
        assert_eq!(printf("%d-%x-%o-%i", &["10", "255", "8", "'A"]).as_deref(), Some("10-ff-10-65"));
        assert_eq!(printf("%d", &["nope"]), None);
        assert_eq!(printf("%f", &["1"]), None);
        assert_eq!(printf("100%%", &[]).as_deref(), Some("100%"));
        assert_eq!(printf("%s", &[]).as_deref(), Some(""));
        assert_eq!(printf("%b", &["cred\\x65ntials"]).as_deref(), Some("credentials"));
        assert_eq!(printf("%b|", &["a\\cb"]).as_deref(), Some("a"));
        // `%b` reads `\NNN` as octal too; a number's precision is not guessed.
        assert_eq!(printf("%s%b", &["cr", "\\145d"]).as_deref(), Some("cred"));
        assert_eq!(printf("%s%.0d", &["x", "0"]).as_deref(), Some("x"));
        assert_eq!(
            printf("[%05d|%+d|% d|%-4d|%.3d|%#x|%#o|%5.2d]", &["-1", "2", "3", "4", "5", "255", "8", "7"])
                .as_deref(),
            Some("[-0001|+2| 3|4   |005|0xff|010|   07]")
        );
    }

    #[test]
    fn format_escapes() {
        assert_eq!(printf("cred\\x65ntials", &[]).as_deref(), Some("credentials"));
        assert_eq!(printf("cred\\145ntials", &[]).as_deref(), Some("credentials"));
        assert_eq!(printf("\\u0063at", &[]).as_deref(), Some("cat"));
        // `\c` only stops output in a `%b` argument; `\%` is a backslash, then a conversion.
        assert_eq!(printf("a\\cb", &[]).as_deref(), Some("a\\cb"));
        assert_eq!(printf("a\\%s", &["b"]).as_deref(), Some("a\\b"));
        assert_eq!(printf("a\\qb", &[]).as_deref(), Some("a\\qb"));
        // A width too large to print is unknown, not an allocation.
        assert_eq!(printf("%99999999999999s", &["x"]), None);
        assert_eq!(printf("%*s", &["99999999999999", "x"]), None);
        assert_eq!(printf("end\\", &[]).as_deref(), Some("end\\"));
    }

    #[test]
    fn echo_escapes() {
        assert_eq!(escapes("cred\\0145ntials", Escapes::Echo), ("credentials".to_owned(), false));
        assert_eq!(escapes("cred\\x65ntials\\n", Escapes::Echo), ("credentials\n".to_owned(), false));
        assert_eq!(escapes("a\\cb", Escapes::Echo), ("a".to_owned(), true));
        // In echo, `\1` is no escape.
        assert_eq!(escapes("\\1", Escapes::Echo), ("\\1".to_owned(), false));
    }
}
