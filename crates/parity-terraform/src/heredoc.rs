//! Heredocs (and template files) the way HCL reads them, from their source text.
//!
//! HCL reads a heredoc or a template file line by line: each line of text is a token of its own. A `~` strip
//! marker trims the whitespace of the one adjacent token only (so `%{ for x in xs ~}` removes the
//! rest of its own line, not the indentation of the next), and in a `<<-` heredoc the smallest
//! indentation of the lines is then removed from every line, inside `%{ if }` and `%{ for }` too.
//! The parser parity uses (hcl-edit) dedents only the text outside directives, before the strip
//! markers, and not at all when a directive starts a line; so parity re-reads the heredoc's text
//! here and hands the evaluator a template with the whitespace already settled and no strip
//! markers left.

use hcl::edit::template::{Directive, Element, Strip, Template};

/// The template of a heredoc written `source` (from `<<` to its closing marker), with HCL's
/// strip markers and, for `<<-`, its indentation removal applied. `None` when the text is not a
/// heredoc parity can read this way (the caller then uses the parser's template).
pub(crate) fn template(source: &str) -> Option<Template> {
    let rest = source.strip_prefix("<<")?;
    let (flush, rest) = match rest.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, rest),
    };
    let (opening, body) = rest.split_once('\n')?;
    let marker = opening.trim();
    // The body ends at the line holding only the marker (after optional indentation).
    let body = body.trim_end();
    let body = body.strip_suffix(marker)?;
    let body = body.trim_end_matches([' ', '\t']);
    if !(body.is_empty() || body.ends_with('\n')) {
        return None;
    }
    let template = hcl::edit::parser::parse_template(body).ok()?;
    Some(settle(template, flush))
}

/// A template whose text is read line by line as HCL reads heredocs and template files (for
/// `templatefile`): strip markers applied to the adjacent line, then with `flush` (`<<-`) the
/// common indentation removed; no strip marker is left.
pub(crate) fn settle(mut template: Template, flush: bool) -> Template {
    let mut tokens = Vec::new();
    collect(&template, &mut tokens);
    apply_strip_markers(&mut tokens);
    if flush {
        remove_indentation(&mut tokens);
    }
    let mut literals = tokens.into_iter().filter_map(|token| match token {
        Token::Literal(text) => Some(text),
        Token::Tag { .. } => None,
    });
    write_back(&mut template, &mut literals);
    template
}

/// The template in source order: its text and the tags (`${...}`, `%{...}`) between.
enum Token {
    Literal(String),
    Tag {
        strip_before: bool,
        strip_after: bool,
    },
}

fn tag(strip: Strip) -> Token {
    Token::Tag {
        strip_before: strip.strip_start(),
        strip_after: strip.strip_end(),
    }
}

fn collect(template: &Template, tokens: &mut Vec<Token>) {
    for element in template.iter() {
        match element {
            Element::Literal(text) => tokens.push(Token::Literal(text.value().clone())),
            Element::Interpolation(interpolation) => tokens.push(tag(interpolation.strip)),
            Element::Directive(directive) => match directive.as_ref() {
                Directive::If(directive) => {
                    tokens.push(tag(directive.if_expr.strip));
                    collect(&directive.if_expr.template, tokens);
                    if let Some(else_expr) = &directive.else_expr {
                        tokens.push(tag(else_expr.strip));
                        collect(&else_expr.template, tokens);
                    }
                    tokens.push(tag(directive.endif_expr.strip));
                }
                Directive::For(directive) => {
                    tokens.push(tag(directive.for_expr.strip));
                    collect(&directive.for_expr.template, tokens);
                    tokens.push(tag(directive.endfor_expr.strip));
                }
            },
        }
    }
}

/// Puts the settled text back in source order and removes every strip marker.
fn write_back(template: &mut Template, literals: &mut impl Iterator<Item = String>) {
    for element in template.iter_mut() {
        match element {
            Element::Literal(text) => {
                if let Some(settled) = literals.next() {
                    *text.value_mut() = settled;
                }
            }
            Element::Interpolation(interpolation) => interpolation.strip = Strip::None,
            Element::Directive(directive) => match directive.as_mut() {
                Directive::If(directive) => {
                    directive.if_expr.strip = Strip::None;
                    write_back(&mut directive.if_expr.template, literals);
                    if let Some(else_expr) = &mut directive.else_expr {
                        else_expr.strip = Strip::None;
                        write_back(&mut else_expr.template, literals);
                    }
                    directive.endif_expr.strip = Strip::None;
                }
                Directive::For(directive) => {
                    directive.for_expr.strip = Strip::None;
                    write_back(&mut directive.for_expr.template, literals);
                    directive.endfor_expr.strip = Strip::None;
                }
            },
        }
    }
}

/// A `~` trims the whitespace of the adjacent line of text only: the end of the line before
/// the tag, or the rest of the line after it (with its line break).
fn apply_strip_markers(tokens: &mut [Token]) {
    for index in 0..tokens.len() {
        let Some(Token::Tag {
            strip_before,
            strip_after,
        }) = tokens.get(index)
        else {
            continue;
        };
        let (strip_before, strip_after) = (*strip_before, *strip_after);
        if strip_before {
            if let Some(Token::Literal(text)) = index.checked_sub(1).and_then(|i| tokens.get_mut(i))
            {
                let line_start = last_line_start(text);
                let kept = line_start + text.get(line_start..).unwrap_or("").trim_end().len();
                text.truncate(kept);
            }
        }
        if strip_after {
            if let Some(Token::Literal(text)) = tokens.get_mut(index + 1) {
                let line_end = text.find('\n').map_or(text.len(), |at| at + 1);
                let line = text.get(..line_end).unwrap_or("");
                let removed = line.len() - line.trim_start().len();
                text.replace_range(..removed, "");
            }
        }
    }
}

/// Where the last line of `text` starts (a final line break belongs to the line it ends).
fn last_line_start(text: &str) -> usize {
    let without_break = text.strip_suffix('\n').unwrap_or(text);
    without_break.rfind('\n').map_or(0, |at| at + 1)
}

/// HCL's `<<-`: the smallest indentation of the lines that start with text (a line of only
/// whitespace does not count, a line starting with a tag counts as unindented) is removed from
/// each of those lines.
fn remove_indentation(tokens: &mut [Token]) {
    // (token, byte offset of a line start in it).
    let mut line_starts: Vec<(usize, usize)> = Vec::new();
    let mut smallest = usize::MAX;
    let mut at_line_start = true;
    for (index, token) in tokens.iter().enumerate() {
        match token {
            Token::Tag { .. } => {
                if at_line_start {
                    smallest = 0;
                }
                at_line_start = false;
            }
            Token::Literal(text) => {
                let mut offset = 0;
                // An emptied line (its text stripped by a marker) is still a token.
                let lines: Vec<&str> = if text.is_empty() {
                    vec![""]
                } else {
                    text.split_inclusive('\n').collect()
                };
                for line in lines {
                    if at_line_start {
                        let rest = line.trim_start();
                        if !(rest.is_empty() && line.ends_with('\n')) {
                            let indentation = line.len() - rest.len();
                            smallest = smallest.min(line[..indentation].chars().count());
                            line_starts.push((index, offset));
                        }
                    }
                    at_line_start = line.ends_with('\n');
                    offset += line.len();
                }
            }
        }
    }
    if smallest == 0 || smallest == usize::MAX {
        return;
    }
    // Later offsets first, so earlier ones stay valid.
    for (index, offset) in line_starts.into_iter().rev() {
        if let Some(Token::Literal(text)) = tokens.get_mut(index) {
            let line = text.get(offset..).unwrap_or("");
            let cut: usize = line.chars().take(smallest).map(char::len_utf8).sum();
            text.replace_range(offset..offset + cut, "");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn literals(template: &Template) -> Vec<String> {
        let mut tokens = Vec::new();
        collect(template, &mut tokens);
        tokens
            .into_iter()
            .filter_map(|token| match token {
                Token::Literal(text) => Some(text),
                Token::Tag { .. } => None,
            })
            .collect()
    }

    #[test]
    fn a_strip_marker_trims_its_own_line_only_then_indentation_goes() {
        let template =
            template("<<-EOT\n  %{ for x in xs ~}\n  - ${x}\n  %{ endfor ~}\n  EOT").unwrap();
        // The `- ` line keeps its indentation: its line break went with the marker's line.
        assert_eq!(literals(&template), ["", "  - ", "\n", ""]);
    }

    #[test]
    fn indentation_is_removed_inside_directives_too() {
        let template =
            template("<<-EOT\n    a\n    %{ if c }\n      b\n    %{ endif }\n    EOT").unwrap();
        assert_eq!(literals(&template), ["a\n", "\n  b\n", "\n"]);
    }

    #[test]
    fn a_plain_heredoc_keeps_its_indentation() {
        let template = template("<<EOT\n  a\n  EOT").unwrap();
        assert_eq!(literals(&template), ["  a\n"]);
        assert!(super::template("\"not a heredoc\"").is_none());
    }
}
