//! Predictions: the chapters' quizzes (mdbook-quiz), generated so that no
//! answer can drift from the code.
//!
//! Each `[[exN.quiz]]` entry of the manifest asks one question whose answer
//! is a cell of one of the exercise's generated tables (`[exN.outputs]`). The
//! generate step renders the questions of one `file` into
//! `book/src/generated/exN/quiz-FILE.toml` from the tables it has just
//! written, so a changed count changes the quiz too and fails
//! `cargo xtask generate --check`. Every question carries its own stable
//! `id` (mdbook-quiz writes a random one into any question without, which
//! would make the committed file differ after every build).
//!
//! A numeric question's wrong answers are never typed: each is a *near miss*
//! generated from the answer by a rule named in the manifest (`times 2`,
//! `div 2`, `plus 1`, `minus 1`), with the misconception it stands for, so
//! that it follows the answer when the answer is regenerated. Each must
//! differ from the answer, and one must lie within a factor of 2 of it (for
//! an answer of 0, at most 8: one 8-byte element, a few calls). A question about *why* has a typed answer
//! instead of a table cell: a mechanism, never a measured number.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::util::{Result, fail};

/// `[[exN.quiz]]`: one prediction question.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// The quiz it belongs to: `generated/exN/quiz-FILE.toml`.
    pub(crate) file: String,
    /// A stable id, unique in the book (`exN-...`).
    pub(crate) id: String,
    /// The question (Markdown), asked before the experiment runs.
    pub(crate) prompt: String,
    /// The generated table (a file of `[exN.outputs]`) holding the answer
    /// (empty for a question with a typed `answer`).
    #[serde(default)]
    pub(crate) table: String,
    /// The leading cells of the one row that answers (trimmed, exact).
    #[serde(default)]
    pub(crate) row: Vec<String>,
    /// The header of the answering column (trimmed, exact).
    #[serde(default)]
    pub(crate) column: String,
    /// A typed answer, for a question about why (a mechanism, not a number).
    #[serde(default)]
    pub(crate) answer: Option<String>,
    /// Take the last value of a list such as `4 → 8 → 16`.
    #[serde(default)]
    pub(crate) last: bool,
    /// Wrong answers in words: a multiple-choice question (a short answer
    /// without any, nor near misses). Never a number: numbers come from
    /// `near_misses`.
    #[serde(default)]
    pub(crate) distractors: Vec<String>,
    /// Wrong numbers, each `RULE: misconception`, the rule one of `times K`,
    /// `div K`, `plus N`, `minus N` applied to the answer.
    #[serde(default)]
    pub(crate) near_misses: Vec<String>,
    /// Shown once answered; `{answer}` becomes the answer.
    pub(crate) context: String,
}

/// The file name of a quiz.
pub(crate) fn file_name(file: &str) -> String {
    format!("quiz-{file}.toml")
}

/// The cells of a Markdown table row.
fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    inner.split('|').map(|c| c.trim().to_string()).collect()
}

/// The answer to `q` in the text of its generated table.
pub(crate) fn answer(q: &Question, text: &str) -> Result<String> {
    let mut found = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        if !lines[i].trim_start().starts_with('|') {
            i += 1;
            continue;
        }
        // A table: header, separator, rows.
        let header = cells(lines[i]);
        i += 2;
        while i < lines.len() && lines[i].trim_start().starts_with('|') {
            let row = cells(lines[i]);
            if let Some(col) = header.iter().position(|h| *h == q.column)
                && row.len() >= q.row.len()
                && row.iter().zip(&q.row).all(|(a, b)| a == b)
                && let Some(cell) = row.get(col)
            {
                found.push(cell.clone());
            }
            i += 1;
        }
    }
    let cell = match found.as_slice() {
        [one] => one.clone(),
        [] => {
            return fail(format!(
                "quiz {}: no row starting {:?} with a column '{}' in {}",
                q.id, q.row, q.column, q.table
            ));
        }
        _ => {
            return fail(format!(
                "quiz {}: {} rows starting {:?} in {}: name more cells",
                q.id,
                found.len(),
                q.row,
                q.table
            ));
        }
    };
    let value = if q.last {
        cell.rsplit('→').next().unwrap_or(&cell).trim().to_string()
    } else {
        cell
    };
    if value.is_empty() || value == "-" {
        return fail(format!("quiz {}: the cell in {} is empty", q.id, q.table));
    }
    Ok(value)
}

/// A number as a table writes it: its value, decimals, and whether it has
/// thousands separators or a `%`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Number {
    value: f64,
    decimals: usize,
    grouped: bool,
    percent: bool,
}

impl Number {
    fn parse(text: &str) -> Option<Number> {
        let percent = text.ends_with('%');
        let plain = text.trim_end_matches('%').replace(',', "");
        if plain.is_empty() || !plain.chars().all(|c| c.is_ascii_digit() || c == '.') {
            return None;
        }
        Some(Number {
            value: plain.parse().ok()?,
            decimals: plain.split_once('.').map_or(0, |(_, d)| d.len()),
            grouped: text.contains(','),
            percent,
        })
    }

    /// The same format with another value.
    fn with(self, value: f64) -> String {
        let mut text = format!("{value:.*}", self.decimals);
        if self.grouped && self.decimals == 0 {
            text = grouped(&text);
        }
        if self.percent {
            text.push('%');
        }
        text
    }
}

/// The near miss `rule` makes of `answer`: (its text, its value).
fn near_miss(rule: &str, answer: Number) -> std::result::Result<(String, f64), String> {
    let (rule, _why) = rule
        .split_once(':')
        .ok_or_else(|| format!("near miss \"{rule}\": write it RULE: misconception"))?;
    let (op, k) = rule
        .trim()
        .split_once(' ')
        .ok_or_else(|| format!("near miss rule \"{rule}\": an operation and a number"))?;
    let k: f64 = k
        .trim()
        .parse()
        .map_err(|_| format!("near miss rule \"{rule}\": {k} is not a number"))?;
    let a = answer.value;
    let value = match op {
        "times" => a * k,
        "div" if k != 0.0 => a / k,
        "plus" => a + k,
        "minus" => a - k,
        _ => {
            return Err(format!(
                "near miss rule \"{rule}\": times, div, plus or minus K"
            ));
        }
    };
    if value < 0.0 || (answer.percent && value > 100.0) {
        return Err(format!(
            "near miss rule \"{rule}\" gives {value}, not a possible answer"
        ));
    }
    let text = answer.with(value);
    if Number::parse(&text).map(|n| n.value) == Some(a) {
        return Err(format!(
            "near miss rule \"{rule}\" gives the answer itself ({text})"
        ));
    }
    Ok((text, value))
}

/// No factor of 2 reaches 0: for an answer of 0, a near miss is close when
/// it is at most this (one 8-byte element, a few calls).
const ZERO_NEAR: f64 = 8.0;

/// The wrong answers of `q` whose answer is `answer`: its distractors in
/// words, then its near misses, checked.
fn wrong_answers(q: &Question, answer: &str) -> Result<Vec<String>> {
    let bad = |e: String| format!("quiz {}: {e}", q.id);
    if let Some(d) = q.distractors.iter().find(|d| Number::parse(d).is_some()) {
        return fail(bad(format!(
            "distractor \"{d}\" is a number typed by hand: make it a near miss with its rule"
        )));
    }
    let mut wrong = q.distractors.clone();
    if q.near_misses.is_empty() {
        return Ok(wrong);
    }
    let Some(number) = Number::parse(answer) else {
        return fail(bad(format!(
            "near misses need a numeric answer, not \"{answer}\""
        )));
    };
    let mut close = false;
    for rule in &q.near_misses {
        let (text, value) = near_miss(rule, number).map_err(bad)?;
        close |= if number.value == 0.0 {
            value <= ZERO_NEAR
        } else {
            (0.5..=2.0).contains(&(value / number.value))
        };
        if wrong.contains(&text) {
            return fail(bad(format!("two wrong answers are both {text}")));
        }
        wrong.push(text);
    }
    if !close {
        return fail(bad(format!(
            "no near miss within a factor of 2 of the answer ({answer}): add one"
        )));
    }
    Ok(wrong)
}

/// `1234567` also written `1,234,567`, and the other way round.
fn alternatives(answer: &str) -> Vec<String> {
    let plain = answer.replace(',', "");
    if !plain.chars().all(|c| c.is_ascii_digit()) || plain.len() < 4 {
        return if plain != answer {
            vec![plain]
        } else {
            Vec::new()
        };
    }
    let grouped = grouped(&plain);
    [plain, grouped]
        .into_iter()
        .filter(|a| a != answer)
        .collect()
}

/// A whole number's digits with thousands separators: `1234567` →
/// `1,234,567`.
fn grouped(digits: &str) -> String {
    let mut out = String::new();
    for (k, c) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn toml_list(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|s| toml_string(s)).collect();
    format!("[{}]", items.join(", "))
}

/// The quiz files of one exercise, rendered from the tables in `dir`:
/// file name → TOML text.
pub(crate) fn render(
    ex: &str,
    questions: &[Question],
    dir: &Path,
) -> Result<BTreeMap<String, String>> {
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    for q in questions {
        if !q.id.starts_with(&format!("{ex}-")) {
            return fail(format!(
                "quiz {}: ids of {ex}'s questions start with {ex}-",
                q.id
            ));
        }
        let answer = match &q.answer {
            Some(typed) if q.table.is_empty() => {
                if Number::parse(typed).is_some() {
                    return fail(format!(
                        "quiz {}: a typed answer is a mechanism, not a number: read \
                         numbers from a table",
                        q.id
                    ));
                }
                typed.clone()
            }
            Some(_) => {
                return fail(format!(
                    "quiz {}: a typed answer, or a table: not both",
                    q.id
                ));
            }
            None => {
                let path = dir.join(&q.table);
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| format!("quiz {}: {}: {e}", q.id, q.table))?;
                answer(q, &text)?
            }
        };
        let context = q.context.replace("{answer}", &answer);
        let wrong = wrong_answers(q, &answer)?;
        let mut toml = format!("\n[[questions]]\nid = {}\n", toml_string(&q.id));
        if wrong.is_empty() {
            toml += "type = \"ShortAnswer\"\n";
            toml += &format!("prompt.prompt = {}\n", toml_string(&q.prompt));
            toml += &format!("answer.answer = {}\n", toml_string(&answer));
            let alt = alternatives(&answer);
            if !alt.is_empty() {
                toml += &format!("answer.alternatives = {}\n", toml_list(&alt));
            }
        } else {
            if wrong
                .iter()
                .any(|d| d.replace(',', "") == answer.replace(',', ""))
            {
                return fail(format!(
                    "quiz {}: a distractor is now the answer ({answer}): change the distractors",
                    q.id
                ));
            }
            toml += "type = \"MultipleChoice\"\n";
            toml += &format!("prompt.prompt = {}\n", toml_string(&q.prompt));
            toml += &format!("prompt.distractors = {}\n", toml_list(&wrong));
            toml += &format!(
                "answer.answer = {}\n",
                toml_list(std::slice::from_ref(&answer))
            );
        }
        toml += &format!("context = {}\n", toml_string(&context));
        files
            .entry(file_name(&q.file))
            .or_insert_with(|| {
                format!(
                    "# Generated by `cargo xtask generate` from exercises/manifest.toml\n\
                     # ([[{ex}.quiz]]) and the tables beside this file: do not edit.\n"
                )
            })
            .push_str(&toml);
    }
    Ok(files)
}

/// Every question id of the book is unique (mdbook-quiz refuses duplicates).
/// It takes the questions, not the manifest, which holds them: the manifest
/// reads this module's types, so this module does not read the manifest.
pub fn check_ids<'q>(questions: impl IntoIterator<Item = &'q Question>) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    for q in questions {
        if !seen.insert(q.id.as_str()) {
            return fail(format!("quiz id {} is used twice", q.id));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(row: &[&str], column: &str, last: bool) -> Question {
        Question {
            file: "f".into(),
            id: "ex1-q".into(),
            prompt: "p".into(),
            table: "t.md".into(),
            row: row.iter().map(|s| s.to_string()).collect(),
            column: column.into(),
            last,
            answer: None,
            distractors: Vec::new(),
            near_misses: Vec::new(),
            context: "c".into(),
        }
    }

    #[test]
    fn near_misses_follow_the_answer_and_keep_its_format() {
        let n = |t: &str| Number::parse(t).unwrap();
        assert_eq!(near_miss("times 2: x", n("16")).unwrap().0, "32");
        assert_eq!(near_miss("div 2: x", n("14.3%")).unwrap().0, "7.2%");
        assert_eq!(near_miss("minus 6: x", n("7.0112")).unwrap().0, "1.0112");
        assert_eq!(near_miss("plus 1000: x", n("71,744")).unwrap().0, "72,744");
        assert!(near_miss("times 1: the answer", n("8")).is_err());
        assert!(near_miss("minus 9: below zero", n("8")).is_err());
        assert!(near_miss("times 2: over a whole", n("93.8%")).is_err());
        assert!(near_miss("double: no number", n("8")).is_err());
        let mut question = q(&["x"], "b", false);
        question.near_misses = vec!["times 10: far".into()];
        assert!(wrong_answers(&question, "7").is_err(), "none within 2x");
        question.near_misses.push("plus 1: close".into());
        assert_eq!(wrong_answers(&question, "7").unwrap(), vec!["70", "8"]);
        question.distractors = vec!["12".into()];
        assert!(wrong_answers(&question, "7").is_err(), "a typed number");
    }

    const TABLE: &str = "**T**\n\n| pattern | len | caps | allocs |\n|---|---|---|---|\n| push | 1 | 4 | 1 |\n| push | 10 | 4 → 8 → 16 | 1 |\n\n| a | b |\n|---|---|\n| x | 7 |\n";

    #[test]
    fn the_answer_is_the_one_matching_cell() {
        assert_eq!(
            answer(&q(&["push", "10"], "caps", true), TABLE).unwrap(),
            "16"
        );
        assert_eq!(answer(&q(&["x"], "b", false), TABLE).unwrap(), "7");
        assert!(
            answer(&q(&["push"], "allocs", false), TABLE).is_err(),
            "two rows"
        );
        assert!(
            answer(&q(&["pop"], "allocs", false), TABLE).is_err(),
            "no row"
        );
    }

    #[test]
    fn numbers_are_accepted_with_or_without_separators() {
        assert_eq!(alternatives("130432"), vec!["130,432"]);
        assert_eq!(alternatives("1,016"), vec!["1016"]);
        assert!(alternatives("16").is_empty());
        assert!(alternatives("85.7").is_empty());
    }

    #[test]
    fn strings_are_escaped() {
        assert_eq!(toml_string("a \"b\" \\ c\n"), "\"a \\\"b\\\" \\\\ c\\n\"");
    }
}
