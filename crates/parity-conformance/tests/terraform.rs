//! Terraform conformance: the expression table against the values Terraform recorded, and
//! against the installed `terraform console` when there is one.

#![allow(clippy::unwrap_used, clippy::print_stderr, clippy::print_stdout)]

use parity_conformance::terraform::{self, TerraformRun};
use parity_conformance::{Tool, table};

/// Runs everywhere: parity gives the value recorded from Terraform 1.11 for every row.
#[test]
fn parity_matches_the_recorded_terraform_values() {
    let suite = terraform::check_recorded().unwrap();
    assert!(suite.cases.len() >= 300, "{} rows", suite.cases.len());
    assert_eq!(
        suite.differing(),
        0,
        "\n{}",
        table(std::slice::from_ref(&suite))
    );
}

/// Every row has a recorded value.
#[test]
fn every_row_is_recorded() {
    let unrecorded: Vec<String> = terraform::rows()
        .unwrap()
        .into_iter()
        .filter(|row| row.terraform == terraform::Expected::Unrecorded)
        .map(|row| format!("line {}: {}", row.line, row.name()))
        .collect();
    assert!(unrecorded.is_empty(), "{}", unrecorded.join("\n"));
}

/// Every function parity implements appears in the table.
#[test]
fn every_function_is_in_the_table() {
    let rows = terraform::rows().unwrap();
    let absent: Vec<&str> = parity_terraform::FUNCTIONS
        .iter()
        .copied()
        .filter(|name| {
            let call = format!("{name}(");
            !rows.iter().any(|row| row.expression.contains(&call))
        })
        .collect();
    assert!(absent.is_empty(), "functions not in the table: {absent:?}");
}

/// The live comparison with `terraform console` (skipped without terraform, unless
/// `PARITY_REQUIRE_REFERENCE` names it).
#[test]
fn parity_matches_terraform_console() {
    let started = std::time::Instant::now();
    let suite = match terraform::run(&TerraformRun::default()) {
        Ok(suite) => suite,
        Err(missing) => {
            assert!(!Tool::Terraform.is_required(), "{missing}");
            eprintln!("skipping the terraform comparison: {missing}");
            return;
        }
    };
    eprintln!(
        "{}terraform comparison took {:.1} s",
        table(std::slice::from_ref(&suite)),
        started.elapsed().as_secs_f64()
    );
    assert_eq!(
        suite.differing(),
        0,
        "\n{}",
        table(std::slice::from_ref(&suite))
    );
}

/// Rewrites the table's `=>` values with what the installed Terraform gives. Run by hand after
/// adding rows: `PARITY_RECORD=1 cargo test -p parity-conformance --test terraform -- --ignored`.
#[test]
#[ignore = "writes src/terraform/expressions.txt; run by hand after adding rows"]
fn record() {
    if std::env::var_os("PARITY_RECORD").is_none() {
        eprintln!("set PARITY_RECORD=1 to rewrite the table");
        return;
    }
    let text = terraform::record(&TerraformRun::default()).unwrap();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/terraform/expressions.txt");
    std::fs::write(path, text).unwrap();
}
