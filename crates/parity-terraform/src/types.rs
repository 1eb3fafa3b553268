//! Variable type constraints (`type = map(string)`) and Terraform's conversion of input values
//! to them.

use std::collections::BTreeMap;

use hcl::edit::expr::Expression;

use crate::eval::{Scope, to_bool, to_number};
use crate::value::Value;

/// A variable's declared type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TypeConstraint {
    Any,
    String,
    Number,
    Bool,
    List(Box<TypeConstraint>),
    Set(Box<TypeConstraint>),
    Map(Box<TypeConstraint>),
    /// Attributes with their type and, for `optional(type, default)`, whether optional and
    /// the default.
    Object(BTreeMap<String, (TypeConstraint, bool, Option<Value>)>),
    Tuple(Vec<TypeConstraint>),
}

impl TypeConstraint {
    /// Reads a type expression; anything not understood is `any` (conversion is then skipped,
    /// never wrong).
    pub(crate) fn parse(expr: &Expression, scope: &Scope<'_>) -> TypeConstraint {
        match expr {
            Expression::Variable(ident) => match ident.value().as_str() {
                "string" => TypeConstraint::String,
                "number" => TypeConstraint::Number,
                "bool" => TypeConstraint::Bool,
                _ => TypeConstraint::Any,
            },
            Expression::FuncCall(call) => {
                let args: Vec<&Expression> = call.args.iter().collect();
                let inner = || {
                    args.first()
                        .map(|arg| TypeConstraint::parse(arg, scope))
                        .unwrap_or(TypeConstraint::Any)
                };
                match call.name.name.value().as_str() {
                    "list" => TypeConstraint::List(Box::new(inner())),
                    "set" => TypeConstraint::Set(Box::new(inner())),
                    "map" => TypeConstraint::Map(Box::new(inner())),
                    "tuple" => match args.first() {
                        Some(Expression::Array(items)) => TypeConstraint::Tuple(
                            items
                                .iter()
                                .map(|item| TypeConstraint::parse(item, scope))
                                .collect(),
                        ),
                        _ => TypeConstraint::Any,
                    },
                    "object" => match args.first() {
                        Some(Expression::Object(object)) => {
                            let mut attributes = BTreeMap::new();
                            for (key, value) in object.iter() {
                                let name = match key {
                                    hcl::edit::expr::ObjectKey::Ident(ident) => {
                                        ident.value().as_str().to_owned()
                                    }
                                    hcl::edit::expr::ObjectKey::Expression(expression) => {
                                        expression.as_str().unwrap_or_default().to_owned()
                                    }
                                };
                                attributes.insert(name, parse_attribute(value.expr(), scope));
                            }
                            TypeConstraint::Object(attributes)
                        }
                        _ => TypeConstraint::Any,
                    },
                    _ => TypeConstraint::Any,
                }
            }
            _ => TypeConstraint::Any,
        }
    }

    /// Whether a `--var` value of this type is written as an HCL expression.
    pub(crate) fn is_complex(&self) -> bool {
        !matches!(
            self,
            TypeConstraint::Any
                | TypeConstraint::String
                | TypeConstraint::Number
                | TypeConstraint::Bool
        )
    }
}

fn parse_attribute(expr: &Expression, scope: &Scope<'_>) -> (TypeConstraint, bool, Option<Value>) {
    if let Expression::FuncCall(call) = expr {
        if call.name.name.value().as_str() == "optional" {
            let args: Vec<&Expression> = call.args.iter().collect();
            let constraint = args
                .first()
                .map(|arg| TypeConstraint::parse(arg, scope))
                .unwrap_or(TypeConstraint::Any);
            let default = args.get(1).and_then(|arg| scope.eval(arg).ok());
            return (constraint, true, default);
        }
    }
    (TypeConstraint::parse(expr, scope), false, None)
}

/// Converts a value to a type as Terraform does for variables: primitives convert between each
/// other where the text allows, collections element by element, objects get their optional
/// attributes' defaults.
pub(crate) fn convert(value: Value, constraint: &TypeConstraint) -> Result<Value, String> {
    if matches!(value, Value::Unknown(_) | Value::Null) {
        return Ok(value);
    }
    match constraint {
        TypeConstraint::Any => Ok(value),
        TypeConstraint::String => value
            .to_template_string()
            .map(Value::String)
            .ok_or_else(|| format!("a string is required, not {}", value.type_name())),
        TypeConstraint::Number => to_number(&value)
            .map(Value::Number)
            .ok_or_else(|| format!("a number is required, not {}", describe(&value))),
        TypeConstraint::Bool => to_bool(&value)
            .map(Value::Bool)
            .ok_or_else(|| format!("a bool is required, not {}", describe(&value))),
        TypeConstraint::List(inner) | TypeConstraint::Set(inner) => {
            let Value::List(items) = value else {
                return Err(format!("a list is required, not {}", value.type_name()));
            };
            let mut converted = items
                .into_iter()
                .enumerate()
                .map(|(index, item)| {
                    convert(item, inner).map_err(|message| format!("element {index}: {message}"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            if matches!(constraint, TypeConstraint::Set(_)) {
                let mut unique: Vec<Value> = Vec::new();
                for item in converted.drain(..) {
                    if !unique.contains(&item) {
                        unique.push(item);
                    }
                }
                if unique.iter().all(|item| matches!(item, Value::String(_))) {
                    unique.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
                }
                converted = unique;
            }
            Ok(Value::List(converted))
        }
        TypeConstraint::Map(inner) => {
            let Value::Object(map) = value else {
                return Err(format!("a map is required, not {}", value.type_name()));
            };
            map.into_iter()
                .map(|(key, item)| {
                    convert(item, inner)
                        .map(|converted| (key.clone(), converted))
                        .map_err(|message| format!("element {key:?}: {message}"))
                })
                .collect::<Result<BTreeMap<_, _>, _>>()
                .map(Value::Object)
        }
        TypeConstraint::Object(attributes) => {
            let Value::Object(mut map) = value else {
                return Err(format!("an object is required, not {}", value.type_name()));
            };
            let mut out = BTreeMap::new();
            for (name, (attribute_type, optional, default)) in attributes {
                match map.remove(name) {
                    Some(Value::Null) | None if *optional => {
                        let filled = default.clone().unwrap_or(Value::Null);
                        out.insert(name.clone(), convert(filled, attribute_type)?);
                    }
                    Some(item) => {
                        out.insert(
                            name.clone(),
                            convert(item, attribute_type)
                                .map_err(|message| format!("attribute {name:?}: {message}"))?,
                        );
                    }
                    None => return Err(format!("attribute {name:?} is required")),
                }
            }
            Ok(Value::Object(out))
        }
        TypeConstraint::Tuple(types) => {
            let Value::List(items) = value else {
                return Err(format!("a tuple is required, not {}", value.type_name()));
            };
            if items.len() != types.len() {
                return Err(format!(
                    "a tuple of {} elements is required, not {}",
                    types.len(),
                    items.len()
                ));
            }
            items
                .into_iter()
                .zip(types)
                .map(|(item, item_type)| convert(item, item_type))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::List)
        }
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::String(text) => format!("{text:?}"),
        other => format!("a {}", other.type_name()),
    }
}
