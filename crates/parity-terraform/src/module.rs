//! Reading a module tree from disk and evaluating it: variables with Terraform's precedence,
//! locals on demand (in dependency order, cycles reported by name), local modules with their
//! inputs, and resources expanded by `count` and `for_each`.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use hcl::edit::Span;
use hcl::edit::expr::Expression;
use hcl::edit::structure::{Attribute, Block, Body, Structure};
use parity_model::{ArcStr, Diagnostic, Origin};

use crate::eval::{Context, EvalError, EvalResult, Scope, SourceFile};
use crate::types::{TypeConstraint, convert};
use crate::value::Value;

/// Local modules nested deeper than this are not followed (and a module that includes itself
/// stops there).
const MAX_MODULE_DEPTH: usize = 16;

/// Files read for one configuration, all modules together, before module calls stop being
/// followed: a bound on module call graphs that fan out (each call of a module in a cycle reads
/// its files again).
const MAX_MODULE_FILES: usize = 10_000;

/// Locals (and resource attributes) referring to each other in a chain longer than this are
/// not followed, so a generated configuration cannot exhaust the stack.
const MAX_REFERENCE_DEPTH: usize = 200;

/// One configuration file of a module.
#[derive(Debug)]
pub(crate) struct ModuleFile {
    pub(crate) source: SourceFile,
    pub(crate) body: Body,
}

/// A module as read from disk: its files and the local modules it calls.
#[derive(Debug)]
pub(crate) struct ModuleSource {
    /// `path.module`: the folder relative to the root module (`.` for the root).
    pub(crate) path_module: String,
    pub(crate) files: Vec<ModuleFile>,
    /// Local modules by call name.
    pub(crate) children: BTreeMap<String, ModuleSource>,
}

/// Reads the `.tf` files of `dir`, then the local modules they call.
pub(crate) fn read_module(
    dir: &Path,
    root: &Path,
    max_bytes: u64,
    files_read: &mut Vec<String>,
    diagnostics: &mut Vec<Diagnostic>,
    depth: usize,
) -> ModuleSource {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| is_config_file(path) && path.is_file())
                .collect()
        })
        .unwrap_or_default();
    paths.sort();
    let mut files = Vec::new();
    for path in paths {
        let display: ArcStr = ArcStr::from(path.display().to_string());
        files_read.push(display.to_string());
        let text = match parity_source::read_text(&path, max_bytes) {
            Ok(text) => text,
            Err(error) => {
                let (line, column) = error.position().unwrap_or((0, 0));
                diagnostics.push(Diagnostic::error(
                    Origin::new(display, line, column),
                    format!("cannot read file: {error}"),
                ));
                continue;
            }
        };
        let is_json = path.to_string_lossy().ends_with(".tf.json");
        let hcl_text = if is_json {
            match crate::json_syntax::to_hcl(&text) {
                Ok(converted) => converted,
                Err((line, column, message)) => {
                    diagnostics.push(Diagnostic::error(
                        Origin::new(display, line, column),
                        message,
                    ));
                    continue;
                }
            }
        } else {
            text
        };
        match hcl::edit::parser::parse_body(&hcl_text) {
            Ok(body) => {
                // JSON files are converted to HCL first, so their positions only name the file.
                let source = if is_json {
                    SourceFile::without_positions(display)
                } else {
                    SourceFile::new(display, &hcl_text)
                };
                files.push(ModuleFile { source, body });
            }
            Err(error) => {
                let (line, column) = if is_json {
                    (0, 0)
                } else {
                    (
                        u32::try_from(error.location().line()).unwrap_or(0),
                        u32::try_from(error.location().column()).unwrap_or(0),
                    )
                };
                diagnostics.push(Diagnostic::error(
                    Origin::new(display, line, column),
                    format!("syntax error: {}", error.message()),
                ));
            }
        }
    }
    let path_module = match dir.strip_prefix(root) {
        Ok(relative) if relative.as_os_str().is_empty() => ".".to_owned(),
        Ok(relative) => relative.display().to_string(),
        Err(_) => dir.display().to_string(),
    };
    let mut module = ModuleSource {
        path_module,
        files,
        children: BTreeMap::new(),
    };
    let mut calls = Vec::new();
    for file in &module.files {
        for block in file
            .body
            .blocks()
            .filter(|block| block.ident.value().as_str() == "module")
        {
            let Some(name) = block.labels.first().map(|label| label.as_str().to_owned()) else {
                continue;
            };
            let origin = file.source.origin(block.span());
            let source = block
                .body
                .get_attribute("source")
                .and_then(|attribute| attribute.value.as_str().map(str::to_owned));
            calls.push((name, origin, source));
        }
    }
    for (name, origin, source) in calls {
        let Some(source) = source else {
            diagnostics.push(Diagnostic::error(
                origin,
                format!("module `{name}` has no literal `source` string"),
            ));
            continue;
        };
        if !(source.starts_with("./") || source.starts_with("../")) {
            diagnostics.push(Diagnostic::note(
                origin,
                format!("module `{name}` comes from {source:?} (a registry or remote module): not followed, its resources are not compared"),
            ));
            continue;
        }
        let child_dir = crate::functions::normalize_lexically(&dir.join(&source));
        // `source = "../../modules/app"` is the common layout, so modules may come from anywhere
        // in the repository that holds the root module, but not from outside it (`../../..` past
        // the repository, or a symlink that leads out).
        let boundary = parity_source::read_boundary(root);
        if parity_source::check_within(&boundary, &child_dir).is_err() {
            diagnostics.push(Diagnostic::error(
                origin,
                format!(
                    "module `{name}`: source {source:?} leads outside {}: parity reads only files in the repository it is given",
                    boundary.display()
                ),
            ));
            continue;
        }
        // Modules that call each other several times (a -> b, a -> b, b -> a ...) grow
        // exponentially before the depth limit stops them: bound the total work.
        if files_read.len() >= MAX_MODULE_FILES {
            push_once(
                diagnostics,
                Diagnostic::error(
                    origin,
                    format!(
                        "module `{name}`: more than {MAX_MODULE_FILES} module files read for one configuration (modules calling each other in a cycle?): not followed"
                    ),
                ),
            );
            continue;
        }
        if depth >= MAX_MODULE_DEPTH {
            push_once(
                diagnostics,
                Diagnostic::warning(
                    origin,
                    format!(
                        "module `{name}` is nested more than {MAX_MODULE_DEPTH} levels deep: not followed"
                    ),
                ),
            );
            continue;
        }
        if !child_dir.is_dir() {
            diagnostics.push(Diagnostic::error(
                origin,
                format!("module `{name}`: folder {source:?} does not exist"),
            ));
            continue;
        }
        let child = read_module(
            &child_dir,
            root,
            max_bytes,
            files_read,
            diagnostics,
            depth + 1,
        );
        module.children.insert(name, child);
    }
    module
}

/// Pushes `diagnostic` unless one of the last few is the same: a module called from a module
/// that is instantiated thousands of times would repeat its warning for every instance.
fn push_once(diagnostics: &mut Vec<Diagnostic>, diagnostic: Diagnostic) {
    if !diagnostics
        .iter()
        .rev()
        .take(64)
        .any(|seen| *seen == diagnostic)
    {
        diagnostics.push(diagnostic);
    }
}

/// `.tf` and `.tf.json` files (not `.tfvars`, not editor backups).
pub(crate) fn is_config_file(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    !name.starts_with('.') && (name.ends_with(".tf") || name.ends_with(".tf.json"))
}

/// One block declared in a module, with the file it is in.
pub(crate) struct Located<'m, T> {
    pub(crate) file: &'m ModuleFile,
    pub(crate) item: &'m T,
}

// Manual impls: a derive would require `T: Copy`, but only the references are copied.
impl<T> Clone for Located<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Located<'_, T> {}

impl<'m, T: Span> Located<'m, T> {
    pub(crate) fn origin(&self) -> Origin {
        self.file.source.origin(self.item.span())
    }
}

/// The declarations of a module, by kind and name.
struct ModuleIndex<'m> {
    variables: Vec<(String, Located<'m, Block>)>,
    locals: HashMap<String, Located<'m, Attribute>>,
    outputs: Vec<(String, Located<'m, Block>)>,
    resources: BTreeMap<(String, String), Located<'m, Block>>,
    data: HashSet<(String, String)>,
    module_calls: BTreeMap<String, Located<'m, Block>>,
    others: Vec<Located<'m, Block>>,
}

fn index_module<'m>(
    source: &'m ModuleSource,
    diagnostics: &mut Vec<Diagnostic>,
) -> ModuleIndex<'m> {
    let mut index = ModuleIndex {
        variables: Vec::new(),
        locals: HashMap::new(),
        outputs: Vec::new(),
        resources: BTreeMap::new(),
        data: HashSet::new(),
        module_calls: BTreeMap::new(),
        others: Vec::new(),
    };
    for file in &source.files {
        for structure in file.body.iter() {
            let Structure::Block(block) = structure else {
                continue;
            };
            let located = Located { file, item: block };
            let labels: Vec<String> = block.labels.iter().map(|l| l.as_str().to_owned()).collect();
            match (block.ident.value().as_str(), labels.as_slice()) {
                ("variable", [name]) => index.variables.push((name.clone(), located)),
                ("output", [name]) => index.outputs.push((name.clone(), located)),
                ("locals", []) => {
                    for attribute in block.body.attributes() {
                        let name = attribute.key.value().as_str().to_owned();
                        let located = Located {
                            file,
                            item: attribute,
                        };
                        if let Some(previous) = index.locals.insert(name.clone(), located) {
                            diagnostics.push(Diagnostic::error(
                                located.origin(),
                                format!(
                                    "duplicate local value `{name}` (first defined at {})",
                                    previous.origin()
                                ),
                            ));
                        }
                    }
                }
                ("resource", [resource_type, name]) => {
                    index
                        .resources
                        .insert((resource_type.clone(), name.clone()), located);
                }
                ("data", [data_type, name]) => {
                    index.data.insert((data_type.clone(), name.clone()));
                }
                ("module", [name]) => {
                    index.module_calls.insert(name.clone(), located);
                }
                _ => index.others.push(located),
            }
        }
    }
    index
}

/// A value set for a variable from outside the module, and where.
#[derive(Debug, Clone)]
pub(crate) enum VariableInput {
    /// From a `.tfvars` file or module call: an already evaluated value.
    Value(Value, Origin),
    /// From `--var NAME=VALUE`: text, parsed by the variable's type as Terraform does.
    Text(String, Origin),
}

/// The instances of a module call, each with its key (`null` without count or for_each).
type ChildInstances<'m> = Rc<Vec<(Value, ModuleInstance<'m>)>>;

/// One instance of a block: its key, `each.key`/`each.value`, and `count.index`.
type Instance = (Option<InstanceKey>, Option<(Value, Value)>, Option<usize>);

#[derive(Debug, Clone)]
enum LocalState {
    InProgress,
    Done(Value),
}

/// A module being evaluated with its input values.
pub(crate) struct ModuleInstance<'m> {
    source: &'m ModuleSource,
    index: ModuleIndex<'m>,
    root_dir: &'m Path,
    /// The address prefix of resources in this instance (`module.api.` or empty for the root).
    pub(crate) address: String,
    variables: HashMap<String, Value>,
    locals: RefCell<HashMap<String, LocalState>>,
    local_stack: RefCell<Vec<String>>,
    attribute_guard: RefCell<HashSet<(String, String, String)>>,
    children: RefCell<HashMap<String, ChildInstances<'m>>>,
    diagnostics: Rc<RefCell<Vec<Diagnostic>>>,
}

/// The key of one instance of a `count` or `for_each` block.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum InstanceKey {
    /// `name[0]`.
    Index(usize),
    /// `name["key"]`.
    Key(String),
}

/// One evaluated block: its attributes and nested blocks, each with where it is written.
#[derive(Debug, Clone)]
pub(crate) struct Evaluated {
    pub(crate) attributes: BTreeMap<String, (Value, Origin)>,
    pub(crate) blocks: Vec<(String, Evaluated)>,
    pub(crate) origin: Origin,
}

impl Evaluated {
    pub(crate) fn attribute(&self, name: &str) -> Option<&(Value, Origin)> {
        self.attributes.get(name)
    }

    /// The string value of an attribute, when it is a known string (or number).
    pub(crate) fn string(&self, name: &str) -> Option<String> {
        self.attributes
            .get(name)
            .and_then(|(value, _)| value.to_template_string())
    }

    /// Nested blocks of a type, in order.
    pub(crate) fn blocks<'a>(
        &'a self,
        block_type: &'a str,
    ) -> impl Iterator<Item = &'a Evaluated> + 'a {
        self.blocks
            .iter()
            .filter(move |(name, _)| name == block_type)
            .map(|(_, block)| block)
    }
}

/// One instance of a managed resource, evaluated.
#[derive(Debug, Clone)]
pub(crate) struct ResourceInstance {
    pub(crate) resource_type: String,
    pub(crate) name: String,
    /// The instance key (`[0]`, `["blue"]`), for resources with `count` or `for_each`.
    #[allow(dead_code)]
    pub(crate) key: Option<InstanceKey>,
    /// Full address: `module.api.aws_ecs_service.this["blue"]`.
    pub(crate) address: String,
    pub(crate) body: Evaluated,
}

impl<'m> ModuleInstance<'m> {
    /// Evaluates the variables of `source` from `inputs` (highest precedence last) and builds
    /// an instance ready to answer references.
    pub(crate) fn new(
        source: &'m ModuleSource,
        root_dir: &'m Path,
        address: String,
        inputs: &[(String, VariableInput)],
        diagnostics: Rc<RefCell<Vec<Diagnostic>>>,
        required_is_error: bool,
    ) -> Self {
        let index = index_module(source, &mut diagnostics.borrow_mut());
        let mut instance = ModuleInstance {
            source,
            index,
            root_dir,
            address,
            variables: HashMap::new(),
            locals: RefCell::new(HashMap::new()),
            local_stack: RefCell::new(Vec::new()),
            attribute_guard: RefCell::new(HashSet::new()),
            children: RefCell::new(HashMap::new()),
            diagnostics,
        };
        instance.resolve_variables(inputs, required_is_error);
        instance
    }

    fn report(&self, diagnostic: Diagnostic) {
        let mut diagnostics = self.diagnostics.borrow_mut();
        let repeats_depth_warning = diagnostic.message.contains("levels deep: the chain")
            && diagnostics.iter().any(|d| d.message == diagnostic.message);
        if !repeats_depth_warning && !diagnostics.contains(&diagnostic) {
            diagnostics.push(diagnostic);
        }
    }

    fn report_error(&self, error: EvalError) {
        self.report(Diagnostic::error(error.origin, error.message));
    }

    fn resolve_variables(&mut self, inputs: &[(String, VariableInput)], required_is_error: bool) {
        let declared: HashSet<&str> = self
            .index
            .variables
            .iter()
            .map(|(name, _)| name.as_str())
            .collect();
        for (name, input) in inputs {
            if !declared.contains(name.as_str()) {
                let origin = match input {
                    VariableInput::Value(_, origin) | VariableInput::Text(_, origin) => {
                        origin.clone()
                    }
                };
                self.report(Diagnostic::warning(
                    origin,
                    format!("a value is given for `{name}`, but the module declares no variable of that name"),
                ));
            }
        }
        let const_context = ConstContext {
            root_dir: self.root_dir,
        };
        let mut values = HashMap::new();
        for (name, declaration) in &self.index.variables {
            let body = &declaration.item.body;
            let constraint = body.get_attribute("type").map(|attribute| {
                let scope = Scope::new(&const_context, &declaration.file.source);
                TypeConstraint::parse(&attribute.value, &scope)
            });
            let default = body.get_attribute("default").map(|attribute| {
                let scope = Scope::new(&const_context, &declaration.file.source);
                (
                    scope.eval(&attribute.value),
                    declaration.file.source.origin(attribute.span()),
                )
            });
            let nullable = body
                .get_attribute("nullable")
                .and_then(|attribute| attribute.value.as_bool())
                .unwrap_or(true);
            let mut chosen: Option<(Value, Origin)> = match default {
                Some((Ok(value), origin)) => Some((value, origin)),
                Some((Err(error), _)) => {
                    self.report_error(error);
                    None
                }
                None => None,
            };
            let default_value = chosen.as_ref().map(|(value, _)| value.clone());
            for (input_name, input) in inputs {
                if input_name != name {
                    continue;
                }
                chosen = Some(match input {
                    VariableInput::Value(value, origin) => (value.clone(), origin.clone()),
                    VariableInput::Text(text, origin) => (
                        text_input(text, constraint.as_ref(), &const_context, origin),
                        origin.clone(),
                    ),
                });
            }
            let value = match chosen {
                Some((Value::Null, _)) if !nullable => default_value.unwrap_or(Value::Null),
                Some((value, origin)) => match &constraint {
                    Some(constraint) => match convert(value, constraint) {
                        Ok(converted) => converted,
                        Err(message) => {
                            self.report(Diagnostic::error(
                                origin,
                                format!("invalid value for variable `{name}`: {message}"),
                            ));
                            Value::unknown(format!("var.{name}"))
                        }
                    },
                    None => value,
                },
                None => {
                    let message = format!(
                        "no value for required variable `{name}` (pass it in a .tfvars file or with --var): it is treated as unknown"
                    );
                    self.report(if required_is_error {
                        Diagnostic::error(declaration.origin(), message)
                    } else {
                        Diagnostic::warning(declaration.origin(), message)
                    });
                    Value::unknown(format!("var.{name}"))
                }
            };
            values.insert(name.clone(), value);
        }
        self.variables = values;
    }

    /// Evaluates an expression in this module's scope.
    fn scope_for(&self, file: &'m ModuleFile) -> Scope<'_> {
        Scope::new(self, &file.source)
    }

    /// The child instances of module call `name`, created on first use.
    fn child_instances(&self, name: &str) -> Option<ChildInstances<'m>> {
        if let Some(existing) = self.children.borrow().get(name) {
            return Some(existing.clone());
        }
        let call = *self.index.module_calls.get(name)?;
        let child_source = self.source.children.get(name)?;
        let mut instances = Vec::new();
        for (key, each, count) in self.expand(call) {
            let mut scope = self.scope_for(call.file);
            scope.each = each;
            scope.count_index = count;
            let mut inputs = Vec::new();
            for attribute in call.item.body.attributes() {
                let key_name = attribute.key.value().as_str();
                if matches!(
                    key_name,
                    "source" | "version" | "count" | "for_each" | "providers" | "depends_on"
                ) {
                    continue;
                }
                let origin = call.file.source.origin(attribute.span());
                match scope.eval(&attribute.value) {
                    Ok(value) => {
                        inputs.push((key_name.to_owned(), VariableInput::Value(value, origin)))
                    }
                    Err(error) => self.report_error(error),
                }
            }
            let (address, key_value) = match &key {
                Some(InstanceKey::Index(i)) => (
                    format!("{}module.{name}[{i}].", self.address),
                    Value::Number(*i as f64),
                ),
                Some(InstanceKey::Key(k)) => (
                    format!("{}module.{name}[{k:?}].", self.address),
                    Value::String(k.clone()),
                ),
                None => (format!("{}module.{name}.", self.address), Value::Null),
            };
            let child = ModuleInstance::new(
                child_source,
                self.root_dir,
                address,
                &inputs,
                self.diagnostics.clone(),
                true,
            );
            instances.push((key_value, child));
        }
        let instances = Rc::new(instances);
        self.children
            .borrow_mut()
            .insert(name.to_owned(), instances.clone());
        Some(instances)
    }

    /// The instances of a block with `count` or `for_each`: (key, each, count.index). A block
    /// with neither has one instance without a key.
    fn expand(&self, block: Located<'m, Block>) -> Vec<Instance> {
        let body = &block.item.body;
        let scope = self.scope_for(block.file);
        if let Some(count) = body.get_attribute("count") {
            let origin = block.file.source.origin(count.span());
            return match scope.eval(&count.value) {
                Ok(Value::Number(n)) if n >= 0.0 && n.fract() == 0.0 => (0..n as usize)
                    .map(|index| (Some(InstanceKey::Index(index)), None, Some(index)))
                    .collect(),
                Ok(Value::Unknown(unknown)) => {
                    self.report(Diagnostic::warning(
                        origin,
                        format!("count depends on `{}`, known only after apply: the block is not expanded", unknown.what),
                    ));
                    Vec::new()
                }
                Ok(other) => {
                    self.report(Diagnostic::error(
                        origin,
                        format!("count must be a whole number, not {}", other.type_name()),
                    ));
                    Vec::new()
                }
                Err(error) => {
                    self.report_error(error);
                    Vec::new()
                }
            };
        }
        if let Some(for_each) = body.get_attribute("for_each") {
            let origin = block.file.source.origin(for_each.span());
            return match scope.eval(&for_each.value) {
                Ok(Value::Object(map)) => map
                    .into_iter()
                    .map(|(key, value)| {
                        (
                            Some(InstanceKey::Key(key.clone())),
                            Some((Value::String(key), value)),
                            None,
                        )
                    })
                    .collect(),
                Ok(Value::List(items)) => {
                    let mut keys = Vec::new();
                    for item in items {
                        match item.as_str() {
                            Some(text) => keys.push(text.to_owned()),
                            None if matches!(item, Value::Unknown(_)) => {
                                let what = match &item {
                                    Value::Unknown(unknown) => unknown.what.clone(),
                                    _ => String::new(),
                                };
                                self.report(Diagnostic::warning(
                                    origin.clone(),
                                    format!("for_each depends on `{what}`, known only after apply: the block is not expanded"),
                                ));
                                return Vec::new();
                            }
                            None => {
                                self.report(Diagnostic::error(
                                    origin.clone(),
                                    "for_each over a set needs strings (use a map to iterate over other values)",
                                ));
                                return Vec::new();
                            }
                        }
                    }
                    keys.sort();
                    keys.dedup();
                    keys.into_iter()
                        .map(|key| {
                            (
                                Some(InstanceKey::Key(key.clone())),
                                Some((Value::String(key.clone()), Value::String(key))),
                                None,
                            )
                        })
                        .collect()
                }
                Ok(Value::Unknown(unknown)) => {
                    self.report(Diagnostic::warning(
                        origin,
                        format!("for_each depends on `{}`, known only after apply: the block is not expanded", unknown.what),
                    ));
                    Vec::new()
                }
                Ok(other) => {
                    self.report(Diagnostic::error(
                        origin,
                        format!(
                            "for_each must be a map or a set of strings, not {}",
                            other.type_name()
                        ),
                    ));
                    Vec::new()
                }
                Err(error) => {
                    self.report_error(error);
                    Vec::new()
                }
            };
        }
        vec![(None, None, None)]
    }

    /// Evaluates every managed resource of this instance and of its local modules.
    pub(crate) fn resources(&self, out: &mut Vec<ResourceInstance>) {
        for ((resource_type, name), block) in &self.index.resources {
            for (key, each, count) in self.expand(*block) {
                let mut scope = self.scope_for(block.file);
                scope.each = each;
                scope.count_index = count;
                let body = self.evaluate_body(&scope, &block.item.body, block.origin(), 0);
                let address = match &key {
                    Some(InstanceKey::Index(i)) => {
                        format!("{}{resource_type}.{name}[{i}]", self.address)
                    }
                    Some(InstanceKey::Key(k)) => {
                        format!("{}{resource_type}.{name}[{k:?}]", self.address)
                    }
                    None => format!("{}{resource_type}.{name}", self.address),
                };
                out.push(ResourceInstance {
                    resource_type: resource_type.clone(),
                    name: name.clone(),
                    key,
                    address,
                    body,
                });
            }
        }
        // Outputs and locals nobody references still have to be valid configuration.
        for (name, output) in &self.index.outputs {
            if let Some(value) = output.item.body.get_attribute("value") {
                if let Err(error) = self.scope_for(output.file).eval(&value.value) {
                    self.report(Diagnostic::error(
                        error.origin,
                        format!("output `{name}`: {}", error.message),
                    ));
                }
            }
        }
        let mut local_names: Vec<&String> = self.index.locals.keys().collect();
        local_names.sort();
        for name in local_names {
            if let Some(local) = self.index.locals.get(name) {
                let _ = self.local(name, &local.origin());
            }
        }
        let call_names: Vec<String> = self.index.module_calls.keys().cloned().collect();
        for name in call_names {
            if let Some(children) = self.child_instances(&name) {
                for (_, child) in children.iter() {
                    child.resources(out);
                }
            }
        }
    }

    /// Blocks this loader does not evaluate but reports (`helm_release` is a resource; this is
    /// for anything else worth a note).
    pub(crate) fn evaluate_body(
        &self,
        scope: &Scope<'_>,
        body: &Body,
        origin: Origin,
        depth: usize,
    ) -> Evaluated {
        let mut evaluated = Evaluated {
            attributes: BTreeMap::new(),
            blocks: Vec::new(),
            origin,
        };
        if depth > 32 {
            return evaluated;
        }
        for structure in body.iter() {
            match structure {
                Structure::Attribute(attribute) => {
                    let key = attribute.key.value().as_str();
                    if depth == 0 && matches!(key, "count" | "for_each" | "depends_on" | "provider")
                    {
                        continue;
                    }
                    let origin = scope.origin_of(attribute.span());
                    match scope.eval(&attribute.value) {
                        Ok(value) => {
                            evaluated.attributes.insert(key.to_owned(), (value, origin));
                        }
                        Err(error) => self.report_error(error),
                    }
                }
                Structure::Block(block) => {
                    let ident = block.ident.value().as_str();
                    if depth == 0 && matches!(ident, "lifecycle" | "provisioner" | "connection") {
                        continue;
                    }
                    if ident == "dynamic" {
                        self.expand_dynamic(scope, block, &mut evaluated, depth);
                        continue;
                    }
                    let nested = self.evaluate_body(
                        scope,
                        &block.body,
                        scope.origin_of(block.span()),
                        depth + 1,
                    );
                    evaluated.blocks.push((ident.to_owned(), nested));
                }
            }
        }
        evaluated
    }

    fn expand_dynamic(&self, scope: &Scope<'_>, block: &Block, out: &mut Evaluated, depth: usize) {
        let origin = scope.origin_of(block.span());
        let Some(label) = block.labels.first().map(|label| label.as_str().to_owned()) else {
            self.report(Diagnostic::error(
                origin,
                "a dynamic block needs the type of block it generates as its label",
            ));
            return;
        };
        let iterator = block
            .body
            .get_attribute("iterator")
            .and_then(|attribute| match &attribute.value {
                Expression::Variable(ident) => Some(ident.value().as_str().to_owned()),
                _ => None,
            })
            .unwrap_or_else(|| label.clone());
        let Some(for_each) = block.body.get_attribute("for_each") else {
            self.report(Diagnostic::error(
                origin,
                format!("dynamic block `{label}` has no for_each"),
            ));
            return;
        };
        let Some(content) = block
            .body
            .blocks()
            .find(|b| b.ident.value().as_str() == "content")
        else {
            self.report(Diagnostic::error(
                origin,
                format!("dynamic block `{label}` has no content block"),
            ));
            return;
        };
        let items: Vec<(Value, Value)> = match scope.eval(&for_each.value) {
            Ok(Value::List(items)) => items
                .into_iter()
                .enumerate()
                .map(|(index, item)| (Value::Number(index as f64), item))
                .collect(),
            Ok(Value::Object(map)) => map
                .into_iter()
                .map(|(key, value)| (Value::String(key), value))
                .collect(),
            Ok(Value::Unknown(unknown)) => {
                self.report(Diagnostic::warning(
                    origin,
                    format!("dynamic block `{label}` depends on `{}`, known only after apply: not expanded", unknown.what),
                ));
                return;
            }
            Ok(Value::Null) => Vec::new(),
            Ok(other) => {
                self.report(Diagnostic::error(
                    origin,
                    format!(
                        "dynamic block `{label}`: for_each must be a collection, not {}",
                        other.type_name()
                    ),
                ));
                return;
            }
            Err(error) => {
                self.report_error(error);
                return;
            }
        };
        for (key, value) in items {
            let mut inner = scope.clone();
            let mut object = BTreeMap::new();
            object.insert("key".to_owned(), key);
            object.insert("value".to_owned(), value);
            inner
                .bindings
                .push((iterator.clone(), Value::Object(object)));
            let nested = self.evaluate_body(
                &inner,
                &content.body,
                scope.origin_of(content.span()),
                depth + 1,
            );
            out.blocks.push((label.clone(), nested));
        }
    }

    /// Blocks other than variables, locals, outputs, resources, data and modules (terraform,
    /// provider, moved, import, check): ignored.
    #[allow(dead_code)]
    pub(crate) fn other_block_count(&self) -> usize {
        self.index.others.len()
    }
}

impl Context for ModuleInstance<'_> {
    fn variable(&self, name: &str) -> Option<Value> {
        self.variables.get(name).cloned()
    }

    fn local(&self, name: &str, origin: &Origin) -> EvalResult {
        match self.locals.borrow().get(name) {
            Some(LocalState::Done(value)) => return Ok(value.clone()),
            Some(LocalState::InProgress) => {
                let stack = self.local_stack.borrow();
                let start = stack.iter().position(|entry| entry == name).unwrap_or(0);
                let mut cycle: Vec<String> = stack
                    .get(start..)
                    .unwrap_or_default()
                    .iter()
                    .map(|entry| format!("local.{entry}"))
                    .collect();
                cycle.push(format!("local.{name}"));
                let at = self
                    .index
                    .locals
                    .get(name)
                    .map(Located::origin)
                    .unwrap_or_else(|| origin.clone());
                return Err(EvalError::fatal(
                    at,
                    format!(
                        "local values refer to each other in a cycle: {}",
                        cycle.join(" -> ")
                    ),
                ));
            }
            None => {}
        }
        let Some(definition) = self.index.locals.get(name).copied() else {
            return Err(EvalError::fatal(
                origin.clone(),
                format!("reference to undeclared local value `local.{name}`"),
            ));
        };
        if self.local_stack.borrow().len() >= MAX_REFERENCE_DEPTH {
            // Not cached: from a shallower start the same local evaluates normally.
            self.report(Diagnostic::warning(
                definition.origin(),
                format!(
                    "local values refer to each other more than {MAX_REFERENCE_DEPTH} levels deep: the chain is not followed further and its value is treated as unknown"
                ),
            ));
            return Ok(Value::unknown(format!("local.{name}")));
        }
        self.locals
            .borrow_mut()
            .insert(name.to_owned(), LocalState::InProgress);
        self.local_stack.borrow_mut().push(name.to_owned());
        let result = self.scope_for(definition.file).eval(&definition.item.value);
        self.local_stack.borrow_mut().pop();
        let value = match result {
            Ok(value) => value,
            Err(error) => {
                let is_cycle = error
                    .message
                    .starts_with("local values refer to each other");
                self.report_error(error.clone());
                if is_cycle && !self.local_stack.borrow().is_empty() {
                    // Let every local of the cycle fail the same way; the diagnostic is reported
                    // once (diagnostics are deduplicated).
                    self.locals.borrow_mut().remove(name);
                    return Err(error);
                }
                Value::unknown(format!("local.{name}"))
            }
        };
        self.locals
            .borrow_mut()
            .insert(name.to_owned(), LocalState::Done(value.clone()));
        Ok(value)
    }

    fn module(&self, name: &str, origin: &Origin) -> EvalResult {
        if !self.index.module_calls.contains_key(name) {
            return Err(EvalError::fatal(
                origin.clone(),
                format!("reference to undeclared module `module.{name}`"),
            ));
        }
        let Some(instances) = self.child_instances(name) else {
            // A registry or remote module: its outputs are unknown.
            return Ok(Value::unknown(format!("module.{name}")));
        };
        let call = self.index.module_calls.get(name).copied();
        let outputs = |child: &ModuleInstance<'_>| -> Value {
            let mut map = BTreeMap::new();
            for (output_name, output) in &child.index.outputs {
                if let Some(value) = output.item.body.get_attribute("value") {
                    let result = child.scope_for(output.file).eval(&value.value);
                    map.insert(
                        output_name.clone(),
                        result.unwrap_or_else(|_| {
                            Value::unknown(format!("module.{name}.{output_name}"))
                        }),
                    );
                }
            }
            Value::Object(map)
        };
        let has_count = call.is_some_and(|c| c.item.body.has_attribute("count"));
        let has_for_each = call.is_some_and(|c| c.item.body.has_attribute("for_each"));
        Ok(if has_count {
            Value::List(instances.iter().map(|(_, child)| outputs(child)).collect())
        } else if has_for_each {
            Value::Object(
                instances
                    .iter()
                    .map(|(key, child)| {
                        (key.to_template_string().unwrap_or_default(), outputs(child))
                    })
                    .collect(),
            )
        } else {
            instances
                .first()
                .map(|(_, child)| outputs(child))
                .unwrap_or_else(|| Value::Object(BTreeMap::new()))
        })
    }

    fn has_resource(&self, resource_type: &str, name: &str) -> bool {
        self.index
            .resources
            .contains_key(&(resource_type.to_owned(), name.to_owned()))
            || self
                .index
                .data
                .contains(&(resource_type.to_owned(), name.to_owned()))
    }

    fn resource_attribute(
        &self,
        resource_type: &str,
        name: &str,
        attribute: &str,
    ) -> Option<Value> {
        let block = *self
            .index
            .resources
            .get(&(resource_type.to_owned(), name.to_owned()))?;
        let body = &block.item.body;
        if body.has_attribute("count") || body.has_attribute("for_each") {
            return None;
        }
        let guard_key = (
            resource_type.to_owned(),
            name.to_owned(),
            attribute.to_owned(),
        );
        // A reference back to itself, or a chain too long to follow: known after apply.
        if self.attribute_guard.borrow().len() >= MAX_REFERENCE_DEPTH
            || !self.attribute_guard.borrow_mut().insert(guard_key.clone())
        {
            return None;
        }
        let scope = self.scope_for(block.file);
        let result = match body.get_attribute(attribute) {
            Some(definition) => scope.eval(&definition.value).ok(),
            // A nested block (`metadata { name = ... }`) reads as a list of objects, as
            // `kubernetes_config_map_v1.app.metadata[0].name` expects.
            None => {
                let nested: Vec<Value> = body
                    .blocks()
                    .filter(|nested| nested.ident.value().as_str() == attribute)
                    .map(|nested| block_value(&scope, &nested.body, 0))
                    .collect();
                (!nested.is_empty()).then_some(Value::List(nested))
            }
        };
        self.attribute_guard.borrow_mut().remove(&guard_key);
        result
    }

    fn path_module(&self) -> String {
        self.source.path_module.clone()
    }

    fn root_dir(&self) -> &Path {
        self.root_dir
    }
}

/// The attributes and nested blocks of a block body as an object value; attributes that do not
/// evaluate are left out (they are reported where the resource itself is evaluated).
fn block_value(scope: &Scope<'_>, body: &Body, depth: usize) -> Value {
    let mut map = BTreeMap::new();
    if depth > 16 {
        return Value::Object(map);
    }
    for attribute in body.attributes() {
        if let Ok(value) = scope.eval(&attribute.value) {
            map.insert(attribute.key.value().as_str().to_owned(), value);
        }
    }
    let mut nested: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for block in body.blocks() {
        nested
            .entry(block.ident.value().as_str().to_owned())
            .or_default()
            .push(block_value(scope, &block.body, depth + 1));
    }
    for (name, values) in nested {
        map.insert(name, Value::List(values));
    }
    Value::Object(map)
}

/// A context with no variables, locals or resources: for `.tfvars` files, variable defaults and
/// types, which Terraform evaluates without references.
pub(crate) struct ConstContext<'a> {
    pub(crate) root_dir: &'a Path,
}

impl Context for ConstContext<'_> {
    fn variable(&self, _name: &str) -> Option<Value> {
        None
    }

    fn local(&self, name: &str, origin: &Origin) -> EvalResult {
        Err(EvalError::fatal(
            origin.clone(),
            format!("`local.{name}` cannot be used here: only constant values are allowed"),
        ))
    }

    fn module(&self, name: &str, origin: &Origin) -> EvalResult {
        Err(EvalError::fatal(
            origin.clone(),
            format!("`module.{name}` cannot be used here: only constant values are allowed"),
        ))
    }

    fn has_resource(&self, _resource_type: &str, _name: &str) -> bool {
        false
    }

    fn resource_attribute(&self, _: &str, _: &str, _: &str) -> Option<Value> {
        None
    }

    fn path_module(&self) -> String {
        ".".to_owned()
    }

    fn root_dir(&self) -> &Path {
        self.root_dir
    }
}

/// A `--var NAME=VALUE` value: for a variable of a primitive type (or without a type) the text
/// itself; for a collection type the text parsed as an HCL expression, as Terraform does.
fn text_input(
    text: &str,
    constraint: Option<&TypeConstraint>,
    context: &ConstContext<'_>,
    origin: &Origin,
) -> Value {
    if constraint.is_some_and(TypeConstraint::is_complex) {
        if let Ok(expression) = hcl::edit::parser::parse_expr(text) {
            let file = SourceFile::new(origin.file.clone(), text);
            if let Ok(value) = Scope::new(context, &file).eval(&expression) {
                return value;
            }
        }
    }
    Value::String(text.to_owned())
}

/// Reads a `.tfvars` (HCL) or `.tfvars.json` file into variable inputs.
pub(crate) fn read_tfvars(
    path: &Path,
    root_dir: &Path,
    max_bytes: u64,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<(String, VariableInput)> {
    let display: ArcStr = ArcStr::from(path.display().to_string());
    let text = match parity_source::read_text(path, max_bytes) {
        Ok(text) => text,
        Err(error) => {
            diagnostics.push(Diagnostic::error(
                Origin::file(display),
                format!("cannot read variables file: {error}"),
            ));
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    if path.to_string_lossy().ends_with(".json") {
        match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(serde_json::Value::Object(map)) => {
                for (name, value) in map {
                    out.push((
                        name,
                        VariableInput::Value(
                            Value::from_json(&value),
                            Origin::file(display.clone()),
                        ),
                    ));
                }
            }
            Ok(_) => diagnostics.push(Diagnostic::error(
                Origin::file(display),
                "a .tfvars.json file must hold a JSON object",
            )),
            Err(error) => diagnostics.push(Diagnostic::error(
                Origin::new(
                    display,
                    u32::try_from(error.line()).unwrap_or(0),
                    u32::try_from(error.column()).unwrap_or(0),
                ),
                format!("invalid JSON: {error}"),
            )),
        }
        return out;
    }
    let body = match hcl::edit::parser::parse_body(&text) {
        Ok(body) => body,
        Err(error) => {
            diagnostics.push(Diagnostic::error(
                Origin::new(
                    display,
                    u32::try_from(error.location().line()).unwrap_or(0),
                    u32::try_from(error.location().column()).unwrap_or(0),
                ),
                format!("syntax error: {}", error.message()),
            ));
            return out;
        }
    };
    let file = SourceFile::new(display, &text);
    let context = ConstContext { root_dir };
    let scope = Scope::new(&context, &file);
    for attribute in body.attributes() {
        let origin = file.origin(attribute.span());
        match scope.eval(&attribute.value) {
            Ok(value) => out.push((
                attribute.key.value().as_str().to_owned(),
                VariableInput::Value(value, origin),
            )),
            Err(error) => diagnostics.push(Diagnostic::error(error.origin, error.message)),
        }
    }
    for block in body.blocks() {
        diagnostics.push(Diagnostic::error(
            file.origin(block.span()),
            "a variables file holds only `name = value` assignments, not blocks",
        ));
    }
    out
}
