//! Terraform: a table of expressions evaluated by parity and by `terraform console`.
//!
//! The table ([`TABLE`], `terraform/expressions.txt`) holds every function parity implements,
//! templates, heredocs, for expressions, splats, conditionals, conversions and edge cases (null,
//! empty collections, unicode, non-integer numbers, errors), each with the value Terraform 1.11
//! gave. Two checks read it:
//!
//! - [`check_recorded`] compares parity with the recorded values: no Terraform needed, so the
//!   table is checked on every machine.
//! - [`run`] asks the installed `terraform` itself. Starting Terraform once per row would take
//!   a minute, so the rows go into scratch modules as locals
//!   (`rN = try(jsonencode(EXPRESSION), null)`: `try` turns a row's evaluation error into `null`
//!   without failing the others) and one `terraform console` per module prints them all at
//!   once. A row Terraform rejects before evaluating (a syntax error, an undeclared reference)
//!   fails its whole module, so the rows recorded as errors go in small modules of their own,
//!   and a module that fails is halved until the failing row is alone: 64 consoles for the 898
//!   rows, 3 to 5 seconds on two cores.
//!
//! Both sides are compared as JSON data: each row is wrapped in `jsonencode`, so what is compared
//! is the value with its types as JSON sees them. Terraform documents its numbers as arbitrary
//! precision while parity's are 64-bit floats, so numbers compare equal when they are the same
//! float or two rounding steps apart (`0.1 * 3` is `0.3` in Terraform, `0.30000000000000004` in
//! f64); in strings (`tostring`, templates) they are compared as text. A row that errors on both
//! sides is identical: parity must reject what Terraform rejects.

use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::{Case, Outcome, ReferenceMissing, Suite, Tool};

/// The table of expressions, with the values Terraform 1.11 gave (format described at its top).
pub const TABLE: &str = include_str!("terraform/expressions.txt");

/// Files beside every evaluation (parity's and Terraform's), for the `file` and `templatefile`
/// rows.
pub const FIXTURES: &[(&str, &str)] = &[
    ("fixture.txt", "hello from a file\n"),
    (
        "fixture.tpl",
        "Hello, ${name}!\n%{ for port in ports ~}\n- ${port}\n%{ endfor ~}\n",
    ),
    (
        "fixture.json",
        "{\"image\": \"nginx:1.27\", \"replicas\": 2}\n",
    ),
    (
        "indented.tpl",
        "%{ for x in xs ~}\n  - ${x}\n%{ endfor ~}\nend ${~ \"!\" ~}  \n  done\n",
    ),
    // Template files take no backslash escapes (unlike quoted strings): they stay as written.
    (
        "escapes.tpl",
        "dir C:\\new\\table ${x} %{ if true }\\t[$${kept}]%{ endif } \\u00e9\n",
    ),
];

/// How to run the Terraform comparison.
#[derive(Debug, Clone)]
pub struct TerraformRun {
    /// The `terraform` program: a name looked up on `PATH` or a path.
    pub program: PathBuf,
    /// Only rows whose category or expression contains this text (all rows when `None`).
    pub filter: Option<String>,
    /// How many Terraform processes run at once for rows that need one of their own.
    pub parallel: usize,
}

impl Default for TerraformRun {
    fn default() -> Self {
        Self {
            program: PathBuf::from("terraform"),
            filter: None,
            parallel: 4,
        }
    }
}

/// One row of the table.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The `## category` the row is under.
    pub category: String,
    /// The expression, possibly several lines (heredocs).
    pub expression: String,
    /// What Terraform 1.11 gave.
    pub terraform: Expected,
    /// Set when parity deliberately evaluates this row differently.
    pub divergence: Option<Divergence>,
    /// 1-based line of the row's `=>` line in the table.
    pub line: usize,
}

impl Row {
    /// What parity must give: the divergent value when there is one, else Terraform's.
    pub fn parity_expected(&self) -> &Expected {
        self.divergence
            .as_ref()
            .map_or(&self.terraform, |divergence| &divergence.parity)
    }

    /// The row's name in a [`Case`]: the expression on one line.
    pub fn name(&self) -> String {
        self.expression.replace('\n', "\\n")
    }
}

/// A recorded result.
#[derive(Debug, Clone, PartialEq)]
pub enum Expected {
    /// The value, as compact JSON text (kept as text: Terraform's numbers can exceed f64).
    Value(String),
    /// The expression is rejected.
    Error,
    /// Not recorded yet (`=> ?`): run [`record`] to fill it in.
    Unrecorded,
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expected::Value(json) => f.write_str(json),
            Expected::Error => f.write_str("error"),
            Expected::Unrecorded => f.write_str("?"),
        }
    }
}

/// A deliberate divergence from Terraform (`~> VALUE REASON`).
#[derive(Debug, Clone, PartialEq)]
pub struct Divergence {
    /// What parity gives instead.
    pub parity: Expected,
    /// Why, as listed in docs/conformance.md.
    pub reason: String,
}

/// A malformed table line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expressions.txt:{line}: {message}")]
pub struct TableError {
    pub line: usize,
    pub message: String,
}

/// Reads a table in the format of [`TABLE`].
pub fn parse_table(text: &str) -> Result<Vec<Row>, TableError> {
    let mut rows = Vec::new();
    let mut category = String::new();
    let mut pending: Vec<&str> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let error = |message: &str| TableError {
            line: number,
            message: message.to_owned(),
        };
        if let Some(result) = line.strip_prefix("=> ") {
            if pending.is_empty() {
                return Err(error("a result line with no expression before it"));
            }
            let (terraform, rest) = parse_expected(result).map_err(|message| error(&message))?;
            if !rest.trim().is_empty() {
                return Err(error("text after the recorded value"));
            }
            rows.push(Row {
                category: category.clone(),
                expression: pending.join("\n"),
                terraform,
                divergence: None,
                line: number,
            });
            pending.clear();
        } else if let Some(result) = line.strip_prefix("~> ") {
            let Some(row) = rows.last_mut().filter(|_| pending.is_empty()) else {
                return Err(error("a divergence must follow a row's `=>` line"));
            };
            let (parity, reason) = parse_expected(result).map_err(|message| error(&message))?;
            let reason = reason.trim();
            if reason.is_empty() {
                return Err(error("a divergence needs a reason after parity's value"));
            }
            row.divergence = Some(Divergence {
                parity,
                reason: reason.to_owned(),
            });
        } else if pending.is_empty() && (line.trim().is_empty() || line.starts_with('#')) {
            // Between rows: `## category` names what follows, other comments are for readers.
            if let Some(name) = line.strip_prefix("## ") {
                category = name.trim().to_owned();
            }
        } else {
            pending.push(line);
        }
    }
    if !pending.is_empty() {
        return Err(TableError {
            line: text.lines().count(),
            message: "the last expression has no `=>` line".to_owned(),
        });
    }
    Ok(rows)
}

/// Reads `error`, `?` or one JSON value from the start of `text`; returns it and the rest.
fn parse_expected(text: &str) -> Result<(Expected, &str), String> {
    let text = text.trim_start();
    for (word, expected) in [("error", Expected::Error), ("?", Expected::Unrecorded)] {
        if let Some(rest) = text.strip_prefix(word) {
            if rest.is_empty() || rest.starts_with(' ') {
                return Ok((expected, rest));
            }
        }
    }
    let mut values = serde_json::Deserializer::from_str(text).into_iter::<serde_json::Value>();
    match values.next() {
        Some(Ok(_)) => {
            let end = values.byte_offset();
            let (json, rest) = text.split_at(end);
            Ok((Expected::Value(json.to_owned()), rest))
        }
        _ => Err(format!(
            "expected `error`, `?` or a JSON value, found {text:?}"
        )),
    }
}

/// The rows of [`TABLE`].
pub fn rows() -> Result<Vec<Row>, TableError> {
    parse_table(TABLE)
}

/// What an expression evaluated to on one side.
#[derive(Debug, Clone, PartialEq)]
pub enum Evaluated {
    /// `jsonencode` of the value.
    Json(String),
    /// Rejected, with the message.
    Error(String),
}

/// Evaluates one row's expression with parity, in a module folder `dir`, as JSON.
pub fn evaluate_with_parity(expression: &str, dir: &Path) -> Evaluated {
    // On lines of their own, so a heredoc's closing marker stays alone on its line.
    let wrapped = format!("jsonencode(\n{expression}\n)");
    match parity_terraform::evaluate_expression(&wrapped, dir) {
        Ok(parity_terraform::Value::String(json)) => Evaluated::Json(json),
        Ok(other) => Evaluated::Error(format!("jsonencode gave a {}", other.type_name())),
        Err(message) => Evaluated::Error(message),
    }
}

/// Compares `side`'s result with the expected one; `None` when they are the same as data.
fn compare(expected: &Expected, actual: &Evaluated, side: &str) -> Option<String> {
    match (expected, actual) {
        (Expected::Error, Evaluated::Error(_)) => None,
        (Expected::Value(want), Evaluated::Json(got)) if same_json(want, got) => None,
        (Expected::Unrecorded, _) => Some("no value recorded".to_owned()),
        (want, Evaluated::Json(got)) => Some(format!("expected {want}, {side} gave {got}")),
        (want, Evaluated::Error(message)) => {
            Some(format!("expected {want}, {side} failed: {message}"))
        }
    }
}

/// Whether two JSON texts are the same data (numbers compared as described in the module doc).
pub fn same_json(left: &str, right: &str) -> bool {
    if left == right {
        return true;
    }
    match (
        serde_json::from_str::<serde_json::Value>(left),
        serde_json::from_str::<serde_json::Value>(right),
    ) {
        (Ok(left), Ok(right)) => same_value(&left, &right),
        _ => false,
    }
}

fn same_value(left: &serde_json::Value, right: &serde_json::Value) -> bool {
    use serde_json::Value as J;
    match (left, right) {
        (J::Number(left), J::Number(right)) => match (left.as_f64(), right.as_f64()) {
            (Some(left), Some(right)) => same_number(left, right),
            _ => left == right,
        },
        (J::Array(left), J::Array(right)) => {
            left.len() == right.len() && left.iter().zip(right).all(|(l, r)| same_value(l, r))
        }
        (J::Object(left), J::Object(right)) => {
            left.len() == right.len()
                && left
                    .iter()
                    .all(|(key, l)| right.get(key).is_some_and(|r| same_value(l, r)))
        }
        _ => left == right,
    }
}

/// The same f64, or two rounding steps apart (the error of one or two f64 operations).
fn same_number(left: f64, right: f64) -> bool {
    left == right || (left - right).abs() <= 2.0 * f64::EPSILON * left.abs().max(right.abs())
}

/// Compares parity with the recorded values of every row (no Terraform needed): a case per row,
/// identical when parity gives the recorded value (or, for a divergent row, its recorded
/// divergent value).
pub fn check_recorded() -> Result<Suite, TableError> {
    let rows = rows()?;
    let scratch = Scratch::new().map_err(|error| TableError {
        line: 0,
        message: format!("cannot create a scratch folder: {error}"),
    })?;
    let cases = rows
        .iter()
        .map(|row| {
            let parity = evaluate_with_parity(&row.expression, scratch.path());
            let outcome = match compare(row.parity_expected(), &parity, "parity") {
                Some(difference) => Outcome::Differs {
                    first_difference: format!("line {}: {difference}", row.line),
                },
                None => match &row.divergence {
                    Some(divergence) => Outcome::Divergent {
                        reason: divergence.reason.clone(),
                    },
                    None => Outcome::Identical,
                },
            };
            Case {
                name: row.name(),
                outcome,
            }
        })
        .collect();
    Ok(Suite {
        tool: Tool::Terraform,
        cases,
    })
}

/// Evaluates every row (or those matching [`TerraformRun::filter`]) with parity and with
/// `terraform console`, and compares them as data. A row that differs but carries a recorded
/// divergence whose value parity still gives is [`Outcome::Divergent`]; a row where Terraform
/// no longer gives the recorded value differs too (the table is stale).
pub fn run(options: &TerraformRun) -> Result<Suite, ReferenceMissing> {
    let rows = rows().map_err(|error| missing(format!("the table is malformed: {error}")))?;
    let rows: Vec<Row> = rows
        .into_iter()
        .filter(|row| {
            options
                .filter
                .as_deref()
                .is_none_or(|text| row.category.contains(text) || row.expression.contains(text))
        })
        .collect();
    let reference = evaluate_with_terraform(&rows, options)?;
    let scratch = Scratch::new().map_err(|error| missing(format!("no scratch folder: {error}")))?;
    let cases = rows
        .iter()
        .zip(&reference)
        .map(|(row, terraform)| {
            let parity = evaluate_with_parity(&row.expression, scratch.path());
            Case {
                name: row.name(),
                outcome: judge(row, terraform, &parity),
            }
        })
        .collect();
    Ok(Suite {
        tool: Tool::Terraform,
        cases,
    })
}

fn judge(row: &Row, terraform: &Evaluated, parity: &Evaluated) -> Outcome {
    let as_expected = match terraform {
        Evaluated::Json(json) => Expected::Value(json.clone()),
        Evaluated::Error(_) => Expected::Error,
    };
    let differs = |what: String| Outcome::Differs {
        first_difference: format!("line {}: {what}", row.line),
    };
    if let Some(stale) = compare(&row.terraform, terraform, "terraform") {
        return differs(format!(
            "the value recorded from Terraform 1.11 is not what this terraform gives \
             (re-record the table): {stale}"
        ));
    }
    match (compare(&as_expected, parity, "parity"), &row.divergence) {
        (None, _) => Outcome::Identical,
        (Some(_), Some(divergence)) if compare(&divergence.parity, parity, "parity").is_none() => {
            Outcome::Divergent {
                reason: divergence.reason.clone(),
            }
        }
        (Some(_), _) => differs(format!(
            "terraform gave {as_expected}, {}",
            describe(parity)
        )),
    }
}

/// The table with every row's `=>` value replaced by what the installed Terraform gives:
/// how the recorded values are written (`cargo test -p parity-conformance --test terraform
/// -- --ignored record`).
pub fn record(options: &TerraformRun) -> Result<String, ReferenceMissing> {
    let rows = rows().map_err(|error| missing(format!("the table is malformed: {error}")))?;
    let reference = evaluate_with_terraform(&rows, options)?;
    let mut lines: Vec<String> = TABLE.lines().map(str::to_owned).collect();
    for (row, terraform) in rows.iter().zip(&reference) {
        let value = match terraform {
            Evaluated::Json(json) => json.clone(),
            Evaluated::Error(_) => "error".to_owned(),
        };
        if let Some(line) = row
            .line
            .checked_sub(1)
            .and_then(|index| lines.get_mut(index))
        {
            *line = format!("=> {value}");
        }
    }
    let mut text = lines.join("\n");
    text.push('\n');
    Ok(text)
}

fn describe(parity: &Evaluated) -> String {
    match parity {
        Evaluated::Json(json) => format!("parity gave {json}"),
        Evaluated::Error(message) => format!("parity failed: {message}"),
    }
}

fn missing(why: String) -> ReferenceMissing {
    ReferenceMissing {
        tool: Tool::Terraform,
        why,
    }
}

/// Evaluates rows with `terraform console`, one result per row in order.
pub fn evaluate_with_terraform(
    rows: &[Row],
    options: &TerraformRun,
) -> Result<Vec<Evaluated>, ReferenceMissing> {
    let console = Console::new(&options.program)?;
    let mut results: Vec<Option<Evaluated>> = vec![None; rows.len()];
    // Rows recorded as errors may fail the module they are in (a syntax error, an undeclared
    // reference): they go in small batches of their own, which are halved when they fail, so
    // the rows that evaluate go together in one batch whatever the others do. The batches run
    // on a few threads: each console spends most of its time starting.
    let (errors, values): (Vec<usize>, Vec<usize>) = (0..rows.len())
        .partition(|&index| rows.get(index).map(|row| &row.terraform) == Some(&Expected::Error));
    let mut jobs: Vec<&[usize]> = vec![values.as_slice()];
    jobs.extend(errors.chunks(ERROR_BATCH_ROWS));
    let next = AtomicUsize::new(0);
    let finished = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..options.parallel.max(1))
            .map(|_| {
                scope.spawn(|| {
                    let mut done: Vec<Option<Evaluated>> = vec![None; rows.len()];
                    while let Some(job) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) {
                        console.evaluate_split(rows, job, &mut done)?;
                    }
                    Ok(done)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| {
                worker
                    .join()
                    .unwrap_or_else(|_| Err(missing("a worker thread panicked".to_owned())))
            })
            .collect::<Result<Vec<_>, ReferenceMissing>>()
    })?;
    for done in finished {
        for (slot, result) in results.iter_mut().zip(done) {
            if result.is_some() {
                *slot = result;
            }
        }
    }
    Ok(results
        .into_iter()
        .map(|result| {
            result.unwrap_or_else(|| Evaluated::Error("terraform gave no result".to_owned()))
        })
        .collect())
}

/// How many rows recorded as errors share a scratch module (halved when the module fails).
const ERROR_BATCH_ROWS: usize = 8;

/// Runs `terraform console` on scratch modules.
struct Console<'a> {
    program: &'a Path,
}

impl<'a> Console<'a> {
    fn new(program: &'a Path) -> Result<Self, ReferenceMissing> {
        let version = Command::new(program)
            .arg("version")
            .env("CHECKPOINT_DISABLE", "1")
            .output()
            .map_err(|error| missing(format!("cannot run {}: {error}", program.display())))?;
        if !version.status.success() {
            return Err(missing(format!(
                "`{} version` failed: {}",
                program.display(),
                String::from_utf8_lossy(&version.stderr).trim()
            )));
        }
        Ok(Self { program })
    }

    /// Evaluates `rows[indexes]` into `results`, in one module when that works, else in halves.
    fn evaluate_split(
        &self,
        rows: &[Row],
        indexes: &[usize],
        results: &mut [Option<Evaluated>],
    ) -> Result<(), ReferenceMissing> {
        if indexes.is_empty() {
            return Ok(());
        }
        let batch: Vec<&Row> = indexes
            .iter()
            .filter_map(|&index| rows.get(index))
            .collect();
        match self.evaluate_batch(&batch)? {
            Ok(values) => {
                for (&index, value) in indexes.iter().zip(values) {
                    if let Some(slot) = results.get_mut(index) {
                        *slot = Some(value);
                    }
                }
            }
            Err(message) if indexes.len() == 1 => {
                let slot = indexes.first().and_then(|&index| results.get_mut(index));
                if let Some(slot) = slot {
                    *slot = Some(Evaluated::Error(message));
                }
            }
            Err(_) => {
                let (left, right) = indexes.split_at(indexes.len() / 2);
                self.evaluate_split(rows, left, results)?;
                self.evaluate_split(rows, right, results)?;
            }
        }
        Ok(())
    }

    /// One module holding `rows` as locals, one console printing them all. The outer `Err` is a
    /// Terraform that cannot run at all; the inner one a module Terraform rejects as a whole.
    fn evaluate_batch(
        &self,
        rows: &[&Row],
    ) -> Result<Result<Vec<Evaluated>, String>, ReferenceMissing> {
        let scratch =
            Scratch::new().map_err(|error| missing(format!("no scratch folder: {error}")))?;
        let mut module = String::from("locals {\n");
        let mut query = String::from("base64encode(jsonencode([");
        for (position, row) in rows.iter().enumerate() {
            module.push_str(&format!(
                "r{position} = try(jsonencode(\n{}\n), null)\n",
                row.expression
            ));
            if position > 0 {
                query.push(',');
            }
            query.push_str(&format!("local.r{position}"));
        }
        module.push_str("}\n");
        query.push_str("]))\n");
        std::fs::write(scratch.path().join("rows.tf"), module)
            .map_err(|error| missing(format!("cannot write the scratch module: {error}")))?;
        let mut child = Command::new(self.program)
            .args(["console", "-no-color"])
            .current_dir(scratch.path())
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_CLI_CONFIG_FILE", "/dev/null")
            .env("TF_DATA_DIR", scratch.path().join(".terraform"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|error| missing(format!("cannot run terraform console: {error}")))?;
        if let Some(mut stdin) = child.stdin.take() {
            // A console that exits early closes its input; its output says why.
            let _ = stdin.write_all(query.as_bytes());
        }
        let output = child
            .wait_with_output()
            .map_err(|error| missing(format!("terraform console did not finish: {error}")))?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        // An undeclared reference is only a diagnostic to the console, which then goes on with
        // the other rows' values possibly wrong: any diagnostic fails the batch.
        if !output.status.success() || stderr.contains("Error") || stderr.contains("Warning") {
            return Ok(Err(first_error(&stderr)));
        }
        let printed = String::from_utf8_lossy(&output.stdout);
        Ok(decode_console_output(&printed, rows.len()))
    }
}

/// The `Error: ...` summary and detail of Terraform's first diagnostic.
fn first_error(stderr: &str) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .map(|line| line.trim_start_matches(['│', '╷', '╵', ' ']).trim())
        .filter(|line| !line.is_empty() && !line.starts_with("on ") && !line.contains("(source"))
        .collect();
    let text = lines.join(" ");
    if text.is_empty() {
        "terraform console failed".to_owned()
    } else {
        text
    }
}

/// The console prints `"BASE64"`: base64 of a JSON array holding, per row, the row's JSON text
/// or `null` for a row whose evaluation failed.
fn decode_console_output(printed: &str, expected_rows: usize) -> Result<Vec<Evaluated>, String> {
    // Exactly one line, a quoted string: anything else (`(known after apply)`, a warning) means
    // Terraform did not give every row a value.
    let printed = printed.trim();
    let encoded = printed
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .filter(|encoded| !encoded.contains(['\n', '"']))
        .ok_or_else(|| format!("unexpected console output: {printed}"))?;
    let decoded =
        decode_base64(encoded).ok_or_else(|| format!("unexpected console output: {printed}"))?;
    let items: Vec<Option<String>> = serde_json::from_slice(&decoded)
        .map_err(|error| format!("unexpected console output ({error}): {printed}"))?;
    if items.len() != expected_rows {
        return Err(format!(
            "the console gave {} results for {expected_rows} rows",
            items.len()
        ));
    }
    Ok(items
        .into_iter()
        .map(|item| match item {
            Some(json) => Evaluated::Json(json),
            None => Evaluated::Error("rejected by terraform".to_owned()),
        })
        .collect())
}

/// Standard base64 with padding, as Terraform's `base64encode` writes it.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    fn sextet(byte: u8) -> Option<u32> {
        Some(match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    let bytes = text.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut group = 0u32;
        for (position, &byte) in chunk.iter().enumerate() {
            group |= sextet(byte)? << (18 - 6 * position);
        }
        let produced = match chunk.len() {
            4 => 3,
            3 => 2,
            2 => 1,
            _ => return None,
        };
        out.extend(group.to_be_bytes().iter().skip(1).take(produced));
    }
    Some(out)
}

/// A scratch folder removed when dropped.
struct Scratch {
    path: PathBuf,
}

impl Scratch {
    fn new() -> std::io::Result<Self> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "parity-terraform-conformance-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path)?;
        for (name, contents) in FIXTURES {
            std::fs::write(path.join(name), contents)?;
        }
        Ok(Self { path })
    }

    fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // Best effort: a leftover folder in the temporary directory harms nothing.
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_parses_rows_categories_heredocs_and_divergences() {
        let text = "# comment\n\n## numbers\n1 + 1\n=> 2\n~> 3 parity adds badly\n\
                    ## heredocs\n<<EOT\n# not a comment\n\nEOT\n=> \"# not a comment\\n\\n\"\n\
                    nosuch()\n=> error\nx\n=> ?\n";
        let rows = parse_table(text).unwrap();
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0].category, "numbers");
        assert_eq!(rows[0].terraform, Expected::Value("2".to_owned()));
        assert_eq!(
            rows[0].divergence,
            Some(Divergence {
                parity: Expected::Value("3".to_owned()),
                reason: "parity adds badly".to_owned()
            })
        );
        assert_eq!(rows[0].parity_expected(), &Expected::Value("3".to_owned()));
        assert_eq!(rows[1].category, "heredocs");
        assert_eq!(rows[1].expression, "<<EOT\n# not a comment\n\nEOT");
        assert_eq!(rows[1].line, 12);
        assert_eq!(rows[2].terraform, Expected::Error);
        assert_eq!(rows[3].terraform, Expected::Unrecorded);
    }

    #[test]
    fn table_errors_name_the_line() {
        assert_eq!(
            parse_table("=> 1\n").unwrap_err(),
            TableError {
                line: 1,
                message: "a result line with no expression before it".to_owned()
            }
        );
        assert_eq!(parse_table("1\n=> 1\n~> 2\n").unwrap_err().line, 3);
        assert_eq!(parse_table("1\n=> 1 2\n").unwrap_err().line, 2);
        assert_eq!(parse_table("1\n").unwrap_err().line, 1);
    }

    #[test]
    fn numbers_compare_as_terraform_documents_them() {
        assert!(same_json("0.3", "0.30000000000000004"));
        assert!(same_json(
            "0.333333333333333333333333333333333333333335",
            "0.3333333333333333"
        ));
        assert!(same_json("12345678901234567890", "12345678901234567000"));
        assert!(same_json("{\"a\":[1,1.0]}", "{\"a\":[1.0,1]}"));
        assert!(!same_json("0.3", "0.31"));
        assert!(!same_json("[1]", "[1,2]"));
        assert!(!same_json("\"1\"", "1"));
    }

    #[test]
    fn console_output_is_base64_of_json_rows() {
        // base64 of `["1",null]`.
        let rows = decode_console_output("\"WyIxIixudWxsXQ==\"\n", 2).unwrap();
        assert_eq!(
            rows,
            vec![
                Evaluated::Json("1".to_owned()),
                Evaluated::Error("rejected by terraform".to_owned())
            ]
        );
        assert!(decode_console_output("\"WyIxIixudWxsXQ==\"\n", 3).is_err());
        assert_eq!(decode_base64("SGk="), Some(b"Hi".to_vec()));
        assert_eq!(
            decode_base64("SGVsbG8gV29ybGQ="),
            Some(b"Hello World".to_vec())
        );
        assert_eq!(decode_base64("S"), None);
    }

    #[test]
    fn a_row_erroring_on_both_sides_is_identical_and_a_stale_record_differs() {
        let row = |terraform: Expected| Row {
            category: String::new(),
            expression: "x".to_owned(),
            terraform,
            divergence: None,
            line: 7,
        };
        let error = Evaluated::Error("no".to_owned());
        assert_eq!(
            judge(&row(Expected::Error), &error, &error),
            Outcome::Identical
        );
        let one = Evaluated::Json("1".to_owned());
        assert_eq!(
            judge(&row(Expected::Error), &one, &one),
            Outcome::Differs {
                first_difference: "line 7: the value recorded from Terraform 1.11 is not what \
                                   this terraform gives (re-record the table): expected error, \
                                   terraform gave 1"
                    .to_owned()
            }
        );
        assert_eq!(
            judge(&row(Expected::Value("1".to_owned())), &one, &error),
            Outcome::Differs {
                first_difference: "line 7: terraform gave 1, parity failed: no".to_owned()
            }
        );
    }
}
