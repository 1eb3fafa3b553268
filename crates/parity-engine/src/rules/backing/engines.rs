//! What the backing-service rules know about images: which engine an image runs, and which
//! images are local stand-ins for managed services.

use parity_model::{
    BackingService, ConfigSourceKind, Connection, Edge, EnvSource, EnvValue, EnvVar, Environment,
    Node, NodeIndex, Origin, ResourceGraph, Service,
};

pub(crate) use crate::pairing::image_engine as engine_of_image;

/// The engine a service's main container image runs, when known.
pub(crate) fn service_engine(service: &Service) -> Option<&'static str> {
    let image = service.primary_container()?.image.as_ref()?;
    engine_of_image(image.short_name())
}

/// Engines that speak the same protocol, so swapping one for the other usually works: the
/// difference is a note, not an error.
pub(crate) fn compatible_engines(a: &str, b: &str) -> bool {
    let family = |engine: &str| match engine {
        "redis" | "valkey" | "keydb" | "dragonfly" => "redis",
        "mysql" | "mariadb" => "mysql",
        "elasticsearch" | "opensearch" => "elasticsearch",
        other => match other {
            "postgres" | "cockroachdb" => "postgres-wire",
            _ => "",
        },
    };
    let (fa, fb) = (family(a), family(b));
    !fa.is_empty() && fa == fb && fa != "postgres-wire"
}

/// What a local-only service stands in for, when its image is a well-known emulator of a managed
/// service: `Some("S3")` for MinIO, `Some("AWS services")` for LocalStack, ...
pub(crate) fn stand_in_for(service: &Service) -> Option<&'static str> {
    let image = service
        .primary_container()
        .and_then(|container| container.image.as_ref())?;
    let short = image.short_name().to_ascii_lowercase();
    let repository = image.repository.to_ascii_lowercase();
    Some(match short.as_str() {
        "localstack" => "AWS services",
        "minio" => "S3 object storage",
        "wiremock" | "wiremock-gui" | "mockserver" | "prism" | "mountebank" | "imposter" => {
            "an external HTTP API"
        }
        "mailhog" | "mailpit" | "maildev" | "smtp4dev" | "mailcatcher" | "greenmail" => {
            "an SMTP provider"
        }
        "fake-gcs-server" => "Google Cloud Storage",
        "azurite" => "Azure Storage",
        "elasticmq" => "Amazon SQS",
        "dynamodb-local" => "Amazon DynamoDB",
        "cloud-sdk" if repository.contains("google") => "Google Cloud emulators",
        "pubsub-emulator" | "gcloud-pubsub-emulator" => "Google Pub/Sub",
        "firebase-emulator" | "firebase-tools" => "Firebase",
        "cosmosdb-emulator" | "azure-cosmos-emulator" => "Azure Cosmos DB",
        "moto" | "motoserver" => "AWS services",
        _ => return None,
    })
}

/// The engine at the other end of a connection whose host is `host`, on one side: the image of
/// the service of that name, or of the workloads a Kubernetes Service of that name selects.
pub(crate) fn engine_behind_host(
    graph: &ResourceGraph,
    from: NodeIndex,
    host: &str,
) -> Option<&'static str> {
    let short = host.split('.').next().unwrap_or(host);
    for (edge, target) in graph.edges_from(from) {
        if edge != Edge::ConnectsTo {
            continue;
        }
        match graph.node(target) {
            Some(Node::Service(service)) if service.name.eq_ignore_ascii_case(short) => {
                return service_engine(service);
            }
            Some(Node::Resource(resource)) if resource.name.eq_ignore_ascii_case(short) => {
                return graph
                    .edges_from(target)
                    .filter(|(edge, _)| *edge == Edge::Selects)
                    .find_map(|(_, workload)| graph.service(workload).and_then(service_engine));
            }
            _ => {}
        }
    }
    None
}

/// The managed backing service at the other end of a connection whose value names it by a
/// deploy-time reference (`postgres://${aws_db_instance.main.address}:5432/shop` names
/// `aws_db_instance.main`); the loader linked the two with a `ConnectsTo` edge.
pub(crate) fn managed_behind<'g>(
    graph: &'g ResourceGraph,
    from: NodeIndex,
    connection: &Connection,
) -> Option<&'g BackingService> {
    if connection.references.is_empty() {
        return None;
    }
    graph
        .edges_from(from)
        .filter(|(edge, _)| *edge == Edge::ConnectsTo)
        .find_map(|(_, target)| match graph.node(target) {
            Some(Node::Backing(backing)) if connection.names(backing) => Some(&**backing),
            _ => None,
        })
}

/// Where the value of `var` is written: the ConfigMap entry when it comes from one in the input,
/// else the env var's own line.
pub(crate) fn value_origin<'a>(env: &'a Environment, var: &'a EnvVar) -> &'a Origin {
    if let EnvValue::FromSource {
        source: EnvSource::ConfigMap,
        source_name,
        key,
        resolved: Some(_),
    } = &var.value
    {
        let key = key.as_deref().unwrap_or(&var.name);
        let entry = env
            .graph
            .config_sources()
            .filter(|(_, source)| {
                source.kind == ConfigSourceKind::ConfigMap && source.name == *source_name
            })
            .find_map(|(_, source)| source.entries.get(key));
        if let Some((_, origin)) = entry {
            return origin;
        }
    }
    &var.origin
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engines_of_images() {
        assert_eq!(engine_of_image("postgres"), Some("postgres"));
        assert_eq!(engine_of_image("postgresql"), Some("postgres"));
        assert_eq!(engine_of_image("mariadb"), Some("mariadb"));
        assert_eq!(engine_of_image("valkey"), Some("valkey"));
        assert_eq!(engine_of_image("redis-commander"), None);
        assert_eq!(engine_of_image("mongo-express"), None);
        assert_eq!(engine_of_image("shop-api"), None);
    }

    #[test]
    fn compatible_pairs() {
        assert!(compatible_engines("redis", "valkey"));
        assert!(compatible_engines("mysql", "mariadb"));
        assert!(!compatible_engines("postgres", "mysql"));
        assert!(!compatible_engines("postgres", "cockroachdb"));
        assert!(!compatible_engines("sqlite", "postgres"));
    }
}
