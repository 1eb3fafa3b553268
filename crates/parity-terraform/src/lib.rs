//! Terraform → parity's resource graph.
//!
//! A root module is read the way `terraform plan` sees it, without providers and without
//! network: `.tf` and `.tf.json` files, variables with Terraform's precedence (defaults,
//! `terraform.tfvars`, `terraform.tfvars.json`, `*.auto.tfvars(.json)` in lexical order, then
//! `--var-file` files and `--var` values), locals evaluated in dependency order, local modules
//! followed recursively, `count` and `for_each` expanded into instances, and a library of
//! Terraform's built-in functions ([`FUNCTIONS`]). What Terraform only knows after apply (an ECR
//! repository URL, a database address) stays a typed unknown ([`Value::Unknown`]).
//!
//! `terraform show -json` output (a plan or a state) is read too: it is what is really deployed.
//!
//! Workloads (`kubernetes_deployment`, `aws_ecs_task_definition` + `aws_ecs_service`, Cloud
//! Run, Container Apps, `docker_container`, `aws_lambda_function`) become services; managed
//! databases and caches become backing services with engine and version.

mod eval;
mod functions;
mod heredoc;
mod json_syntax;
mod mapping;
mod module;
mod show_json;
mod types;
mod value;

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use parity_model::{ArcStr, Diagnostic, Environment, Origin};

pub use functions::FUNCTIONS;
pub use parity_model::UNKNOWN_REGISTRY;
pub use value::{Unknown, Value};

use crate::module::{ConstContext, ModuleInstance, VariableInput};

/// How to read a Terraform root module.
#[derive(Debug, Clone)]
pub struct TerraformOptions {
    /// `-var-file` files and `-var NAME=VALUE` values in command-line order: applied after the
    /// auto-loaded files, each overriding what came before, as `terraform plan` does.
    pub variables: Vec<CliVariable>,
    /// Largest file read, in bytes.
    pub max_file_bytes: u64,
}

impl Default for TerraformOptions {
    fn default() -> Self {
        Self {
            variables: Vec::new(),
            max_file_bytes: parity_source::DEFAULT_MAX_FILE_BYTES,
        }
    }
}

/// A variable given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CliVariable {
    /// `-var-file FILE`.
    File(PathBuf),
    /// `-var NAME=VALUE` (the value is read as HCL when it parses, as Terraform does).
    Value(String, String),
}

/// Whether `dir` holds a Terraform module (a `.tf` or `.tf.json` file).
pub fn is_module_dir(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .filter_map(Result::ok)
            .any(|entry| module::is_config_file(&entry.path()) && entry.path().is_file())
    })
}

/// Loads the root module in `dir` into `env`: files read, services, backing services and
/// diagnostics (syntax errors with file, line and column; undeclared variables and unknown
/// functions at their location; remote modules as notes).
pub fn load_module(dir: &Path, options: &TerraformOptions, env: &mut Environment) {
    // Evaluation recurses through references (a local using a local using a module output ...);
    // a thread with a generous stack keeps deep but legal configurations from overflowing the
    // caller's (often 2 MiB) thread stack. Chains are also capped (see `module.rs`).
    let evaluated = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("parity-terraform".to_owned())
            .stack_size(EVALUATION_STACK_BYTES)
            .spawn_scoped(scope, || {
                let mut inner = Environment::new(env.root.clone());
                load_module_here(dir, options, &mut inner);
                inner
            })
            .ok()
            .and_then(|handle| handle.join().ok())
    });
    match evaluated {
        Some(inner) => {
            env.files.extend(inner.files);
            env.diagnostics.extend(inner.diagnostics);
            merge_graph(inner.graph, env);
        }
        // No thread could be started: evaluate on the caller's stack.
        None => load_module_here(dir, options, env),
    }
}

/// Stack size of the evaluation thread.
const EVALUATION_STACK_BYTES: usize = 256 * 1024 * 1024;

/// Moves the nodes and edges of `graph` into `env`'s graph.
fn merge_graph(graph: parity_model::ResourceGraph, env: &mut Environment) {
    let mut moved = std::collections::HashMap::new();
    for (index, node) in graph.nodes() {
        moved.insert(index, env.graph.add(node.clone()));
    }
    for (index, _) in graph.nodes() {
        for (edge, target) in graph.edges_from(index) {
            if let (Some(from), Some(to)) = (moved.get(&index), moved.get(&target)) {
                env.graph.connect(*from, *to, edge);
            }
        }
    }
}

fn load_module_here(dir: &Path, options: &TerraformOptions, env: &mut Environment) {
    let mut diagnostics = Vec::new();
    let source = module::read_module(
        dir,
        dir,
        options.max_file_bytes,
        &mut env.files,
        &mut diagnostics,
        0,
    );
    let mut inputs: Vec<(String, VariableInput)> = Vec::new();
    let mut read_var_file = |file: PathBuf, inputs: &mut Vec<(String, VariableInput)>| {
        env.files.push(file.display().to_string());
        inputs.extend(module::read_tfvars(
            &file,
            dir,
            options.max_file_bytes,
            &mut diagnostics,
        ));
    };
    for file in auto_var_files(dir) {
        read_var_file(file, &mut inputs);
    }
    let command_line: ArcStr = ArcStr::from("--var");
    for variable in &options.variables {
        match variable {
            CliVariable::File(file) => read_var_file(file.clone(), &mut inputs),
            CliVariable::Value(name, value) => inputs.push((
                name.clone(),
                VariableInput::Text(value.clone(), Origin::file(command_line.clone())),
            )),
        }
    }
    let shared = Rc::new(RefCell::new(diagnostics));
    let mut resources = Vec::new();
    {
        let root = ModuleInstance::new(&source, dir, String::new(), &inputs, shared.clone(), false);
        root.resources(&mut resources);
    }
    env.diagnostics.extend(shared.take());
    let mut files = std::collections::HashMap::new();
    collect_files(&source, &mut files);
    let locate = |origin: &Origin, name: &str| {
        files
            .get(origin.file.as_str())
            .and_then(|file: &&eval::SourceFile| file.locate_name(origin.line, name))
    };
    mapping::map_resources(&resources, env, &locate);
}

/// Every file of a module tree by its display path.
fn collect_files<'m>(
    module: &'m module::ModuleSource,
    out: &mut std::collections::HashMap<&'m str, &'m eval::SourceFile>,
) {
    for file in &module.files {
        out.insert(file.source.display.as_ref(), &file.source);
    }
    for child in module.children.values() {
        collect_files(child, out);
    }
}

/// `terraform.tfvars`, `terraform.tfvars.json`, then `*.auto.tfvars` and `*.auto.tfvars.json`
/// in lexical order: the files Terraform loads by itself, lowest precedence first.
fn auto_var_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for name in ["terraform.tfvars", "terraform.tfvars.json"] {
        let path = dir.join(name);
        if path.is_file() {
            out.push(path);
        }
    }
    let mut auto: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| {
                    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                    (name.ends_with(".auto.tfvars") || name.ends_with(".auto.tfvars.json"))
                        && path.is_file()
                })
                .collect()
        })
        .unwrap_or_default();
    auto.sort();
    out.extend(auto);
    out
}

/// Whether a JSON text is `terraform show -json` output (a plan or a state).
pub fn looks_like_show_json(text: &str) -> bool {
    show_json::looks_like(text)
}

/// Loads `terraform show -json` output (plan or state) into `env`.
pub fn load_show_json(display: &str, text: &str, env: &mut Environment) {
    env.files.push(display.to_owned());
    show_json::load(ArcStr::from(display), text, env);
}

/// Evaluates one expression with no variables, as `terraform console` does in an empty module
/// whose folder is `dir` (for `file` and `templatefile`). Errors are `line:column: message`.
pub fn evaluate_expression(text: &str, dir: &Path) -> Result<Value, String> {
    let expression = hcl::edit::parser::parse_expr(text).map_err(|error| {
        format!(
            "{}:{}: {}",
            error.location().line(),
            error.location().column(),
            error.message()
        )
    })?;
    let context = ConstContext { root_dir: dir };
    let file = eval::SourceFile::new(ArcStr::from("<expression>"), text);
    eval::Scope::new(&context, &file)
        .eval(&expression)
        .map_err(|error| {
            format!(
                "{}:{}: {}",
                error.origin.line, error.origin.column, error.message
            )
        })
}

/// A diagnostic for a whole root that holds nothing Terraform can read.
pub fn empty_module_diagnostic(dir: &Path) -> Diagnostic {
    Diagnostic::error(
        Origin::file(ArcStr::from(dir.display().to_string())),
        "no .tf or .tf.json file found",
    )
}
