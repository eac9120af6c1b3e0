//! The subset of COQL the sync uses:
//! `select <fields> from <Module> [where <cond> [and <cond>]…] [order by <field> [asc|desc]]
//! [limit <offset>, <count> | limit <count> [offset <offset>]]`, where a condition is
//! `<Field>[.<sub>] <op> <value>` with `=`, `!=`, `<`, `<=`, `>`, `>=`, `is null`, `is not null`.
//! Parentheses around conditions are accepted and ignored (only `and` is supported).

use std::cmp::Ordering;

use serde_json::Value;

pub const MAX_LIMIT: usize = 2000;
pub const DEFAULT_LIMIT: usize = 200;

#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub fields: Vec<String>,
    pub module: String,
    pub conditions: Vec<Condition>,
    pub order_by: Option<(String, bool)>,
    pub offset: usize,
    pub limit: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub field: String,
    pub op: Op,
    pub value: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    IsNull,
    IsNotNull,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Text(String),
    Symbol(String),
}

fn tokenize(input: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = input.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() || c == '(' || c == ')' {
            chars.next();
        } else if c == '\'' {
            chars.next();
            let mut text = String::new();
            loop {
                match chars.next() {
                    None => return Err("unterminated string literal".into()),
                    Some('\\') => match chars.next() {
                        Some(escaped) => text.push(escaped),
                        None => return Err("unterminated string literal".into()),
                    },
                    Some('\'') => break,
                    Some(other) => text.push(other),
                }
            }
            tokens.push(Token::Text(text));
        } else if c == ',' {
            chars.next();
            tokens.push(Token::Symbol(",".into()));
        } else if "=!<>".contains(c) {
            let mut op = String::new();
            while let Some(&o) = chars.peek() {
                if "=!<>".contains(o) {
                    op.push(o);
                    chars.next();
                } else {
                    break;
                }
            }
            tokens.push(Token::Symbol(op));
        } else if c.is_alphanumeric() || c == '_' || c == '.' || c == '-' || c == '+' || c == '$' {
            let mut word = String::new();
            while let Some(&w) = chars.peek() {
                if w.is_alphanumeric() || w == '_' || w == '.' || w == '-' || w == '+' || w == '$' {
                    word.push(w);
                    chars.next();
                } else {
                    break;
                }
            }
            tokens.push(Token::Word(word));
        } else {
            return Err(format!("unexpected character {c:?}"));
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }
    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }
    fn keyword(&mut self, word: &str) -> bool {
        if let Some(Token::Word(w)) = self.peek()
            && w.eq_ignore_ascii_case(word)
        {
            self.at += 1;
            return true;
        }
        false
    }
    fn expect_keyword(&mut self, word: &str) -> Result<(), String> {
        if self.keyword(word) { Ok(()) } else { Err(format!("expected '{word}'")) }
    }
    fn identifier(&mut self) -> Result<String, String> {
        match self.next() {
            Some(Token::Word(w)) => Ok(w),
            _ => Err("expected a field or module name".into()),
        }
    }
    fn number(&mut self) -> Result<usize, String> {
        match self.next() {
            Some(Token::Word(w)) => w.parse().map_err(|_| "expected a number".to_string()),
            _ => Err("expected a number".into()),
        }
    }
}

pub fn parse(input: &str) -> Result<Query, String> {
    let mut p = Parser { tokens: tokenize(input)?, at: 0 };
    p.expect_keyword("select")?;
    let mut fields = vec![p.identifier()?];
    while matches!(p.peek(), Some(Token::Symbol(s)) if s == ",") {
        p.next();
        fields.push(p.identifier()?);
    }
    p.expect_keyword("from")?;
    let module = p.identifier()?;
    let mut conditions = Vec::new();
    if p.keyword("where") {
        loop {
            conditions.push(condition(&mut p)?);
            if p.keyword("and") {
                continue;
            }
            if p.keyword("or") {
                return Err("'or' is not supported by the simulator".into());
            }
            break;
        }
    }
    let mut order_by = None;
    if p.keyword("order") {
        p.expect_keyword("by")?;
        let field = p.identifier()?;
        let ascending = if p.keyword("desc") {
            false
        } else {
            p.keyword("asc");
            true
        };
        order_by = Some((field, ascending));
    }
    let (mut offset, mut limit) = (0, DEFAULT_LIMIT);
    if p.keyword("limit") {
        let first = p.number()?;
        if matches!(p.peek(), Some(Token::Symbol(s)) if s == ",") {
            p.next();
            offset = first;
            limit = p.number()?;
        } else {
            limit = first;
            if p.keyword("offset") {
                offset = p.number()?;
            }
        }
    }
    if p.peek().is_some() {
        return Err("unexpected text after the query".into());
    }
    if limit == 0 || limit > MAX_LIMIT {
        return Err(format!("limit must be between 1 and {MAX_LIMIT}"));
    }
    Ok(Query { fields, module, conditions, order_by, offset, limit })
}

fn condition(p: &mut Parser) -> Result<Condition, String> {
    let field = p.identifier()?;
    if p.keyword("is") {
        let op = if p.keyword("not") { Op::IsNotNull } else { Op::IsNull };
        p.expect_keyword("null")?;
        return Ok(Condition { field, op, value: Value::Null });
    }
    let op = match p.next() {
        Some(Token::Symbol(s)) => match s.as_str() {
            "=" => Op::Eq,
            "!=" | "<>" => Op::Ne,
            "<" => Op::Lt,
            "<=" => Op::Le,
            ">" => Op::Gt,
            ">=" => Op::Ge,
            _ => return Err(format!("unknown operator {s}")),
        },
        _ => return Err("expected an operator".into()),
    };
    let value = match p.next() {
        Some(Token::Text(t)) => Value::String(t),
        Some(Token::Word(w)) if w.eq_ignore_ascii_case("true") => Value::Bool(true),
        Some(Token::Word(w)) if w.eq_ignore_ascii_case("false") => Value::Bool(false),
        Some(Token::Word(w)) if w.eq_ignore_ascii_case("null") => Value::Null,
        Some(Token::Word(w)) => serde_json::from_str::<serde_json::Number>(&w)
            .map(Value::Number)
            .map_err(|_| "expected a value".to_string())?,
        _ => return Err("expected a value".into()),
    };
    Ok(Condition { field, op, value })
}

/// The value of `field` (or `Lookup.sub`) in a record; a lookup compares by its id.
fn field_value<'a>(record: &'a Value, field: &str) -> Option<&'a Value> {
    let (head, sub) = match field.split_once('.') {
        Some((h, s)) => (h, Some(s)),
        None => (field, None),
    };
    let value = record.get(head)?;
    match (value, sub) {
        (Value::Object(map), Some(sub)) => map.get(sub),
        (Value::Object(map), None) => map.get("id"),
        (_, Some(_)) => None,
        (v, None) => Some(v),
    }
}

fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::Number(x), Value::String(y)) => x.as_f64()?.partial_cmp(&y.parse::<f64>().ok()?),
        (Value::String(x), Value::Number(y)) => x.parse::<f64>().ok()?.partial_cmp(&y.as_f64()?),
        // ISO dates and datetimes of one offset order correctly as text.
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

impl Condition {
    pub fn matches(&self, record: &Value) -> bool {
        let value = field_value(record, &self.field).filter(|v| !v.is_null());
        match self.op {
            Op::IsNull => value.is_none(),
            Op::IsNotNull => value.is_some(),
            op => {
                let Some(value) = value else { return false };
                let Some(ordering) = compare(value, &self.value) else {
                    return false;
                };
                match op {
                    Op::Eq => ordering == Ordering::Equal,
                    Op::Ne => ordering != Ordering::Equal,
                    Op::Lt => ordering == Ordering::Less,
                    Op::Le => ordering != Ordering::Greater,
                    Op::Gt => ordering == Ordering::Greater,
                    Op::Ge => ordering != Ordering::Less,
                    Op::IsNull | Op::IsNotNull => unreachable!("handled above"),
                }
            }
        }
    }
}

impl Query {
    /// Runs the query over a module's records: (the page of projected rows, whether more exist).
    pub fn run(&self, records: &[Value]) -> (Vec<Value>, bool) {
        let mut matching: Vec<&Value> =
            records.iter().filter(|r| self.conditions.iter().all(|c| c.matches(r))).collect();
        if let Some((field, ascending)) = &self.order_by {
            matching.sort_by(|a, b| {
                let ordering = match (field_value(a, field), field_value(b, field)) {
                    (Some(x), Some(y)) => compare(x, y).unwrap_or(Ordering::Equal),
                    (Some(_), None) => Ordering::Greater,
                    (None, Some(_)) => Ordering::Less,
                    (None, None) => Ordering::Equal,
                };
                if *ascending { ordering } else { ordering.reverse() }
            });
        }
        let total = matching.len();
        let page: Vec<Value> =
            matching.into_iter().skip(self.offset).take(self.limit).map(|r| self.project(r)).collect();
        let more = self.offset + page.len() < total;
        (page, more)
    }

    fn project(&self, record: &Value) -> Value {
        if self.fields.iter().any(|f| f == "*") {
            return record.clone();
        }
        let mut out = serde_json::Map::new();
        if let Some(id) = record.get("id") {
            out.insert("id".into(), id.clone());
        }
        for field in &self.fields {
            let key = field.split('.').next().unwrap_or(field);
            out.insert(key.to_owned(), record.get(key).cloned().unwrap_or(Value::Null));
        }
        Value::Object(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_the_queries_the_client_sends() {
        let q = parse(
            "select id, Name, Classes from BTEC_Enrollments where Classes = '5398830000100000401' limit 200, 200",
        )
        .unwrap();
        assert_eq!(q.module, "BTEC_Enrollments");
        assert_eq!((q.offset, q.limit), (200, 200));
        assert_eq!(q.fields, ["id", "Name", "Classes"]);
        let q = parse("select id from BTEC_Students where (Modified_Time >= '2026-01-01T00:00:00+00:00') and Status != 'Blocked' order by Modified_Time desc limit 2000 offset 10").unwrap();
        assert_eq!(q.conditions.len(), 2);
        assert_eq!(q.order_by, Some(("Modified_Time".into(), false)));
        assert_eq!((q.offset, q.limit), (10, 2000));
        assert!(parse("select id from X where A = 'unterminated").is_err());
        assert!(parse("select id from X limit 0, 2001").is_err());
        assert!(parse("delete from X").is_err());
        assert!(parse("select id from X where A = '1' or B = '2'").is_err());
    }

    #[test]
    fn matches_lookups_and_comparisons() {
        let records = vec![
            json!({"id": "1", "Classes": {"id": "9", "name": "C"}, "Modified_Time": "2026-01-02T00:00:00+03:00"}),
            json!({"id": "2", "Classes": {"id": "8", "name": "C"}, "Modified_Time": "2026-01-03T00:00:00+03:00"}),
            json!({"id": "3", "Classes": null, "Modified_Time": "2026-01-04T00:00:00+03:00"}),
        ];
        let q = parse("select id from M where Classes = '9'").unwrap();
        assert_eq!(q.run(&records).0, vec![json!({"id": "1"})]);
        let q = parse("select id from M where Classes.id = 8").unwrap();
        assert_eq!(q.run(&records).0.len(), 1);
        let q = parse("select id from M where Modified_Time >= '2026-01-03T00:00:00+03:00' limit 0, 1").unwrap();
        let (page, more) = q.run(&records);
        assert_eq!((page.len(), more), (1, true));
        let q = parse("select id from M where Classes is null").unwrap();
        assert_eq!(q.run(&records).0, vec![json!({"id": "3"})]);
    }
}
