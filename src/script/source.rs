//! Playbook text before Rhai parses it: tokens, positions, and the bound on how long parsing
//! may take.
//!
//! Rhai's parser looks every name up by a linear search of the names declared so far
//! (`ParseState::find_var`, also when a `let` declares a new one) and checks each key of a map
//! literal against the keys before it. Parsing is therefore quadratic in the number of names in
//! scope: 40,000 `let`s take 31 s, once for `fedrun check` and again for the run. The parser is
//! Rhai's; what fedrun can do is measure that work in one linear pass over the tokens before
//! parsing, and refuse a file that would need more than [`MAX_NAME_LOOKUPS`] comparisons.

use rhai::{Engine, Position, Token};

/// Most name comparisons Rhai's parser may need for one file (about 0.1 s): ten thousand
/// variables declared one after the other, or a few hundred used a hundred thousand times.
/// Real playbooks need a few hundred thousand.
pub(crate) const MAX_NAME_LOOKUPS: u64 = 50_000_000;

/// The tokens of `source` with their positions, `EOF` excluded. Interpolated strings are
/// followed as the parser follows them (the text after `${...}` is text, not code).
pub(crate) fn tokens(engine: &Engine, source: &str) -> Vec<(Token, Position)> {
    let inputs = [source];
    let (stream, control) = engine.lex(&inputs);
    let mut out = Vec::new();
    // Brace depths at which an interpolation `${ ... }` closes, innermost last.
    let mut interpolations: Vec<usize> = Vec::new();
    let mut depth = 0usize;
    for (token, pos) in stream {
        match &token {
            Token::EOF => break,
            Token::InterpolatedString(_) => interpolations.push(depth),
            Token::LeftBrace | Token::MapStart => depth += 1,
            Token::RightBrace => {
                depth = depth.saturating_sub(1);
                if interpolations.last() == Some(&depth) {
                    interpolations.pop();
                    control.borrow_mut().is_within_text = true;
                }
            }
            _ => {}
        }
        out.push((token, pos));
    }
    out
}

/// Why a file is refused before parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TooManyNames {
    /// Where the estimate went over the limit.
    pub position: Position,
    /// Names declared when it did.
    pub declared: u64,
}

impl TooManyNames {
    pub(crate) fn message(&self) -> String {
        format!(
            "sandbox limit: too many names to compile quickly ({} variables in scope here; \
             Rhai's parser compares every name with each of them, over {MAX_NAME_LOOKUPS} \
             comparisons in this file)",
            self.declared
        )
    }

    pub(crate) fn hint(&self) -> &'static str {
        "keep variables in the blocks and functions that use them, gather many values in a map \
         or an array, or split the playbook into modules (`import`)"
    }
}

/// An upper bound of the name comparisons Rhai's parser makes for `source`, in one pass, and
/// an error where it passes [`MAX_NAME_LOOKUPS`]. Counted: every name (identifier) costs the
/// number of variables declared in the blocks open around it (a `let`, `const`, `for` or
/// `catch` variable or a parameter stays counted until the block it is in ends), every key of a
/// map literal the number of keys before it.
pub(crate) fn check_name_lookups(engine: &Engine, source: &str) -> Result<u64, TooManyNames> {
    check_tokens(&tokens(engine, source), MAX_NAME_LOOKUPS)
}

/// The name comparisons Rhai's parser may need for `source` (see [`check_name_lookups`]),
/// counted without a limit: linear in the length of the text.
pub fn parse_work(engine: &Engine, source: &str) -> u64 {
    check_tokens(&tokens(engine, source), u64::MAX).unwrap_or(u64::MAX)
}

pub(crate) fn check_tokens(tokens: &[(Token, Position)], limit: u64) -> Result<u64, TooManyNames> {
    /// One open `{`, `#{`, `(` or `[`: the variables declared in it, and for a map literal
    /// the keys seen so far.
    struct Frame {
        declared: u64,
        map_keys: Option<u64>,
    }
    let mut frames = vec![Frame {
        declared: 0,
        map_keys: None,
    }];
    let mut in_scope = 0u64;
    let mut work = 0u64;
    // The next names are declarations: after `let`/`const`/`for`/`catch`, or in the parameter
    // list of `fn name(...)` or of a closure `|...|`.
    let mut declaring = false;
    let mut params = Params::None;
    let mut previous: Option<&Token> = None;
    for (i, (token, pos)) in tokens.iter().enumerate() {
        let next = tokens.get(i + 1).map(|(t, _)| t);
        // Parameter lists first: their brackets are also frames below.
        let was = params;
        params = match (token, params) {
            (Token::Fn, _) => Params::FnName,
            (Token::LeftParen, Params::FnName) => Params::Fn,
            (Token::Unit, Params::FnName) | (Token::RightParen, Params::Fn) => Params::None,
            (Token::Pipe, Params::Closure) => Params::None,
            (Token::Pipe, Params::None) if starts_operand(previous) => Params::Closure,
            (_, p) => p,
        };
        match token {
            Token::Let | Token::Const | Token::For | Token::Catch => declaring = true,
            Token::Identifier(_) | Token::Reserved(_) => {
                work += in_scope;
                let map_keys = frames.last_mut().and_then(|f| f.map_keys.as_mut());
                match map_keys {
                    Some(keys) if matches!(next, Some(Token::Colon)) => {
                        work += *keys;
                        *keys += 1;
                    }
                    _ if was == Params::FnName => {}
                    _ if declaring || matches!(was, Params::Fn | Params::Closure) => {
                        in_scope += 1;
                        if let Some(frame) = frames.last_mut() {
                            frame.declared += 1;
                        }
                        declaring = declaring && matches!(next, Some(Token::Comma));
                    }
                    _ => {}
                }
            }
            Token::StringConstant(_) if matches!(next, Some(Token::Colon)) => {
                if let Some(keys) = frames.last_mut().and_then(|f| f.map_keys.as_mut()) {
                    work += *keys;
                    *keys += 1;
                }
            }
            Token::LeftBrace | Token::LeftParen | Token::LeftBracket | Token::QuestionBracket => {
                frames.push(Frame {
                    declared: 0,
                    map_keys: None,
                })
            }
            Token::MapStart => frames.push(Frame {
                declared: 0,
                map_keys: Some(0),
            }),
            Token::RightBrace | Token::RightParen | Token::RightBracket => {
                if frames.len() > 1
                    && let Some(frame) = frames.pop()
                {
                    if matches!(token, Token::RightParen) {
                        // Parameters and loop variables belong to the block that follows:
                        // they stay counted until the block around it ends.
                        if let Some(outer) = frames.last_mut() {
                            outer.declared += frame.declared;
                        }
                    } else {
                        in_scope = in_scope.saturating_sub(frame.declared);
                    }
                }
            }
            Token::Equals | Token::In | Token::SemiColon => declaring = false,
            _ => {}
        }
        if work > limit {
            return Err(TooManyNames {
                position: *pos,
                declared: in_scope,
            });
        }
        previous = Some(token);
    }
    Ok(work)
}

/// Where a parameter list is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Params {
    None,
    /// After `fn`: the function's name, then its parameters.
    FnName,
    /// Inside `fn name(...)`.
    Fn,
    /// Inside `|...|`.
    Closure,
}

/// Whether a `|` after `previous` starts a closure (`|x| ...`) rather than being bitwise or.
fn starts_operand(previous: Option<&Token>) -> bool {
    !matches!(
        previous,
        Some(
            Token::Identifier(_)
                | Token::Reserved(_)
                | Token::IntegerConstant(_)
                | Token::StringConstant(_)
                | Token::CharConstant(_)
                | Token::RightParen
                | Token::RightBracket
                | Token::RightBrace
                | Token::Unit
                | Token::True
                | Token::False
        )
    )
}

/// Byte offsets of positions in a text: Rhai counts lines from 1 and columns in characters
/// from 1.
pub(crate) struct Offsets<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> Offsets<'a> {
    pub(crate) fn new(text: &'a str) -> Offsets<'a> {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Offsets { text, line_starts }
    }

    /// The byte offset of `pos`, if it is inside the text.
    pub(crate) fn offset(&self, pos: Position) -> Option<usize> {
        let line = pos.line()?;
        let column = pos.position()?;
        let start = *self.line_starts.get(line.checked_sub(1)?)?;
        let rest = &self.text[start..];
        let end = rest.find('\n').unwrap_or(rest.len());
        let line_text = &rest[..end];
        if column == 0 {
            return None;
        }
        match line_text.char_indices().nth(column - 1) {
            Some((i, _)) => Some(start + i),
            None if column - 1 == line_text.chars().count() => Some(start + line_text.len()),
            None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn work(source: &str) -> u64 {
        let engine = Engine::new();
        check_tokens(&tokens(&engine, source), u64::MAX).expect("no limit")
    }

    #[test]
    fn declarations_in_one_scope_cost_quadratically_and_blocks_free_them() {
        let flat: String = (0..100).map(|i| format!("let v{i} = {i};\n")).collect();
        let blocks: String = (0..100)
            .map(|i| format!("{{ let v{i} = {i}; }}\n"))
            .collect();
        // Each `let` name is compared with the variables before it.
        assert!(work(&flat) >= 100 * 99 / 2, "{}", work(&flat));
        // In its own block, each variable is gone before the next.
        assert!(work(&blocks) <= 100, "{}", work(&blocks));
    }

    #[test]
    fn map_keys_are_compared_with_the_keys_before() {
        let keys: Vec<String> = (0..50).map(|i| format!("k{i}: {i}")).collect();
        let source = format!("let m = #{{ {} }};", keys.join(", "));
        assert!(work(&source) >= 50 * 49 / 2);
    }

    #[test]
    fn interpolations_are_followed_like_the_parser() {
        let engine = Engine::new();
        let toks = tokens(&engine, "let s = `a ${x} b ${y} c`; let t = 1;");
        let idents: Vec<String> = toks
            .iter()
            .filter_map(|(t, _)| match t {
                Token::Identifier(s) => Some(s.to_string()),
                _ => None,
            })
            .collect();
        assert_eq!(idents, ["s", "x", "y", "t"]);
    }

    #[test]
    fn offsets_count_characters() {
        let text = "é = 1;\nab";
        let o = Offsets::new(text);
        assert_eq!(o.offset(Position::new(1, 1)), Some(0));
        assert_eq!(o.offset(Position::new(1, 2)), Some(2));
        assert_eq!(o.offset(Position::new(2, 2)), Some(text.len() - 1));
        assert_eq!(o.offset(Position::new(3, 1)), None);
    }
}
