//! Evaluating HCL expressions with Terraform's semantics.
//!
//! Expressions are evaluated straight from hcl-edit's syntax tree, which keeps the byte span of
//! every expression, so an error points at the exact line and column. References are resolved
//! through a [`Context`] (the module being evaluated); `for` and template `for` variables,
//! `each` and `count` live in the [`Scope`].

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use hcl::edit::Span;
use hcl::edit::expr::{
    BinaryOperator, Expression, ForExpr, ObjectKey, TraversalOperator, UnaryOperator,
};
use hcl::edit::template::{Directive, Element, Template};
use parity_model::{ArcStr, Origin};

use crate::functions;
use crate::heredoc;
use crate::value::{TextPart, Unknown, Value};

/// Nested `for` expressions, templates and function calls deeper than this are refused, so a
/// hostile configuration cannot overflow the stack.
const MAX_DEPTH: usize = 64;

/// One parsed configuration file, with what is needed to turn byte offsets into lines.
#[derive(Debug)]
pub(crate) struct SourceFile {
    pub(crate) display: ArcStr,
    /// The text, for locating a name inside a value built by an expression (see
    /// [`SourceFile::locate_name`]).
    text: Option<ArcStr>,
    line_starts: Vec<usize>,
    /// Positions do not refer to this file's text (a `.tf.json` file converted to HCL): every
    /// origin names the whole file.
    whole_file: bool,
}

impl SourceFile {
    pub(crate) fn new(display: ArcStr, text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, byte)| *byte == b'\n')
                .map(|(offset, _)| offset + 1),
        );
        Self {
            display,
            text: Some(ArcStr::from(text)),
            line_starts,
            whole_file: false,
        }
    }

    /// A file whose parsed text is not what is on disk: origins name the whole file.
    pub(crate) fn without_positions(display: ArcStr) -> Self {
        Self {
            display,
            text: None,
            line_starts: vec![0],
            whole_file: true,
        }
    }

    /// The source text of a span, when the file's text is its parsed text.
    pub(crate) fn text_of(&self, span: Range<usize>) -> Option<&str> {
        self.text.as_deref()?.get(span)
    }

    /// The origin of a byte offset (1-based line and column; the column counts bytes).
    pub(crate) fn origin_at(&self, offset: usize) -> Origin {
        if self.whole_file {
            return Origin::file(self.display.clone());
        }
        let line = self.line_starts.partition_point(|start| *start <= offset);
        let start = line
            .checked_sub(1)
            .and_then(|index| self.line_starts.get(index))
            .copied()
            .unwrap_or(0);
        Origin::new(
            self.display.clone(),
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(offset.saturating_sub(start) + 1).unwrap_or(u32::MAX),
        )
    }

    /// Where `name` is written as a key (`name = "NAME"`, `"name": "NAME"`, or `NAME = ...` in a
    /// map), first looking from `from_line` on, then anywhere in the file. Values such as an ECS
    /// task's `container_definitions` are built by expressions, so their parts have no span of
    /// their own; this points an env var at the line that names it.
    pub(crate) fn locate_name(&self, from_line: u32, name: &str) -> Option<Origin> {
        let text = self.text.as_deref()?;
        if name.is_empty() || self.whole_file {
            return None;
        }
        let key = regex::escape(name);
        let pattern = regex::Regex::new(&format!(
            r#"(?m)name\s*=\s*"({key})"|"name"\s*:\s*"({key})"|(?:^|[{{,])\s*"?({key})"?\s*="#
        ))
        .ok()?;
        let start = usize::try_from(from_line)
            .ok()
            .and_then(|line| line.checked_sub(1))
            .and_then(|index| self.line_starts.get(index))
            .copied()
            .unwrap_or(0);
        let key_offset = |captures: regex::Captures<'_>| {
            (1..=3)
                .find_map(|group| captures.get(group))
                .map(|m| m.start())
        };
        let found = text
            .get(start..)
            .and_then(|rest| pattern.captures(rest))
            .and_then(key_offset)
            .map(|offset| offset + start)
            .or_else(|| pattern.captures(text).and_then(key_offset))?;
        Some(self.origin_at(found))
    }

    /// The origin of a span, or of the whole file when there is none.
    pub(crate) fn origin(&self, span: Option<Range<usize>>) -> Origin {
        match span {
            Some(range) => self.origin_at(range.start),
            None => Origin::file(self.display.clone()),
        }
    }
}

/// Why an expression has no value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EvalError {
    pub(crate) origin: Origin,
    pub(crate) message: String,
    /// A mistake in the configuration itself (an undeclared variable, an unknown function) that
    /// `try` and `can` do not hide, as in Terraform.
    pub(crate) is_static: bool,
}

impl EvalError {
    pub(crate) fn new(origin: Origin, message: impl Into<String>) -> Self {
        Self {
            origin,
            message: message.into(),
            is_static: false,
        }
    }

    pub(crate) fn fatal(origin: Origin, message: impl Into<String>) -> Self {
        Self {
            origin,
            message: message.into(),
            is_static: true,
        }
    }
}

pub(crate) type EvalResult = Result<Value, EvalError>;

/// What references resolve against: the module being evaluated.
pub(crate) trait Context {
    /// `var.NAME`.
    fn variable(&self, name: &str) -> Option<Value>;
    /// `local.NAME`, evaluated on first use.
    fn local(&self, name: &str, origin: &Origin) -> EvalResult;
    /// `module.NAME`: an object of the module's outputs (a list or map of them with count or
    /// for_each).
    fn module(&self, name: &str, origin: &Origin) -> EvalResult;
    /// Whether `TYPE.NAME` is a managed resource of the module.
    fn has_resource(&self, resource_type: &str, name: &str) -> bool;
    /// A top-level attribute of a resource as written in the configuration, when it is known
    /// before apply; `None` for anything computed.
    fn resource_attribute(&self, resource_type: &str, name: &str, attribute: &str)
    -> Option<Value>;
    /// `path.module`, as Terraform shows it (relative to the root module).
    fn path_module(&self) -> String;
    /// The root module's folder; files outside it are never read.
    fn root_dir(&self) -> &Path;
}

/// Where an expression is evaluated: the module, the file, and the bindings in force.
#[derive(Clone)]
pub(crate) struct Scope<'a> {
    pub(crate) context: &'a dyn Context,
    pub(crate) file: &'a SourceFile,
    /// `each.key` and `each.value` inside a `for_each` resource or module.
    pub(crate) each: Option<(Value, Value)>,
    /// `count.index` inside a `count` resource or module.
    pub(crate) count_index: Option<usize>,
    /// Variables of enclosing `for` expressions, templates and dynamic blocks, innermost last.
    pub(crate) bindings: Vec<(String, Value)>,
    depth: usize,
}

impl<'a> Scope<'a> {
    pub(crate) fn new(context: &'a dyn Context, file: &'a SourceFile) -> Self {
        Self {
            context,
            file,
            each: None,
            count_index: None,
            bindings: Vec::new(),
            depth: 0,
        }
    }

    pub(crate) fn origin_of(&self, span: Option<Range<usize>>) -> Origin {
        self.file.origin(span)
    }

    fn nested(&self) -> Result<Scope<'a>, String> {
        if self.depth >= MAX_DEPTH {
            return Err(format!("expression nested deeper than {MAX_DEPTH} levels"));
        }
        let mut inner = self.clone();
        inner.depth += 1;
        Ok(inner)
    }

    fn binding(&self, name: &str) -> Option<&Value> {
        self.bindings
            .iter()
            .rev()
            .find(|(bound, _)| bound == name)
            .map(|(_, value)| value)
    }

    /// Evaluates an expression.
    pub(crate) fn eval(&self, expr: &Expression) -> EvalResult {
        let origin = || self.origin_of(expr.span());
        match expr {
            Expression::Null(_) => Ok(Value::Null),
            Expression::Bool(flag) => Ok(Value::Bool(*flag.value())),
            Expression::Number(number) => {
                let value = number.value().as_f64().unwrap_or(0.0);
                // The parser folds `-0` into the integer 0; Terraform keeps the sign.
                let negative_zero = value == 0.0
                    && number
                        .span()
                        .and_then(|span| self.file.text_of(span))
                        .is_some_and(|text| text.starts_with('-'));
                Ok(Value::Number(if negative_zero { -0.0 } else { value }))
            }
            Expression::String(text) => Ok(Value::String(text.value().clone())),
            Expression::Array(array) => array
                .iter()
                .map(|item| self.eval(item))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::List),
            Expression::Object(object) => {
                let mut map = BTreeMap::new();
                for (key, value) in object.iter() {
                    let key_text = match key {
                        ObjectKey::Ident(ident) => ident.value().as_str().to_owned(),
                        // A bare `null` key is the name "null", like any bare word.
                        ObjectKey::Expression(Expression::Null(_)) => "null".to_owned(),
                        ObjectKey::Expression(key_expr) => {
                            let key_value = self.eval(key_expr)?;
                            match key_value {
                                Value::Unknown(unknown) => return Ok(Value::Unknown(unknown)),
                                other => other.to_template_string().ok_or_else(|| {
                                    EvalError::new(
                                        self.origin_of(key_expr.span()),
                                        format!(
                                            "object key must be a string, not {}",
                                            other.type_name()
                                        ),
                                    )
                                })?,
                            }
                        }
                    };
                    map.insert(key_text, self.eval(value.expr())?);
                }
                Ok(Value::Object(map))
            }
            Expression::StringTemplate(template) => self.render_template(template, true, &origin()),
            Expression::HeredocTemplate(heredoc) => {
                // Re-read from its text with HCL's whitespace rules (see `heredoc.rs`).
                let settled = heredoc
                    .span()
                    .and_then(|span| self.file.text_of(span))
                    .and_then(heredoc::template);
                let template = settled.as_ref().unwrap_or(&heredoc.template);
                self.render_template(template, false, &origin())
            }
            Expression::Parenthesis(inner) => self.eval(inner.inner()),
            Expression::Variable(ident) => self.traverse(ident.value().as_str(), &[], &origin()),
            Expression::Conditional(conditional) => {
                let condition = self.eval(&conditional.cond_expr)?;
                let (chosen, other) = match to_bool(&condition) {
                    Some(true) => (&conditional.true_expr, &conditional.false_expr),
                    Some(false) => (&conditional.false_expr, &conditional.true_expr),
                    None => {
                        return match condition {
                            Value::Unknown(unknown) => Ok(Value::Unknown(unknown)),
                            other => Err(EvalError::new(
                                self.origin_of(conditional.cond_expr.span()),
                                format!("condition must be a bool, not {}", other.type_name()),
                            )),
                        };
                    }
                };
                // Both results take one type (`true ? 1 : "a"` is `"1"`); as in Terraform, an
                // error in the result not chosen is ignored.
                functions::unify_with(self.eval(chosen)?, self.eval(other).ok())
                    .map_err(|message| EvalError::new(origin(), message))
            }
            Expression::FuncCall(call) => {
                let name = call.name.name.value().as_str();
                let origin = origin();
                if !call.name.namespace.is_empty() {
                    let namespace: Vec<&str> = call
                        .name
                        .namespace
                        .iter()
                        .map(|part| part.value().as_str())
                        .collect();
                    return Ok(Value::unknown(format!("{}::{name}", namespace.join("::"))));
                }
                let inner = self
                    .nested()
                    .map_err(|message| EvalError::new(origin.clone(), message))?;
                let args: Vec<&Expression> = call.args.iter().collect();
                functions::call(&inner, name, &args, call.args.expand_final(), &origin)
            }
            Expression::Traversal(traversal) => {
                let operators: Vec<&TraversalOperator> =
                    traversal.operators.iter().map(|op| op.value()).collect();
                match &traversal.expr {
                    Expression::Variable(root) => {
                        self.traverse(root.value().as_str(), &operators, &origin())
                    }
                    base => {
                        let value = self.eval(base)?;
                        self.apply_operators(value, &operators, &origin(), &mut String::new())
                    }
                }
            }
            Expression::UnaryOp(op) => {
                let value = self.eval(&op.expr)?;
                if let Value::Unknown(unknown) = value {
                    return Ok(Value::Unknown(unknown));
                }
                match op.operator.value() {
                    UnaryOperator::Neg => {
                        to_number(&value).map(|n| Value::Number(-n)).ok_or_else(|| {
                            EvalError::new(
                                origin(),
                                format!("cannot negate a {}", value.type_name()),
                            )
                        })
                    }
                    UnaryOperator::Not => {
                        to_bool(&value).map(|b| Value::Bool(!b)).ok_or_else(|| {
                            EvalError::new(
                                origin(),
                                format!("cannot negate a {}", value.type_name()),
                            )
                        })
                    }
                }
            }
            Expression::BinaryOp(op) => {
                let lhs = self.eval(&op.lhs_expr)?;
                let operator = *op.operator.value();
                // `&&` and `||` need both sides in Terraform (no short-circuit), but an unknown
                // on one side is decided by a known `false`/`true` on the other.
                let rhs = self.eval(&op.rhs_expr)?;
                binary(operator, &lhs, &rhs).map_err(|message| EvalError::new(origin(), message))
            }
            Expression::ForExpr(for_expr) => self.eval_for(for_expr, &origin()),
        }
    }

    fn eval_for(&self, for_expr: &ForExpr, origin: &Origin) -> EvalResult {
        let collection = self.eval(&for_expr.intro.collection_expr)?;
        let items: Vec<(Value, Value)> = match collection {
            Value::Unknown(unknown) => return Ok(Value::Unknown(unknown)),
            Value::List(items) => items
                .into_iter()
                .enumerate()
                .map(|(index, item)| (Value::Number(index as f64), item))
                .collect(),
            Value::Object(map) => map
                .into_iter()
                .map(|(key, item)| (Value::String(key), item))
                .collect(),
            Value::Null => {
                return Err(EvalError::new(
                    origin.clone(),
                    "a for expression cannot iterate over null",
                ));
            }
            other => {
                return Err(EvalError::new(
                    origin.clone(),
                    format!(
                        "a for expression cannot iterate over a {}",
                        other.type_name()
                    ),
                ));
            }
        };
        let value_var = for_expr.intro.value_var.value().as_str().to_owned();
        let key_var = for_expr
            .intro
            .key_var
            .as_ref()
            .map(|ident| ident.value().as_str().to_owned());
        let mut list = Vec::new();
        let mut object: BTreeMap<String, Value> = BTreeMap::new();
        let mut grouped: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        let mut inner = self
            .nested()
            .map_err(|message| EvalError::new(origin.clone(), message))?;
        for (key, item) in items {
            let mark = inner.bindings.len();
            if let Some(key_var) = &key_var {
                inner.bindings.push((key_var.clone(), key));
            }
            inner.bindings.push((value_var.clone(), item));
            let keep = match &for_expr.cond {
                Some(cond) => {
                    let condition = inner.eval(&cond.expr)?;
                    match to_bool(&condition) {
                        Some(flag) => flag,
                        None if matches!(condition, Value::Unknown(_)) => return Ok(condition),
                        None => {
                            return Err(EvalError::new(
                                inner.origin_of(cond.expr.span()),
                                format!(
                                    "for condition must be a bool, not {}",
                                    condition.type_name()
                                ),
                            ));
                        }
                    }
                }
                None => true,
            };
            if keep {
                let value = inner.eval(&for_expr.value_expr)?;
                match &for_expr.key_expr {
                    Some(key_expr) => {
                        let key_value = inner.eval(key_expr)?;
                        if let Value::Unknown(unknown) = key_value {
                            return Ok(Value::Unknown(unknown));
                        }
                        let key_text = key_value.to_template_string().ok_or_else(|| {
                            EvalError::new(
                                inner.origin_of(key_expr.span()),
                                format!(
                                    "for expression key must be a string, not {}",
                                    key_value.type_name()
                                ),
                            )
                        })?;
                        if for_expr.grouping {
                            grouped.entry(key_text).or_default().push(value);
                        } else {
                            match object.entry(key_text) {
                                std::collections::btree_map::Entry::Occupied(entry) => {
                                    return Err(EvalError::new(
                                        inner.origin_of(key_expr.span()),
                                        format!(
                                            "duplicate object key {:?} in for expression (add `...` after the value to group them)",
                                            entry.key()
                                        ),
                                    ));
                                }
                                std::collections::btree_map::Entry::Vacant(entry) => {
                                    entry.insert(value);
                                }
                            }
                        }
                    }
                    None => list.push(value),
                }
            }
            inner.bindings.truncate(mark);
        }
        Ok(match &for_expr.key_expr {
            None => Value::List(list),
            Some(_) if for_expr.grouping => Value::Object(
                grouped
                    .into_iter()
                    .map(|(key, values)| (key, Value::List(values)))
                    .collect(),
            ),
            Some(_) => Value::Object(object),
        })
    }

    /// Resolves a reference `root.attr[index]...`.
    fn traverse(
        &self,
        root: &str,
        operators: &[&TraversalOperator],
        origin: &Origin,
    ) -> EvalResult {
        if let Some(value) = self.binding(root) {
            return self.apply_operators(value.clone(), operators, origin, &mut root.to_owned());
        }
        let first_attr = match operators.first() {
            Some(TraversalOperator::GetAttr(name)) => Some(name.value().as_str()),
            _ => None,
        };
        let rest = operators.get(1..).unwrap_or_default();
        let need_attr = |what: &str| {
            first_attr.ok_or_else(|| {
                EvalError::fatal(
                    origin.clone(),
                    format!("`{root}` must be followed by an attribute name ({what})"),
                )
            })
        };
        match root {
            "var" => {
                let name = need_attr("var.NAME")?;
                let value = self.context.variable(name).ok_or_else(|| {
                    EvalError::fatal(
                        origin.clone(),
                        format!("reference to undeclared input variable `var.{name}`"),
                    )
                })?;
                self.apply_operators(value, rest, origin, &mut format!("var.{name}"))
            }
            "local" => {
                let name = need_attr("local.NAME")?;
                let value = self.context.local(name, origin)?;
                self.apply_operators(value, rest, origin, &mut format!("local.{name}"))
            }
            "module" => {
                let name = need_attr("module.NAME")?;
                let value = self.context.module(name, origin)?;
                self.apply_operators(value, rest, origin, &mut format!("module.{name}"))
            }
            "each" => {
                let Some((key, value)) = &self.each else {
                    return Err(EvalError::fatal(
                        origin.clone(),
                        "`each` is only available in a block with for_each",
                    ));
                };
                match need_attr("each.key or each.value")? {
                    "key" => {
                        self.apply_operators(key.clone(), rest, origin, &mut "each.key".to_owned())
                    }
                    "value" => self.apply_operators(
                        value.clone(),
                        rest,
                        origin,
                        &mut "each.value".to_owned(),
                    ),
                    other => Err(EvalError::fatal(
                        origin.clone(),
                        format!("`each` has no attribute `{other}` (only key and value)"),
                    )),
                }
            }
            "count" => {
                let Some(index) = self.count_index else {
                    return Err(EvalError::fatal(
                        origin.clone(),
                        "`count.index` is only available in a block with count",
                    ));
                };
                match need_attr("count.index")? {
                    "index" => self.apply_operators(
                        Value::Number(index as f64),
                        rest,
                        origin,
                        &mut "count.index".to_owned(),
                    ),
                    other => Err(EvalError::fatal(
                        origin.clone(),
                        format!("`count` has no attribute `{other}` (only index)"),
                    )),
                }
            }
            "path" => {
                let value = match need_attr("path.module")? {
                    "module" => self.context.path_module(),
                    "root" => ".".to_owned(),
                    "cwd" => ".".to_owned(),
                    other => {
                        return Err(EvalError::fatal(
                            origin.clone(),
                            format!("`path` has no attribute `{other}` (module, root or cwd)"),
                        ));
                    }
                };
                self.apply_operators(Value::String(value), rest, origin, &mut String::new())
            }
            "terraform" => match need_attr("terraform.workspace")? {
                "workspace" => Ok(Value::String("default".to_owned())),
                other => Err(EvalError::fatal(
                    origin.clone(),
                    format!("`terraform` has no attribute `{other}`"),
                )),
            },
            "self" => Ok(Value::unknown("self")),
            "data" => {
                let data_type = need_attr("data.TYPE.NAME")?;
                let name = match operators.get(1) {
                    Some(TraversalOperator::GetAttr(name)) => name.value().as_str().to_owned(),
                    _ => "?".to_owned(),
                };
                let mut what = format!("data.{data_type}.{name}");
                append_path(&mut what, operators.get(2..).unwrap_or_default());
                Ok(Value::unknown(what))
            }
            resource_type => {
                let Some(name) = first_attr else {
                    return Err(EvalError::fatal(
                        origin.clone(),
                        format!("unknown reference `{resource_type}`"),
                    ));
                };
                if !self.context.has_resource(resource_type, name) {
                    return Err(EvalError::fatal(
                        origin.clone(),
                        format!("reference to undeclared resource `{resource_type}.{name}`"),
                    ));
                }
                let mut what = format!("{resource_type}.{name}");
                append_path(&mut what, rest);
                if let Some(TraversalOperator::GetAttr(attribute)) = rest.first() {
                    if let Some(value) = self.context.resource_attribute(
                        resource_type,
                        name,
                        attribute.value().as_str(),
                    ) {
                        let mut path =
                            format!("{resource_type}.{name}.{}", attribute.value().as_str());
                        return self.apply_operators(
                            value,
                            rest.get(1..).unwrap_or_default(),
                            origin,
                            &mut path,
                        );
                    }
                }
                Ok(Value::unknown(what))
            }
        }
    }

    /// Applies `.attr`, `[index]` and splats to a value. `path` is the reference written so far,
    /// for messages and for naming unknown values.
    fn apply_operators(
        &self,
        mut value: Value,
        operators: &[&TraversalOperator],
        origin: &Origin,
        path: &mut String,
    ) -> EvalResult {
        for (position, operator) in operators.iter().enumerate() {
            if let Value::Unknown(mut unknown) = value {
                append_path(
                    &mut unknown.what,
                    operators.get(position..).unwrap_or_default(),
                );
                unknown.text = None;
                unknown.encoded = None;
                return Ok(Value::Unknown(unknown));
            }
            match operator {
                TraversalOperator::GetAttr(name) => {
                    let name = name.value().as_str();
                    value = match value {
                        Value::Object(mut map) => map.remove(name).ok_or_else(|| {
                            EvalError::new(
                                origin.clone(),
                                format!("`{path}` has no attribute `{name}`"),
                            )
                        })?,
                        Value::Null => {
                            return Err(EvalError::new(
                                origin.clone(),
                                format!("cannot read attribute `{name}` of `{path}`: it is null"),
                            ));
                        }
                        other => {
                            return Err(EvalError::new(
                                origin.clone(),
                                format!(
                                    "cannot read attribute `{name}` of `{path}`: it is a {}",
                                    other.type_name()
                                ),
                            ));
                        }
                    };
                    path.push('.');
                    path.push_str(name);
                }
                TraversalOperator::Index(index_expr) => {
                    let index = self.eval(index_expr)?;
                    value = index_value(value, &index).map_err(|message| {
                        EvalError::new(origin.clone(), format!("`{path}`: {message}"))
                    })?;
                    path.push_str("[..]");
                }
                TraversalOperator::LegacyIndex(index) => {
                    value = index_value(value, &Value::Number(*index.value() as f64)).map_err(
                        |message| EvalError::new(origin.clone(), format!("`{path}`: {message}")),
                    )?;
                    path.push_str("[..]");
                }
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    let items = match value {
                        Value::Null => Vec::new(),
                        Value::List(items) => items,
                        other => vec![other],
                    };
                    let rest = operators.get(position + 1..).unwrap_or_default();
                    path.push_str("[*]");
                    let mut results = Vec::with_capacity(items.len());
                    for item in items {
                        results.push(self.apply_operators(
                            item,
                            rest,
                            origin,
                            &mut path.clone(),
                        )?);
                    }
                    return Ok(Value::List(results));
                }
            }
        }
        Ok(value)
    }

    /// Renders a string template (`quoted`) or heredoc. A template that is a single
    /// interpolation yields the interpolated value itself, not its string form, as in Terraform.
    fn render_template(&self, template: &Template, quoted: bool, origin: &Origin) -> EvalResult {
        let elements: Vec<&Element> = template.iter().collect();
        if let [Element::Interpolation(interpolation)] = elements.as_slice() {
            return self.eval(&interpolation.expr);
        }
        let mut out = Rendered {
            quoted,
            ..Rendered::default()
        };
        self.render_elements(template, &mut out, origin)?;
        Ok(out.finish())
    }

    fn render_elements(
        &self,
        template: &Template,
        out: &mut Rendered,
        origin: &Origin,
    ) -> Result<(), EvalError> {
        out.depth += 1;
        for element in template.iter() {
            match element {
                // The parser (hcl-edit) resolves a quoted string's backslash escapes in its
                // top-level text only; text inside `%{ if }` and `%{ for }` still has them.
                Element::Literal(text) if out.quoted && out.depth > 1 => {
                    out.literal(&unescape_quoted(text.value()));
                }
                Element::Literal(text) => out.literal(text.value()),
                Element::Interpolation(interpolation) => {
                    out.strip_before(interpolation.strip.strip_start());
                    let value = self.eval(&interpolation.expr)?;
                    out.value(&value).map_err(|message| {
                        EvalError::new(self.origin_of(interpolation.expr.span()), message)
                    })?;
                    out.strip_after(interpolation.strip.strip_end());
                }
                Element::Directive(directive) => match directive.as_ref() {
                    Directive::If(if_directive) => {
                        out.strip_before(if_directive.if_expr.strip.strip_start());
                        out.strip_after(if_directive.if_expr.strip.strip_end());
                        let condition = self.eval(&if_directive.if_expr.cond_expr)?;
                        match to_bool(&condition) {
                            Some(true) => {
                                self.render_elements(&if_directive.if_expr.template, out, origin)?;
                                if let Some(else_expr) = &if_directive.else_expr {
                                    out.strip_before(else_expr.strip.strip_start());
                                }
                            }
                            Some(false) => {
                                if let Some(else_expr) = &if_directive.else_expr {
                                    out.strip_before(else_expr.strip.strip_start());
                                    out.strip_after(else_expr.strip.strip_end());
                                    self.render_elements(&else_expr.template, out, origin)?;
                                }
                            }
                            None => {
                                out.value(&match condition {
                                    Value::Unknown(unknown) => Value::Unknown(unknown),
                                    other => {
                                        return Err(EvalError::new(
                                            self.origin_of(if_directive.if_expr.cond_expr.span()),
                                            format!(
                                                "condition must be a bool, not {}",
                                                other.type_name()
                                            ),
                                        ));
                                    }
                                })
                                .map_err(|message| EvalError::new(origin.clone(), message))?;
                            }
                        }
                        out.strip_before(if_directive.endif_expr.strip.strip_start());
                        out.strip_after(if_directive.endif_expr.strip.strip_end());
                    }
                    Directive::For(for_directive) => {
                        let for_expr = &for_directive.for_expr;
                        out.strip_before(for_expr.strip.strip_start());
                        let collection = self.eval(&for_expr.collection_expr)?;
                        let items: Vec<(Value, Value)> = match collection {
                            Value::List(items) => items
                                .into_iter()
                                .enumerate()
                                .map(|(index, item)| (Value::Number(index as f64), item))
                                .collect(),
                            Value::Object(map) => map
                                .into_iter()
                                .map(|(key, item)| (Value::String(key), item))
                                .collect(),
                            Value::Unknown(unknown) => {
                                out.value(&Value::Unknown(unknown))
                                    .map_err(|message| EvalError::new(origin.clone(), message))?;
                                Vec::new()
                            }
                            other => {
                                return Err(EvalError::new(
                                    self.origin_of(for_expr.collection_expr.span()),
                                    format!(
                                        "a template for cannot iterate over a {}",
                                        other.type_name()
                                    ),
                                ));
                            }
                        };
                        let mut inner = self
                            .nested()
                            .map_err(|message| EvalError::new(origin.clone(), message))?;
                        for (key, item) in items {
                            let mark = inner.bindings.len();
                            if let Some(key_var) = &for_expr.key_var {
                                inner
                                    .bindings
                                    .push((key_var.value().as_str().to_owned(), key));
                            }
                            inner
                                .bindings
                                .push((for_expr.value_var.value().as_str().to_owned(), item));
                            out.strip_after(for_expr.strip.strip_end());
                            inner.render_elements(&for_expr.template, out, origin)?;
                            out.strip_before(for_directive.endfor_expr.strip.strip_start());
                            inner.bindings.truncate(mark);
                        }
                        out.strip_after(for_directive.endfor_expr.strip.strip_end());
                    }
                },
            }
        }
        out.depth -= 1;
        Ok(())
    }
}

/// Resolves the backslash escapes of a quoted string (`\n`, `\t`, `\"`, `\\`, `\uNNNN`,
/// `\UNNNNNNNN`); anything else stays as written.
fn unescape_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let mut lookahead = chars.clone();
        let decoded = match lookahead.next() {
            Some('n') => Some('\n'),
            Some('r') => Some('\r'),
            Some('t') => Some('\t'),
            Some('"') => Some('"'),
            Some('\\') => Some('\\'),
            Some(kind @ ('u' | 'U')) => {
                let width = if kind == 'u' { 4 } else { 8 };
                let digits: String = lookahead.by_ref().take(width).collect();
                (digits.len() == width)
                    .then(|| {
                        u32::from_str_radix(&digits, 16)
                            .ok()
                            .and_then(char::from_u32)
                    })
                    .flatten()
            }
            _ => None,
        };
        match decoded {
            Some(decoded) => {
                out.push(decoded);
                chars = lookahead;
            }
            None => out.push(c),
        }
    }
    out
}

/// A template being rendered: the parts so far (known text and references known only after
/// apply), the literal text after the last unknown part, and the first unknown reference.
#[derive(Default)]
struct Rendered {
    parts: Vec<TextPart>,
    text: String,
    unknown: Option<String>,
    strip_next: bool,
    /// A quoted string, not a heredoc or a template file.
    quoted: bool,
    /// How deep in directives the text being rendered is (1: the template's own text).
    depth: usize,
}

impl Rendered {
    fn literal(&mut self, text: &str) {
        if self.strip_next {
            self.text.push_str(text.trim_start());
            self.strip_next = false;
        } else {
            self.text.push_str(text);
        }
    }

    fn strip_before(&mut self, strip: bool) {
        if strip {
            let kept = self.text.trim_end().len();
            self.text.truncate(kept);
        }
    }

    fn strip_after(&mut self, strip: bool) {
        self.strip_next = strip;
    }

    /// Ends the literal text before an unknown part.
    fn flush(&mut self) {
        if !self.text.is_empty() {
            self.parts
                .push(TextPart::Known(std::mem::take(&mut self.text)));
        }
    }

    fn value(&mut self, value: &Value) -> Result<(), String> {
        self.strip_next = false;
        match value {
            Value::Unknown(unknown) => {
                if self.unknown.is_none() {
                    self.unknown = Some(unknown.what.clone());
                }
                self.flush();
                match &unknown.text {
                    Some(parts) => self.parts.extend(parts.iter().cloned()),
                    None => self.parts.push(TextPart::Unknown(unknown.what.clone())),
                }
                Ok(())
            }
            Value::Null => Err("cannot include a null value in a string template".to_owned()),
            other => match other.to_template_string() {
                Some(text) => {
                    self.text.push_str(&text);
                    Ok(())
                }
                None => Err(format!(
                    "cannot include a {} in a string template (use jsonencode or join)",
                    other.type_name()
                )),
            },
        }
    }

    fn finish(mut self) -> Value {
        match self.unknown.take() {
            Some(what) => {
                self.flush();
                Value::Unknown(Unknown {
                    what,
                    text: Some(self.parts),
                    encoded: None,
                })
            }
            None => Value::String(self.text),
        }
    }
}

fn append_path(path: &mut String, operators: &[&TraversalOperator]) {
    for operator in operators {
        match operator {
            TraversalOperator::GetAttr(name) => {
                path.push('.');
                path.push_str(name.value().as_str());
            }
            TraversalOperator::Index(expr) => match expr {
                Expression::Number(number) => {
                    path.push('[');
                    path.push_str(&number.value().to_string());
                    path.push(']');
                }
                Expression::String(text) => {
                    path.push_str(&format!("[{:?}]", text.value()));
                }
                _ => path.push_str("[..]"),
            },
            TraversalOperator::LegacyIndex(index) => path.push_str(&format!("[{}]", index.value())),
            TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                path.push_str("[*]")
            }
        }
    }
}

/// `collection[index]`.
pub(crate) fn index_value(value: Value, index: &Value) -> Result<Value, String> {
    if let Value::Unknown(unknown) = index {
        return Ok(Value::Unknown(unknown.clone()));
    }
    match value {
        Value::List(items) => {
            let position = to_number(index)
                .filter(|n| n.fract() == 0.0 && *n >= 0.0)
                .ok_or_else(|| "a list index must be a whole number".to_owned())?;
            let length = items.len();
            items.into_iter().nth(position as usize).ok_or_else(|| {
                format!("index {position} is out of range for a list of {length} elements")
            })
        }
        Value::Object(mut map) => {
            let key = index
                .to_template_string()
                .ok_or_else(|| "a map key must be a string".to_owned())?;
            map.remove(&key)
                .ok_or_else(|| format!("the map has no element for the key {key:?}"))
        }
        Value::Null => Err("cannot index a null value".to_owned()),
        other => Err(format!("cannot index a {}", other.type_name())),
    }
}

/// Terraform's automatic conversion to bool (`"true"` and `"false"` convert).
pub(crate) fn to_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(flag) => Some(*flag),
        Value::String(text) if text == "true" => Some(true),
        Value::String(text) if text == "false" => Some(false),
        _ => None,
    }
}

/// Terraform's automatic conversion to number (numeric strings convert).
pub(crate) fn to_number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(number) => Some(*number),
        Value::String(text) => text.trim().parse::<f64>().ok().filter(|n| n.is_finite()),
        _ => None,
    }
}

fn binary(operator: BinaryOperator, lhs: &Value, rhs: &Value) -> Result<Value, String> {
    use BinaryOperator as Op;
    match operator {
        Op::And | Op::Or => {
            let (left, right) = (to_bool(lhs), to_bool(rhs));
            let is_and = operator == Op::And;
            return match (left, right) {
                (Some(a), Some(b)) => Ok(Value::Bool(if is_and { a && b } else { a || b })),
                // Only an unknown is decided that way: `true || null` is an error.
                (Some(decided), None) | (None, Some(decided))
                    if decided != is_and
                        && (matches!(lhs, Value::Unknown(_))
                            || matches!(rhs, Value::Unknown(_))) =>
                {
                    Ok(Value::Bool(decided))
                }
                _ => match (lhs, rhs) {
                    (Value::Unknown(unknown), _) | (_, Value::Unknown(unknown)) => {
                        Ok(Value::Unknown(unknown.clone()))
                    }
                    _ => Err(format!(
                        "`{}` needs two bools, not {} and {}",
                        operator.as_str(),
                        lhs.type_name(),
                        rhs.type_name()
                    )),
                },
            };
        }
        _ => {}
    }
    if let Value::Unknown(unknown) = lhs {
        return Ok(Value::Unknown(unknown.clone()));
    }
    if let Value::Unknown(unknown) = rhs {
        return Ok(Value::Unknown(unknown.clone()));
    }
    match operator {
        Op::Eq => Ok(Value::Bool(lhs == rhs)),
        Op::NotEq => Ok(Value::Bool(lhs != rhs)),
        _ => {
            let (Some(a), Some(b)) = (to_number(lhs), to_number(rhs)) else {
                return Err(format!(
                    "`{}` needs two numbers, not {} and {}",
                    operator.as_str(),
                    lhs.type_name(),
                    rhs.type_name()
                ));
            };
            Ok(match operator {
                Op::Plus => Value::Number(a + b),
                Op::Minus => Value::Number(a - b),
                Op::Mul => Value::Number(a * b),
                Op::Div if b == 0.0 => return Err("division by zero".to_owned()),
                Op::Div => Value::Number(a / b),
                // Terraform's modulo by zero gives the dividend back (`10 % 0` is 10).
                Op::Mod if b == 0.0 => Value::Number(a),
                Op::Mod => Value::Number(a % b),
                Op::Less => Value::Bool(a < b),
                Op::LessEq => Value::Bool(a <= b),
                Op::Greater => Value::Bool(a > b),
                Op::GreaterEq => Value::Bool(a >= b),
                _ => return Err(format!("unsupported operator `{}`", operator.as_str())),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_one_based_lines_and_columns() {
        let file = SourceFile::new(ArcStr::from("main.tf"), "a = 1\n  b = 2\n");
        assert_eq!(file.origin_at(0).to_string(), "main.tf:1:1");
        assert_eq!(file.origin_at(8).to_string(), "main.tf:2:3");
        let json = SourceFile::without_positions(ArcStr::from("main.tf.json"));
        assert_eq!(json.origin_at(8).to_string(), "main.tf.json");
    }

    #[test]
    fn quoted_escapes_resolve_and_unknown_ones_stay() {
        assert_eq!(
            unescape_quoted(r#"a\n\t\"q\" \\ \u00e9\U0001F600 \x"#),
            "a\n\t\"q\" \\ é😀 \\x"
        );
        assert_eq!(unescape_quoted(r"\u00"), r"\u00");
    }

    #[test]
    fn names_are_located_after_the_given_line_first() {
        let text = "locals {\n  env = { LOG_LEVEL = \"info\" }\n}\nresource \"x\" \"y\" {\n  defs = jsonencode([{ name = \"LOG_LEVEL\" }, { \"name\": \"PORT\" }])\n}\n";
        let file = SourceFile::new(ArcStr::from("main.tf"), text);
        assert_eq!(
            file.locate_name(4, "LOG_LEVEL").unwrap().to_string(),
            "main.tf:5:32"
        );
        assert_eq!(
            file.locate_name(1, "LOG_LEVEL").unwrap().to_string(),
            "main.tf:2:11"
        );
        assert_eq!(
            file.locate_name(4, "PORT").unwrap().to_string(),
            "main.tf:5:57"
        );
        assert_eq!(file.locate_name(4, "MISSING"), None);
    }
}
