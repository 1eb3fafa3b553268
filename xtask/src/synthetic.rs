//! `cargo xtask gen`: a realistic synthetic local/prod pair with a known set of planted drifts.
//!
//! The local side is one compose project (`local/compose.yaml` plus `.env`) written the way
//! monorepos write them: `x-` anchors merged into every service with `<<`, `${VAR}`
//! interpolation, `depends_on` chains, published ports. The prod side is what a Helm or
//! kustomize pipeline renders: one multi-document file per team, each service a ConfigMap, a
//! Deployment (env from literals, the ConfigMap and a Secret) and a Service. Drifts are planted
//! at fixed indices, so the expected findings per rule are known and `cargo xtask bench` checks
//! that `parity diff` found exactly them.
//!
//! Everything is deterministic: the same `--services` gives byte-identical files.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// Services per prod file: a team's rendered chart.
const SERVICES_PER_FILE: usize = 50;

/// The drift planted at service `index`, if any. Kept to one drift per service so the expected
/// count per rule is exact (a missing service has no other findings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Drift {
    /// Only in compose: `missing-service`, missing in prod.
    LocalOnly,
    /// Prod runs an older tag: `image-mismatch`.
    ImageTag,
    /// An env var set locally only: `env-unmatched`.
    LocalOnlyEnv,
    /// An env var set in prod only: `env-unmatched`.
    ProdOnlyEnv,
    /// The container listens on another port in prod: `port-mismatch`.
    Port,
}

pub(crate) fn drift_at(index: usize) -> Option<Drift> {
    match index % 100 {
        7 => Some(Drift::LocalOnly),
        19 | 61 => Some(Drift::ImageTag),
        33 => Some(Drift::LocalOnlyEnv),
        47 => Some(Drift::ProdOnlyEnv),
        88 => Some(Drift::Port),
        _ => None,
    }
}

/// Prod-only CronJobs: one per this many services.
const CRONJOB_EVERY: usize = 100;

/// The findings `parity diff` must report for a generated pair, per rule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Expected {
    pub(crate) missing_service: usize,
    pub(crate) image_mismatch: usize,
    pub(crate) env_unmatched: usize,
    pub(crate) port_mismatch: usize,
    /// Not planted but implied: the prod service that calls a local-only service
    /// (`UPSTREAM_URL` points at the previous service) names a host prod does not have.
    pub(crate) dangling_dependency: usize,
}

impl Expected {
    pub(crate) fn for_services(services: usize) -> Self {
        let mut expected = Expected {
            missing_service: services / CRONJOB_EVERY,
            ..Expected::default()
        };
        for index in 0..services {
            match drift_at(index) {
                Some(Drift::LocalOnly) => {
                    expected.missing_service += 1;
                    if index + 1 < services && drift_at(index + 1) != Some(Drift::LocalOnly) {
                        expected.dangling_dependency += 1;
                    }
                }
                Some(Drift::ImageTag) => expected.image_mismatch += 1,
                Some(Drift::LocalOnlyEnv | Drift::ProdOnlyEnv) => expected.env_unmatched += 1,
                Some(Drift::Port) => expected.port_mismatch += 1,
                None => {}
            }
        }
        expected
    }

    /// `(rule, count)` in the rule-name vocabulary of the JSON report.
    pub(crate) fn by_rule(&self) -> [(&'static str, usize); 5] {
        [
            ("missing-service", self.missing_service),
            ("image-mismatch", self.image_mismatch),
            ("env-unmatched", self.env_unmatched),
            ("port-mismatch", self.port_mismatch),
            ("dangling-dependency", self.dangling_dependency),
        ]
    }

    fn to_json(&self, services: usize) -> String {
        let rules: Vec<String> = self
            .by_rule()
            .iter()
            .map(|(rule, count)| format!("    \"{rule}\": {count}"))
            .collect();
        format!(
            "{{\n  \"services\": {services},\n  \"findings\": {{\n{}\n  }}\n}}\n",
            rules.join(",\n")
        )
    }
}

/// What was written.
#[derive(Debug)]
pub(crate) struct Generated {
    pub(crate) local: PathBuf,
    pub(crate) prod: PathBuf,
    pub(crate) expected: Expected,
    /// Bytes of YAML written on both sides together.
    pub(crate) bytes: u64,
    pub(crate) files: usize,
}

/// `cargo xtask gen --services N --out DIR`.
pub(crate) fn run(args: &[String]) -> Result<()> {
    let mut services = None;
    let mut out = None;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--services" => {
                let value = iter.next().context("--services needs a number")?;
                services = Some(
                    value
                        .replace('_', "")
                        .parse::<usize>()
                        .with_context(|| format!("--services: not a number: {value}"))?,
                );
            }
            "--out" => out = Some(PathBuf::from(iter.next().context("--out needs a folder")?)),
            other => bail!("gen: unknown argument {other} (usage: gen --services N --out DIR)"),
        }
    }
    let services = services.context("gen: --services N is required")?;
    let out = out.context("gen: --out DIR is required")?;
    let generated = generate(services, &out)?;
    println!(
        "wrote {} services per side, {} files, {:.1} MB: {} and {}",
        services,
        generated.files,
        generated.bytes as f64 / 1e6,
        generated.local.display(),
        generated.prod.display()
    );
    println!(
        "expected findings (also in {}):",
        out.join("expected.json").display()
    );
    for (rule, count) in generated.expected.by_rule() {
        println!("  {rule:<16} {count}");
    }
    Ok(())
}

/// Writes the pair under `out` (replacing `out/local` and `out/prod`).
pub(crate) fn generate(services: usize, out: &Path) -> Result<Generated> {
    if services == 0 {
        bail!("gen: --services must be at least 1");
    }
    let local = out.join("local");
    let prod = out.join("prod");
    for dir in [&local, &prod] {
        if dir.exists() {
            std::fs::remove_dir_all(dir).with_context(|| format!("clearing {}", dir.display()))?;
        }
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut bytes = 0u64;
    let mut files = 0usize;
    let mut write = |path: PathBuf, text: String| -> Result<()> {
        bytes += text.len() as u64;
        files += 1;
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))
    };
    write(local.join(".env"), dotenv())?;
    write(local.join("compose.yaml"), compose(services))?;
    let teams = services.div_ceil(SERVICES_PER_FILE);
    for team in 0..teams {
        let first = team * SERVICES_PER_FILE;
        let last = (first + SERVICES_PER_FILE).min(services);
        write(
            prod.join(format!("team-{team:04}.yaml")),
            manifests(team, first..last),
        )?;
    }
    write(prod.join("namespace.yaml"), namespace())?;
    write(prod.join("cronjobs.yaml"), cronjobs(services))?;
    let expected = Expected::for_services(services);
    std::fs::write(out.join("expected.json"), expected.to_json(services))
        .context("writing expected.json")?;
    Ok(Generated {
        local,
        prod,
        expected,
        bytes,
        files,
    })
}

fn name(index: usize) -> String {
    format!("svc-{index:05}")
}

fn team_of(index: usize) -> usize {
    index / SERVICES_PER_FILE
}

fn port_of(index: usize) -> u16 {
    // A handful of conventional ports, as real fleets have.
    [8080, 8000, 3000, 9000, 5000][index % 5]
}

fn version_of(index: usize) -> String {
    format!("1.{}.{}", index % 17, index % 5)
}

/// Env vars every service sets itself, beside the shared ones: 3 to 9 of them.
fn own_env(index: usize) -> Vec<(String, String)> {
    let mut vars = vec![
        ("SERVICE_NAME".to_owned(), name(index)),
        (
            "UPSTREAM_URL".to_owned(),
            format!(
                "http://{}:{}",
                name(index.saturating_sub(1)),
                port_of(index)
            ),
        ),
        ("WORKER_THREADS".to_owned(), format!("{}", 2 + index % 6)),
    ];
    for extra in 0..(index % 7) {
        vars.push((
            format!(
                "FEATURE_{}_{extra}",
                ["SEARCH", "CART", "LEDGER", "AUDIT"][extra % 4]
            ),
            if extra % 2 == 0 { "true" } else { "false" }.to_owned(),
        ));
    }
    vars
}

fn dotenv() -> String {
    "# Values for compose interpolation.\nREGISTRY=registry.example.com\nDB_PASSWORD=local-dev-password\nLOG_LEVEL=debug\n".to_owned()
}

fn compose(services: usize) -> String {
    let mut text = String::with_capacity(services * 700);
    text.push_str(
        "# Local development stack of the synthetic monorepo (generated by `cargo xtask gen`).\n\
         name: monorepo\n\n\
         x-logging: &default-logging\n  driver: json-file\n  options:\n    max-size: \"10m\"\n    max-file: \"3\"\n\n\
         x-common-env: &common-env\n  LOG_LEVEL: ${LOG_LEVEL:-info}\n  OTEL_EXPORTER_OTLP_ENDPOINT: http://otel-collector:4317\n  REGION: eu-west-1\n\n\
         services:\n",
    );
    for index in 0..services {
        let service = name(index);
        let team = team_of(index);
        let port = port_of(index);
        let _ = write!(
            text,
            "  {service}:\n    image: ${{REGISTRY}}/team-{team:04}/{service}:{}\n    ports:\n      - \"{}:{port}\"\n    environment:\n      <<: *common-env\n      DATABASE_URL: postgres://app:${{DB_PASSWORD}}@db-{team:04}:5432/{}\n",
            version_of(index),
            20_000 + index % 40_000,
            service.replace('-', "_"),
        );
        for (key, value) in own_env(index) {
            let _ = writeln!(text, "      {key}: \"{value}\"");
        }
        if drift_at(index) == Some(Drift::LocalOnlyEnv) {
            text.push_str("      DEBUG_SQL: \"true\"\n");
        }
        if index > 0 && index % 10 != 0 {
            let _ = write!(text, "    depends_on:\n      - {}\n", name(index - 1));
        }
        text.push_str("    logging: *default-logging\n");
        if index % 3 == 0 {
            let _ = write!(
                text,
                "    healthcheck:\n      test: [\"CMD\", \"wget\", \"-qO-\", \"http://localhost:{port}/healthz\"]\n      interval: 10s\n"
            );
        }
        text.push('\n');
    }
    // Backing services every app connects to: one database per team and the collector.
    for team in 0..services.div_ceil(SERVICES_PER_FILE) {
        let _ = write!(
            text,
            "  db-{team:04}:\n    image: postgres:16.4\n    ports:\n      - \"5432\"\n    environment:\n      POSTGRES_DB: app\n      POSTGRES_PASSWORD: ${{DB_PASSWORD}}\n\n"
        );
    }
    text.push_str(
        "  otel-collector:\n    image: otel/opentelemetry-collector-contrib:0.111.0\n    ports:\n      - \"4317:4317\"\n",
    );
    text
}

fn namespace() -> String {
    "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: monorepo\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: otel-collector\n  namespace: monorepo\nspec:\n  selector:\n    matchLabels: {app: otel-collector}\n  template:\n    metadata:\n      labels: {app: otel-collector}\n    spec:\n      containers:\n        - name: collector\n          image: otel/opentelemetry-collector-contrib:0.111.0\n          ports:\n            - containerPort: 4317\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: otel-collector\n  namespace: monorepo\nspec:\n  selector: {app: otel-collector}\n  ports:\n    - port: 4317\n".to_owned()
}

fn manifests(team: usize, indices: std::ops::Range<usize>) -> String {
    let mut text = String::with_capacity(indices.len() * 2_600);
    for index in indices {
        if drift_at(index) == Some(Drift::LocalOnly) {
            continue;
        }
        let service = name(index);
        let version = if drift_at(index) == Some(Drift::ImageTag) {
            format!("1.{}.{}", index % 17, index % 5 + 10)
        } else {
            version_of(index)
        };
        let port = if drift_at(index) == Some(Drift::Port) {
            9090
        } else {
            port_of(index)
        };
        let _ = write!(
            text,
            "# Source: team-{team:04}/templates/{service}.yaml\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {service}-config\n  namespace: monorepo\n  labels:\n    app.kubernetes.io/name: {service}\n    app.kubernetes.io/part-of: team-{team:04}\ndata:\n  LOG_LEVEL: info\n  OTEL_EXPORTER_OTLP_ENDPOINT: http://otel-collector:4317\n  REGION: eu-west-1\n"
        );
        for (key, value) in own_env(index).iter().skip(2) {
            let _ = writeln!(text, "  {key}: \"{value}\"");
        }
        let _ = write!(
            text,
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {service}\n  namespace: monorepo\n  labels:\n    app.kubernetes.io/name: {service}\n    app.kubernetes.io/part-of: team-{team:04}\n    app.kubernetes.io/version: \"{version}\"\nspec:\n  replicas: {}\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: {service}\n  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: {service}\n      annotations:\n        prometheus.io/scrape: \"true\"\n        prometheus.io/port: \"{port}\"\n    spec:\n      serviceAccountName: {service}\n      containers:\n        - name: {service}\n          image: registry.example.com/team-{team:04}/{service}:{version}\n          imagePullPolicy: IfNotPresent\n          ports:\n            - name: http\n              containerPort: {port}\n              protocol: TCP\n          envFrom:\n            - configMapRef:\n                name: {service}-config\n          env:\n            - name: SERVICE_NAME\n              value: {service}\n            - name: UPSTREAM_URL\n              value: http://{}.monorepo.svc.cluster.local:{}\n            - name: DATABASE_URL\n              valueFrom:\n                secretKeyRef:\n                  name: team-{team:04}-db\n                  key: url\n",
            2 + index % 3,
            name(index.saturating_sub(1)),
            port_of(index),
        );
        if drift_at(index) == Some(Drift::ProdOnlyEnv) {
            text.push_str(
                "            - name: NEW_RELIC_APP_NAME\n              value: monorepo\n",
            );
        }
        let _ = write!(
            text,
            "          resources:\n            requests: {{cpu: 100m, memory: 128Mi}}\n            limits: {{memory: 512Mi}}\n          readinessProbe:\n            httpGet:\n              path: /healthz\n              port: http\n            periodSeconds: 10\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: {service}\n  namespace: monorepo\nspec:\n  selector:\n    app.kubernetes.io/name: {service}\n  ports:\n    - name: http\n      port: 80\n      targetPort: http\n"
        );
    }
    let _ = write!(
        text,
        "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: team-{team:04}-db\n  namespace: monorepo\ntype: Opaque\nstringData:\n  url: postgres://app:prod-password@db-{team:04}.monorepo:5432/app\n  password: prod-password\n"
    );
    let _ = write!(
        text,
        "---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db-{team:04}\n  namespace: monorepo\nspec:\n  serviceName: db-{team:04}\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: db-{team:04}\n  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: db-{team:04}\n    spec:\n      containers:\n        - name: postgres\n          image: postgres:16.4\n          ports:\n            - containerPort: 5432\n          env:\n            - name: POSTGRES_DB\n              value: app\n            - name: POSTGRES_PASSWORD\n              valueFrom:\n                secretKeyRef: {{name: team-{team:04}-db, key: password}}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: db-{team:04}\n  namespace: monorepo\nspec:\n  selector:\n    app.kubernetes.io/name: db-{team:04}\n  ports:\n    - port: 5432\n"
    );
    text
}

fn cronjobs(services: usize) -> String {
    let mut text = String::new();
    for job in 0..services / CRONJOB_EVERY {
        let _ = write!(
            text,
            "---\napiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: nightly-report-{job:04}\n  namespace: monorepo\nspec:\n  schedule: \"0 3 * * *\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: OnFailure\n          containers:\n            - name: report\n              image: registry.example.com/reports/nightly:2.{job}.0\n"
        );
    }
    if text.is_empty() {
        text.push_str("# no prod-only jobs at this size\n");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_counts_follow_the_planted_drifts() {
        let expected = Expected::for_services(1_000);
        assert_eq!(
            expected,
            Expected {
                missing_service: 10 + 10,
                image_mismatch: 20,
                env_unmatched: 20,
                port_mismatch: 10,
                dangling_dependency: 10,
            }
        );
    }

    #[test]
    fn generated_pair_is_deterministic_and_parity_finds_the_planted_drifts() {
        let dir = std::env::temp_dir().join(format!("xtask-gen-{}", std::process::id()));
        let first = generate(250, &dir).unwrap();
        let compose_text = std::fs::read_to_string(first.local.join("compose.yaml")).unwrap();
        let team = std::fs::read_to_string(first.prod.join("team-0001.yaml")).unwrap();
        generate(250, &dir).unwrap();
        assert_eq!(
            compose_text,
            std::fs::read_to_string(first.local.join("compose.yaml")).unwrap()
        );
        assert_eq!(
            team,
            std::fs::read_to_string(first.prod.join("team-0001.yaml")).unwrap()
        );
        // 250 services: 5 team files, the namespace and the cronjobs file; .env and compose.yaml.
        assert_eq!(first.files, 9);
        assert!(compose_text.contains("  svc-00249:\n"));
        assert!(!team.contains("name: svc-00007\n"), "a local-only service");

        let local = parity::load(&first.local).unwrap();
        let prod = parity::load(&first.prod).unwrap();
        let errors: Vec<_> = local
            .diagnostics
            .iter()
            .chain(&prod.diagnostics)
            .filter(|d| d.level == parity::DiagnosticLevel::Error)
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
        let report = parity::diff(&local, &prod, &parity::Policy::builtin());
        for (rule, count) in first.expected.by_rule() {
            if parity::find_rule(rule).is_none() {
                continue; // a rule not (yet) in this build
            }
            let found = report.findings.iter().filter(|f| f.rule == rule).count();
            assert_eq!(found, count, "{rule}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
