//! Every built-in function and expression form, against the results Terraform documents.
//!
//! The expected values were produced by `terraform console` 1.11 (each row's expression wrapped
//! in `jsonencode`). `console_reference` re-runs the whole table through the installed
//! `terraform` when there is one (set `PARITY_REQUIRE_REFERENCE=terraform` to make its absence
//! a failure).

#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::path::Path;

use parity_terraform::evaluate_expression;

/// (expression, its value as compact JSON).
const TABLE: &[(&str, &str)] = &[
    (
        "jsonencode({\"b\" = 2, \"a\" = [true, null, \"x<y\"]})",
        "\"{\\\"a\\\":[true,null,\\\"x\\\\u003cy\\\"],\\\"b\\\":2}\"",
    ),
    (
        "jsondecode(\"{\\\"hello\\\": \\\"world\\\", \\\"n\\\": [1, 2.5]}\")",
        "{\"hello\":\"world\",\"n\":[1,2.5]}",
    ),
    (
        "yamlencode({a = \"b\", c = [1, 2], d = {e = true}, f = [{g = 1}]})",
        "\"\\\"a\\\": \\\"b\\\"\\n\\\"c\\\":\\n- 1\\n- 2\\n\\\"d\\\":\\n  \\\"e\\\": true\\n\\\"f\\\":\\n- \\\"g\\\": 1\\n\"",
    ),
    (
        "yamldecode(\"hello: world\\nlist: [1, true, ~, \\\"2\\\"]\\n\")",
        "{\"hello\":\"world\",\"list\":[1,true,null,\"2\"]}",
    ),
    (
        "merge({a = \"b\", c = \"d\"}, {e = \"f\", c = \"z\"})",
        "{\"a\":\"b\",\"c\":\"z\",\"e\":\"f\"}",
    ),
    ("merge({a = 1}, null, {b = 2})", "{\"a\":1,\"b\":2}"),
    (
        "lookup({a = \"ay\", b = \"bee\"}, \"a\", \"what?\")",
        "\"ay\"",
    ),
    (
        "lookup({a = \"ay\", b = \"bee\"}, \"c\", \"what?\")",
        "\"what?\"",
    ),
    (
        "concat([\"a\", \"\"], [\"b\", \"c\"])",
        "[\"a\",\"\",\"b\",\"c\"]",
    ),
    (
        "flatten([[\"a\", \"b\"], [], [\"c\"]])",
        "[\"a\",\"b\",\"c\"]",
    ),
    (
        "flatten([[[\"a\", \"b\"], []], [\"c\"]])",
        "[\"a\",\"b\",\"c\"]",
    ),
    (
        "distinct([\"a\", \"b\", \"a\", \"c\", \"d\", \"b\"])",
        "[\"a\",\"b\",\"c\",\"d\"]",
    ),
    ("format(\"Hello, %s!\", \"Ander\")", "\"Hello, Ander!\""),
    (
        "format(\"There are %d lights\", 4)",
        "\"There are 4 lights\"",
    ),
    (
        "format(\"%-5s|%03d|%5.2f|%q|%%|%t\", \"ab\", 7, 3.14159, \"q\", true)",
        "\"ab   |007| 3.14|\\\"q\\\"|%|true\"",
    ),
    ("format(\"%v\", [1, \"a\"])", "\"[1,\\\"a\\\"]\""),
    (
        "formatlist(\"Hello, %s!\", [\"Valentina\", \"Ander\", \"Olivia\", \"Sam\"])",
        "[\"Hello, Valentina!\",\"Hello, Ander!\",\"Hello, Olivia!\",\"Hello, Sam!\"]",
    ),
    (
        "formatlist(\"%s, %s!\", \"Salutations\", [\"Valentina\", \"Ander\"])",
        "[\"Salutations, Valentina!\",\"Salutations, Ander!\"]",
    ),
    (
        "join(\", \", [\"foo\", \"bar\", \"baz\"])",
        "\"foo, bar, baz\"",
    ),
    ("join(\", \", [\"foo\"])", "\"foo\""),
    ("join(\"-\", [\"a\", \"b\"], [\"c\"])", "\"a-b-c\""),
    ("split(\",\", \"foo,bar,baz\")", "[\"foo\",\"bar\",\"baz\"]"),
    ("split(\",\", \"foo\")", "[\"foo\"]"),
    ("split(\",\", \"\")", "[\"\"]"),
    ("replace(\"1 + 2 + 3\", \"+\", \"-\")", "\"1 - 2 - 3\""),
    (
        "replace(\"hello world\", \"/w.*d/\", \"everybody\")",
        "\"hello everybody\"",
    ),
    (
        "replace(\"api-v2\", \"/^(\\\\w+)-v(\\\\d)$/\", \"$2:$1\")",
        "\"2:api\"",
    ),
    ("lower(\"HELLO\")", "\"hello\""),
    ("upper(\"hello\")", "\"HELLO\""),
    ("trimprefix(\"helloworld\", \"hello\")", "\"world\""),
    ("trimprefix(\"helloworld\", \"cat\")", "\"helloworld\""),
    ("trimsuffix(\"helloworld\", \"world\")", "\"hello\""),
    ("trimspace(\"  hello\\n\\n\")", "\"hello\""),
    ("substr(\"hello world\", 1, 4)", "\"ello\""),
    ("substr(\"🤔🤷\", 0, 1)", "\"🤔\""),
    ("substr(\"hello world\", -5, -1)", "\"world\""),
    ("substr(\"hello\", 2, 100)", "\"llo\""),
    ("startswith(\"hello world\", \"hello\")", "true"),
    ("startswith(\"hello world\", \"world\")", "false"),
    ("endswith(\"hello world\", \"world\")", "true"),
    ("contains([\"a\", \"b\", \"c\"], \"a\")", "true"),
    ("contains([\"a\", \"b\", \"c\"], \"d\")", "false"),
    ("length([])", "0"),
    ("length([\"a\", \"b\"])", "2"),
    ("length({\"a\" = \"b\"})", "1"),
    ("length(\"hello\")", "5"),
    ("length(\"🤔🤷\")", "2"),
    ("keys({a = 1, c = 2, d = 3})", "[\"a\",\"c\",\"d\"]"),
    ("values({a = 3, c = 2, d = 1})", "[3,2,1]"),
    ("zipmap([\"a\", \"b\"], [1, 2])", "{\"a\":1,\"b\":2}"),
    ("element([\"a\", \"b\", \"c\"], 1)", "\"b\""),
    ("element([\"a\", \"b\", \"c\"], 3)", "\"a\""),
    ("coalesce(\"a\", \"b\")", "\"a\""),
    ("coalesce(\"\", \"b\")", "\"b\""),
    ("coalesce(1, 2)", "1"),
    (
        "coalescelist([\"a\", \"b\"], [\"c\", \"d\"])",
        "[\"a\",\"b\"]",
    ),
    ("coalescelist([], [\"c\", \"d\"])", "[\"c\",\"d\"]"),
    ("try(tonumber(\"x\"), \"fallback\")", "\"fallback\""),
    ("try({a = 1}.b, \"no b\")", "\"no b\""),
    ("can(tonumber(\"1\"))", "true"),
    ("can(tonumber(\"x\"))", "false"),
    ("tostring(\"hello\")", "\"hello\""),
    ("tostring(1)", "\"1\""),
    ("tostring(true)", "\"true\""),
    ("tonumber(\"1\")", "1"),
    ("tonumber(2)", "2"),
    ("tobool(\"true\")", "true"),
    ("tobool(false)", "false"),
    ("tolist([\"a\", \"b\", \"c\"])", "[\"a\",\"b\",\"c\"]"),
    ("toset([\"c\", \"b\", \"b\"])", "[\"b\",\"c\"]"),
    ("tomap({\"a\" = 1, \"b\" = 2})", "{\"a\":1,\"b\":2}"),
    (
        "compact([\"a\", \"\", \"b\", null, \"c\"])",
        "[\"a\",\"b\",\"c\"]",
    ),
    ("base64encode(\"Hello World\")", "\"SGVsbG8gV29ybGQ=\""),
    ("base64decode(\"SGVsbG8gV29ybGQ=\")", "\"Hello World\""),
    ("[for s in [\"a\", \"b\"] : upper(s)]", "[\"A\",\"B\"]"),
    (
        "{for k, v in {a = 1, b = 2} : v => k}",
        "{\"1\":\"a\",\"2\":\"b\"}",
    ),
    (
        "{for s in [\"apple\", \"avocado\", \"banana\"] : substr(s, 0, 1) => s...}",
        "{\"a\":[\"apple\",\"avocado\"],\"b\":[\"banana\"]}",
    ),
    (
        "[for i, v in [\"a\", \"b\", \"c\"] : \"${i}=${v}\" if v != \"b\"]",
        "[\"0=a\",\"2=c\"]",
    ),
    ("[{name = \"a\"}, {name = \"b\"}][*].name", "[\"a\",\"b\"]"),
    ("true ? \"yes\" : \"no\"", "\"yes\""),
    ("1 + 2 * 3 - 4 / 2", "5"),
    ("7 % 3", "1"),
    (
        "\"${1 + 1} and %{if true}yes%{else}no%{endif}\"",
        "\"2 and yes\"",
    ),
    (
        "\"%{for x in [\"a\", \"b\"]}<${x}>%{endfor}\"",
        "\"<a><b>\"",
    ),
    ("\"a ${\"b\"} c\"", "\"a b c\""),
    ("1 == 1 && !false || false", "true"),
    ("abs(-3)", "3"),
    ("max(1, 5, 3)", "5"),
    ("min(4, 2)", "2"),
    ("ceil(1.2)", "2"),
    ("floor(1.8)", "1"),
    ("range(3)", "[0,1,2]"),
    ("range(1, 7, 2)", "[1,3,5]"),
    ("reverse([1, 2, 3])", "[3,2,1]"),
    ("sort([\"c\", \"a\", \"b\"])", "[\"a\",\"b\",\"c\"]"),
    ("slice([\"a\", \"b\", \"c\", \"d\"], 1, 3)", "[\"b\",\"c\"]"),
    ("index([\"a\", \"b\", \"c\"], \"b\")", "1"),
    ("chomp(\"hello\\n\")", "\"hello\""),
    ("trim(\"?!hello?!\", \"!?\")", "\"hello\""),
    ("title(\"hello world\")", "\"Hello World\""),
    ("strcontains(\"hello world\", \"wor\")", "true"),
    (
        "setunion([\"a\", \"b\"], [\"b\", \"c\"])",
        "[\"a\",\"b\",\"c\"]",
    ),
];

fn evaluate_as_json(expression: &str) -> serde_json::Value {
    let wrapped = format!("jsonencode({expression})");
    let value = evaluate_expression(&wrapped, Path::new(env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|error| panic!("{expression}: {error}"));
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("{expression}: not a string: {value:?}"));
    serde_json::from_str(text).unwrap()
}

#[test]
fn functions_match_terraform() {
    let mut failures = Vec::new();
    for (expression, expected) in TABLE {
        let expected: serde_json::Value = serde_json::from_str(expected).unwrap();
        let actual = evaluate_as_json(expression);
        if actual != expected {
            failures.push(format!(
                "{expression}\n  expected {expected}\n  actual   {actual}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn console_reference() {
    let required = std::env::var("PARITY_REQUIRE_REFERENCE").is_ok_and(|v| v.contains("terraform"));
    let scratch = tempfile::tempdir().unwrap();
    let input: Vec<&str> = TABLE.iter().map(|(expression, _)| *expression).collect();
    let command = format!("jsonencode([{}])\n", input.join(", "));
    let child = std::process::Command::new("terraform")
        .arg("console")
        .current_dir(scratch.path())
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(error) => {
            assert!(!required, "terraform is required but cannot run: {error}");
            eprintln!("skipping: terraform is not installed ({error})");
            return;
        }
    };
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(command.as_bytes()).unwrap();
    }
    let output = child.wait_with_output().unwrap();
    let printed = String::from_utf8_lossy(&output.stdout);
    let last = printed
        .lines()
        .rev()
        .find(|line| !line.trim().is_empty())
        .unwrap_or_default();
    // The console prints a string in double quotes with JSON-compatible escapes.
    let json_text: String = serde_json::from_str(last)
        .unwrap_or_else(|_| panic!("unexpected console output: {printed}"));
    let reference: Vec<serde_json::Value> = serde_json::from_str(&json_text).unwrap();
    assert_eq!(reference.len(), TABLE.len());
    for ((expression, _), expected) in TABLE.iter().zip(reference) {
        assert_eq!(evaluate_as_json(expression), expected, "{expression}");
    }
}
