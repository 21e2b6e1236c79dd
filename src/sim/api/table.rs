//! Server-side printing: the `meta.k8s.io` Table that `kubectl get` asks for.
//!
//! kubectl's human-readable output sends `Accept: application/json;as=Table;v=v1;g=meta.k8s.io,
//! application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json` and prints the columns the
//! server chose. Sources, all in kubernetes/kubernetes:
//! - Negotiation: `staging/src/k8s.io/apiserver/pkg/endpoints/handlers/negotiation/negotiate.go`
//!   (`acceptMediaTypeOptions`: `as`/`g`/`v` ask for a conversion; a clause the endpoint cannot
//!   convert to is skipped, a clause without them is the plain object).
//! - The Table and its row objects: `staging/src/k8s.io/apiserver/pkg/endpoints/handlers/response.go`
//!   (`asTable`: `includeObject` = `Object` | `Metadata` (default, a `PartialObjectMetadata`) |
//!   `None`; anything else is a 400) and `pkg/printers/tablegenerator.go` (the Table's
//!   `metadata.resourceVersion`, and `continue` for lists).
//! - Built-in kinds: `pkg/printers/internalversion/printers.go` (`AddHandlers` columns, the
//!   `print*` cells) through `pkg/printers/storage/storage.go`, which always prints the wide
//!   cells (kubectl hides priority > 0 columns unless `-o wide`).
//! - CustomResourceDefinitions themselves: the default convertor their storage uses
//!   (`staging/src/k8s.io/apiextensions-apiserver/pkg/registry/customresourcedefinition/etcd.go`),
//!   `staging/src/k8s.io/apiserver/pkg/registry/rest/table.go` (`Name`, `Created At` in RFC 3339).
//! - Custom resources: `staging/src/k8s.io/apiextensions-apiserver/pkg/registry/customresource/tableconvertor/tableconvertor.go`
//!   (`Name` then the version's `additionalPrinterColumns`; cells from the first JSONPath result,
//!   typed by `cellForJSONValue`; missing → null) with the default columns of
//!   `staging/src/k8s.io/apiextensions-apiserver/pkg/apiserver/customresource_handler.go`
//!   (`GetColumnsForVersion` → `serveDefaultColumnsIfEmpty`: one `Age` date column).
//! - Ages: `staging/src/k8s.io/apimachinery/pkg/api/meta/table/table.go`
//!   (`ConvertToHumanReadableDateType`) and `staging/src/k8s.io/apimachinery/pkg/util/duration/duration.go`
//!   (`HumanDuration`).
//!
//! Kinds with neither a built-in printer nor a CRD (the OpenShift and OLM kinds the simulator
//! serves without CRDs) are answered as plain objects, which kubectl prints client-side (NAME, AGE).
//! Approximated: `q` values in Accept are ignored (clauses are taken in order); watches are not
//! converted; column descriptions come from k8s-openapi's OpenAPI text (apps/v1 where printers.go
//! reads extensions/v1beta1); `PartialObjectMetadata(List)` conversions are not offered.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use axum::http::{HeaderMap, header};
use k8s_openapi::api::{apps::v1 as apps, core::v1 as core};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{Query, Target};
use crate::jsonpath::Template;
use crate::sim::resources::PrinterColumn;
use crate::sim::status::ApiError;
use crate::sim::store::text;

/// What a Table request asked for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct TableRequest {
    /// `meta.k8s.io/v1` or `meta.k8s.io/v1beta1`.
    api_version: &'static str,
    include: Include,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Include {
    Object,
    Metadata,
    None,
}

/// The Table the request's `Accept` header asks for, or `None` for the plain object or list.
pub(crate) fn requested(
    headers: &HeaderMap,
    query: &Query,
) -> Result<Option<TableRequest>, ApiError> {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let Some(api_version) = negotiate(accept) else {
        return Ok(None);
    };
    let include = match query.get("includeObject").map(String::as_str) {
        Some("Object") => Include::Object,
        Some("Metadata" | "") | None => Include::Metadata,
        Some("None") => Include::None,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "unrecognized includeObject value: \"{other}\""
            )));
        }
    };
    Ok(Some(TableRequest {
        api_version,
        include,
    }))
}

/// The Table version of the first usable Accept clause, `None` when that clause is a plain one
/// (or nothing asks for a Table).
fn negotiate(accept: &str) -> Option<&'static str> {
    for clause in accept.split(',') {
        let mut parts = clause.split(';').map(str::trim);
        let media = parts.next().unwrap_or("").to_ascii_lowercase();
        if !matches!(media.as_str(), "application/json" | "application/*" | "*/*") {
            continue;
        }
        let params: HashMap<&str, &str> = parts.filter_map(|p| p.split_once('=')).collect();
        if params.get("q").is_some_and(|q| q.parse::<f32>() == Ok(0.0)) {
            continue;
        }
        let convert = ["as", "g", "v"].map(|k| params.get(k).copied());
        match convert {
            [None, None, None] => return None,
            [Some("Table"), Some("meta.k8s.io"), Some("v1")] => return Some("meta.k8s.io/v1"),
            [Some("Table"), Some("meta.k8s.io"), Some("v1beta1")] => {
                return Some("meta.k8s.io/v1beta1");
            }
            _ => continue,
        }
    }
    None
}

/// How one object's cells are made.
type Cells = Box<dyn Fn(&Value) -> Vec<Value>>;

impl TableRequest {
    /// The Table of `objects` (one for a get, the items of a list), or `None` when the kind
    /// has no server-side printing here. `present` gives an object as the request's version
    /// shows it (for `includeObject=Object`).
    pub(crate) fn render(
        &self,
        target: &Target,
        objects: &[Arc<Value>],
        resource_version: &str,
        present: impl Fn(&Arc<Value>) -> Value,
    ) -> Option<Value> {
        let rt = &target.rt;
        let (columns, cells): (Vec<Value>, Cells) = if let Some(printer) = PRINTERS
            .iter()
            .find(|p| (p.group, p.plural) == (rt.group.as_str(), rt.plural.as_str()))
        {
            (
                DEFINITIONS[&printer.plural].clone(),
                Box::new(printer.cells),
            )
        } else {
            let declared = rt.printer_columns.as_ref()?.get(&target.version);
            let custom = CustomColumns::new(declared.map(Vec::as_slice).unwrap_or(&[]));
            (
                custom.definitions(),
                Box::new(move |o: &Value| custom.cells(o)),
            )
        };
        let rows: Vec<Value> = objects
            .iter()
            .map(|object| {
                let mut row = json!({"cells": cells(object)});
                if let Some(conditions) = row_conditions(&rt.plural, object) {
                    row["conditions"] = conditions;
                }
                row["object"] = match self.include {
                    Include::Object => present(object),
                    Include::Metadata => json!({
                        "kind": "PartialObjectMetadata",
                        "apiVersion": self.api_version,
                        "metadata": object.get("metadata").cloned().unwrap_or(json!({})),
                    }),
                    Include::None => Value::Null,
                };
                row
            })
            .collect();
        Some(json!({
            "kind": "Table",
            "apiVersion": self.api_version,
            "metadata": {"resourceVersion": resource_version},
            "columnDefinitions": columns,
            "rows": rows,
        }))
    }
}

// ---------------------------------------------------------------------------------------------
// Custom resources
// ---------------------------------------------------------------------------------------------

/// The columns of one CRD version: `Name`, then each parsed `additionalPrinterColumns` entry
/// (the default `Age` column when the version declares none).
struct CustomColumns {
    columns: Vec<(PrinterColumn, Template)>,
}

impl CustomColumns {
    fn new(declared: &[PrinterColumn]) -> Self {
        let default = [PrinterColumn {
            name: "Age".into(),
            type_: "date".into(),
            format: String::new(),
            description: meta_doc("creationTimestamp"),
            priority: 0,
            json_path: ".metadata.creationTimestamp".into(),
        }];
        let declared = if declared.is_empty() {
            &default[..]
        } else {
            declared
        };
        // tableconvertor.New stops at the first JSONPath it cannot parse; the columns before it
        // are served.
        let columns = declared
            .iter()
            .map_while(|c| {
                let template = Template::parse(&format!("{{{}}}", c.json_path)).ok()?;
                Some((c.clone(), template))
            })
            .collect();
        CustomColumns { columns }
    }

    fn definitions(&self) -> Vec<Value> {
        let mut defs = vec![definition("Name", "string", 0, &meta_doc("name"))];
        for (c, _) in &self.columns {
            let description = if c.description.is_empty() {
                format!(
                    "Custom resource definition column (in JSONPath format): {}",
                    c.json_path
                )
            } else {
                c.description.clone()
            };
            defs.push(json!({"name": c.name, "type": c.type_, "format": c.format,
                "description": description, "priority": c.priority}));
        }
        defs
    }

    fn cells(&self, object: &Value) -> Vec<Value> {
        let mut cells = vec![json!(text(object, "/metadata/name"))];
        for (column, template) in &self.columns {
            let first = template
                .query(object)
                .ok()
                .and_then(|v| v.into_iter().next());
            cells.push(first.map_or(Value::Null, |v| typed_cell(&column.type_, v)));
        }
        cells
    }
}

/// A JSONPath result as a cell of a column of the given type (`cellForJSONValue`; a `string`
/// column prints any value as kubectl's JSONPath does).
fn typed_cell(column_type: &str, value: Value) -> Value {
    match (column_type, value) {
        (_, Value::Null) => Value::Null,
        ("string", Value::String(s)) => Value::String(s),
        ("string", other) => Value::String(other.to_string()),
        ("integer", Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f as i64))
            .map_or(Value::Null, |i| json!(i)),
        ("number", Value::Number(n)) => Value::Number(n),
        ("boolean", Value::Bool(b)) => Value::Bool(b),
        ("date", Value::String(s)) if s.is_empty() || s == "null" => json!("<unknown>"),
        ("date", Value::String(s)) => match parse_time(&s) {
            Some(t) => json!(human_duration(seconds_since(t))),
            None => json!("<invalid>"),
        },
        _ => Value::Null,
    }
}

// ---------------------------------------------------------------------------------------------
// Built-in kinds
// ---------------------------------------------------------------------------------------------

/// Where a column's description comes from.
enum Doc {
    Text(&'static str),
    /// A field of a k8s-openapi type (`SwaggerDoc()[field]` in printers.go).
    Field(fn(&str) -> String, &'static str),
}

/// One built-in column: name, type, priority (1: `-o wide` only), description.
type Column = (&'static str, &'static str, i64, Doc);

/// A built-in kind's printer: its columns and each object's cells.
struct Printer {
    group: &'static str,
    plural: &'static str,
    columns: &'static [Column],
    cells: fn(&Value) -> Vec<Value>,
}

const NAME: Column = ("Name", "string", 0, Doc::Field(meta_doc, "name"));
const AGE: Column = (
    "Age",
    "string",
    0,
    Doc::Field(meta_doc, "creationTimestamp"),
);
const CONTAINERS: Doc = Doc::Text("Names of each container in the template.");
const IMAGES: Doc = Doc::Text("Images referenced by each container in the template.");

/// The printers of the built-in kinds the simulator serves (printers.go `AddHandlers`; CRDs use
/// the default convertor of rest/table.go).
static PRINTERS: &[Printer] = &[
    Printer {
        group: "",
        plural: "namespaces",
        columns: &[
            NAME,
            (
                "Status",
                "string",
                0,
                Doc::Text("The status of the namespace"),
            ),
            AGE,
        ],
        cells: namespace,
    },
    Printer {
        group: "",
        plural: "configmaps",
        columns: &[
            NAME,
            (
                "Data",
                "string",
                0,
                Doc::Field(doc::<core::ConfigMap>, "data"),
            ),
            AGE,
        ],
        cells: config_map,
    },
    Printer {
        group: "",
        plural: "secrets",
        columns: &[
            NAME,
            ("Type", "string", 0, Doc::Field(doc::<core::Secret>, "type")),
            ("Data", "string", 0, Doc::Field(doc::<core::Secret>, "data")),
            AGE,
        ],
        cells: secret,
    },
    Printer {
        group: "",
        plural: "services",
        columns: &[
            NAME,
            (
                "Type",
                "string",
                0,
                Doc::Field(doc::<core::ServiceSpec>, "type"),
            ),
            (
                "Cluster-IP",
                "string",
                0,
                Doc::Field(doc::<core::ServiceSpec>, "clusterIP"),
            ),
            (
                "External-IP",
                "string",
                0,
                Doc::Field(doc::<core::ServiceSpec>, "externalIPs"),
            ),
            (
                "Port(s)",
                "string",
                0,
                Doc::Field(doc::<core::ServiceSpec>, "ports"),
            ),
            AGE,
            (
                "Selector",
                "string",
                1,
                Doc::Field(doc::<core::ServiceSpec>, "selector"),
            ),
        ],
        cells: service,
    },
    Printer {
        group: "",
        plural: "serviceaccounts",
        columns: &[
            NAME,
            (
                "Secrets",
                "string",
                0,
                Doc::Field(doc::<core::ServiceAccount>, "secrets"),
            ),
            AGE,
        ],
        cells: service_account,
    },
    Printer {
        group: "",
        plural: "pods",
        columns: &[
            NAME,
            (
                "Ready",
                "string",
                0,
                Doc::Text("The aggregate readiness state of this pod for accepting traffic."),
            ),
            (
                "Status",
                "string",
                0,
                Doc::Text("The aggregate status of the containers in this pod."),
            ),
            (
                "Restarts",
                "string",
                0,
                Doc::Text(
                    "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
                ),
            ),
            AGE,
            (
                "IP",
                "string",
                1,
                Doc::Field(doc::<core::PodStatus>, "podIP"),
            ),
            (
                "Node",
                "string",
                1,
                Doc::Field(doc::<core::PodSpec>, "nodeName"),
            ),
            (
                "Nominated Node",
                "string",
                1,
                Doc::Field(doc::<core::PodStatus>, "nominatedNodeName"),
            ),
            (
                "Readiness Gates",
                "string",
                1,
                Doc::Field(doc::<core::PodSpec>, "readinessGates"),
            ),
        ],
        cells: pod,
    },
    Printer {
        group: "",
        plural: "endpoints",
        columns: &[
            NAME,
            (
                "Endpoints",
                "string",
                0,
                Doc::Field(doc::<core::Endpoints>, "subsets"),
            ),
            AGE,
        ],
        cells: endpoints,
    },
    Printer {
        group: "",
        plural: "events",
        columns: &[
            (
                "Last Seen",
                "string",
                0,
                Doc::Field(doc::<core::Event>, "lastTimestamp"),
            ),
            ("Type", "string", 0, Doc::Field(doc::<core::Event>, "type")),
            (
                "Reason",
                "string",
                0,
                Doc::Field(doc::<core::Event>, "reason"),
            ),
            (
                "Object",
                "string",
                0,
                Doc::Field(doc::<core::Event>, "involvedObject"),
            ),
            (
                "Subobject",
                "string",
                1,
                Doc::Field(doc::<core::ObjectReference>, "fieldPath"),
            ),
            (
                "Source",
                "string",
                1,
                Doc::Field(doc::<core::Event>, "source"),
            ),
            (
                "Message",
                "string",
                0,
                Doc::Field(doc::<core::Event>, "message"),
            ),
            (
                "First Seen",
                "string",
                1,
                Doc::Field(doc::<core::Event>, "firstTimestamp"),
            ),
            (
                "Count",
                "string",
                1,
                Doc::Field(doc::<core::Event>, "count"),
            ),
            ("Name", "string", 1, Doc::Field(meta_doc, "name")),
        ],
        cells: event,
    },
    Printer {
        group: "apps",
        plural: "deployments",
        columns: &[
            NAME,
            (
                "Ready",
                "string",
                0,
                Doc::Text("Number of the pod with ready state"),
            ),
            (
                "Up-to-date",
                "string",
                0,
                Doc::Field(doc::<apps::DeploymentStatus>, "updatedReplicas"),
            ),
            (
                "Available",
                "string",
                0,
                Doc::Field(doc::<apps::DeploymentStatus>, "availableReplicas"),
            ),
            AGE,
            ("Containers", "string", 1, CONTAINERS),
            ("Images", "string", 1, IMAGES),
            (
                "Selector",
                "string",
                1,
                Doc::Field(doc::<apps::DeploymentSpec>, "selector"),
            ),
        ],
        cells: deployment,
    },
    Printer {
        group: "apps",
        plural: "replicasets",
        columns: &[
            NAME,
            (
                "Desired",
                "integer",
                0,
                Doc::Field(doc::<apps::ReplicaSetSpec>, "replicas"),
            ),
            (
                "Current",
                "integer",
                0,
                Doc::Field(doc::<apps::ReplicaSetStatus>, "replicas"),
            ),
            (
                "Ready",
                "integer",
                0,
                Doc::Field(doc::<apps::ReplicaSetStatus>, "readyReplicas"),
            ),
            AGE,
            ("Containers", "string", 1, CONTAINERS),
            ("Images", "string", 1, IMAGES),
            (
                "Selector",
                "string",
                1,
                Doc::Field(doc::<apps::ReplicaSetSpec>, "selector"),
            ),
        ],
        cells: replica_set,
    },
    Printer {
        group: "apiextensions.k8s.io",
        plural: "customresourcedefinitions",
        columns: &[
            NAME,
            (
                "Created At",
                "date",
                0,
                Doc::Field(meta_doc, "creationTimestamp"),
            ),
        ],
        cells: created_at,
    },
];

/// Each built-in printer's column definitions, built once (the descriptions come from schemas).
static DEFINITIONS: LazyLock<HashMap<&'static str, Vec<Value>>> = LazyLock::new(|| {
    PRINTERS
        .iter()
        .map(|p| {
            let defs = p
                .columns
                .iter()
                .map(|(name, kind, priority, doc)| {
                    let description = match doc {
                        Doc::Text(t) => t.to_string(),
                        Doc::Field(of, field) => of(field),
                    };
                    definition(name, kind, *priority, &description)
                })
                .collect();
            (p.plural, defs)
        })
        .collect()
});

/// A `TableColumnDefinition`; the `Name` column has the `name` format.
fn definition(name: &str, kind: &str, priority: i64, description: &str) -> Value {
    json!({"name": name, "type": kind, "format": if name == "Name" { "name" } else { "" },
        "description": description, "priority": priority})
}

/// The OpenAPI description of a field of a k8s-openapi type (what `SwaggerDoc()` returns).
fn doc<T: schemars::JsonSchema>(field: &str) -> String {
    let schema = schemars::generate::SchemaSettings::openapi3()
        .into_generator()
        .into_root_schema_for::<T>();
    serde_json::to_value(schema)
        .ok()
        .and_then(|s| {
            s.pointer(&format!("/properties/{field}/description"))
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .unwrap_or_default()
}

fn meta_doc(field: &str) -> String {
    doc::<ObjectMeta>(field)
}

fn name(o: &Value) -> Value {
    json!(text(o, "/metadata/name"))
}

/// `translateTimestampSince(creationTimestamp)`.
fn age(o: &Value) -> Value {
    json!(since(text(o, "/metadata/creationTimestamp")))
}

fn len(o: &Value, pointer: &str) -> usize {
    match o.pointer(pointer) {
        Some(Value::Object(m)) => m.len(),
        Some(Value::Array(a)) => a.len(),
        _ => 0,
    }
}

fn items<'a>(o: &'a Value, pointer: &str) -> &'a [Value] {
    o.pointer(pointer)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn or_none(s: &str) -> String {
    if s.is_empty() {
        "<none>".into()
    } else {
        s.to_string()
    }
}

fn namespace(o: &Value) -> Vec<Value> {
    vec![name(o), json!(text(o, "/status/phase")), age(o)]
}

fn config_map(o: &Value) -> Vec<Value> {
    vec![
        name(o),
        json!(len(o, "/data") + len(o, "/binaryData")),
        age(o),
    ]
}

fn secret(o: &Value) -> Vec<Value> {
    vec![
        name(o),
        json!(text(o, "/type")),
        json!(len(o, "/data")),
        age(o),
    ]
}

fn service_account(o: &Value) -> Vec<Value> {
    vec![name(o), json!(len(o, "/secrets")), age(o)]
}

fn created_at(o: &Value) -> Vec<Value> {
    let created = parse_time(text(o, "/metadata/creationTimestamp"))
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .format(&Rfc3339)
        .unwrap_or_default();
    vec![name(o), json!(created)]
}

/// `labels.FormatLabels`: `k=v` sorted by key, `<none>` when empty.
fn format_labels(map: Option<&Value>) -> String {
    let mut pairs: Vec<String> = map
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
        .collect();
    pairs.sort();
    or_none(&pairs.join(","))
}

/// `metav1.LabelSelectorAsSelector(s).String()`: requirements sorted by key, empty for none.
fn selector_string(selector: Option<&Value>) -> String {
    let mut requirements: Vec<(String, String)> = Vec::new();
    for (k, v) in selector
        .and_then(|s| s.get("matchLabels"))
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        requirements.push((k.clone(), format!("{k}={}", v.as_str().unwrap_or(""))));
    }
    for e in selector
        .map_or(&[][..], |s| items(s, "/matchExpressions"))
        .iter()
    {
        let key = text(e, "/key");
        let mut values: Vec<&str> = items(e, "/values")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        values.sort_unstable();
        let rendered = match text(e, "/operator") {
            "In" => format!("{key} in ({})", values.join(",")),
            "NotIn" => format!("{key} notin ({})", values.join(",")),
            "Exists" => key.to_string(),
            "DoesNotExist" => format!("!{key}"),
            _ => return "<invalid>".into(),
        };
        requirements.push((key.to_string(), rendered));
    }
    requirements.sort_by(|a, b| a.0.cmp(&b.0));
    let parts: Vec<String> = requirements.into_iter().map(|(_, r)| r).collect();
    parts.join(",")
}

/// `layoutContainerCells`: container names and images, comma-separated.
fn containers(o: &Value, pointer: &str) -> (String, String) {
    let list = items(o, pointer);
    let names: Vec<&str> = list.iter().map(|c| text(c, "/name")).collect();
    let images: Vec<&str> = list.iter().map(|c| text(c, "/image")).collect();
    (names.join(","), images.join(","))
}

fn service(o: &Value) -> Vec<Value> {
    let kind = match text(o, "/spec/type") {
        "" => "ClusterIP",
        t => t,
    };
    let cluster_ip = items(o, "/spec/clusterIPs")
        .first()
        .and_then(Value::as_str)
        .unwrap_or(text(o, "/spec/clusterIP"));
    let external: Vec<&str> = items(o, "/spec/externalIPs")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    // getServiceExternalIP, unclipped: the server prints wide.
    let external_ip = match kind {
        "ClusterIP" | "NodePort" => or_none(&external.join(",")),
        "LoadBalancer" => {
            let mut lb: Vec<&str> = items(o, "/status/loadBalancer/ingress")
                .iter()
                .map(|i| match text(i, "/ip") {
                    "" => text(i, "/hostname"),
                    ip => ip,
                })
                .filter(|s| !s.is_empty())
                .collect();
            lb.sort_unstable();
            lb.dedup();
            lb.extend(external);
            if lb.is_empty() {
                "<pending>".into()
            } else {
                lb.join(",")
            }
        }
        "ExternalName" => text(o, "/spec/externalName").to_string(),
        _ => "<unknown>".into(),
    };
    let ports: Vec<String> = items(o, "/spec/ports")
        .iter()
        .map(|p| {
            let port = p.get("port").and_then(Value::as_i64).unwrap_or(0);
            let protocol = match text(p, "/protocol") {
                "" => "TCP",
                proto => proto,
            };
            match p.get("nodePort").and_then(Value::as_i64).unwrap_or(0) {
                0 => format!("{port}/{protocol}"),
                node => format!("{port}:{node}/{protocol}"),
            }
        })
        .collect();
    vec![
        name(o),
        json!(kind),
        json!(or_none(cluster_ip)),
        json!(external_ip),
        json!(or_none(&ports.join(","))),
        age(o),
        json!(format_labels(o.pointer("/spec/selector"))),
    ]
}

/// `formatEndpoints`: up to three `ip:port` (or bare IPs for port-less subsets), then `+ N more...`.
fn endpoints(o: &Value) -> Vec<Value> {
    let subsets = items(o, "/subsets");
    let formatted = if subsets.is_empty() {
        "<none>".to_string()
    } else {
        let mut shown = Vec::new();
        let mut count = 0;
        for subset in subsets {
            let addresses: Vec<&str> = items(subset, "/addresses")
                .iter()
                .map(|a| text(a, "/ip"))
                .collect();
            let ports = items(subset, "/ports");
            if ports.is_empty() {
                count += addresses.len();
                shown.extend(addresses.iter().map(|ip| ip.to_string()));
                continue;
            }
            for port in ports {
                let number = port.get("port").and_then(Value::as_i64).unwrap_or(0);
                count += addresses.len();
                shown.extend(addresses.iter().map(|ip| match ip.contains(':') {
                    true => format!("[{ip}]:{number}"),
                    false => format!("{ip}:{number}"),
                }));
            }
        }
        if count > 3 {
            shown.truncate(3);
            format!("{} + {} more...", shown.join(","), count - 3)
        } else {
            shown.join(",")
        }
    };
    vec![name(o), json!(formatted), age(o)]
}

fn event(o: &Value) -> Vec<Value> {
    let first = match text(o, "/firstTimestamp") {
        "" => since(text(o, "/eventTime")),
        t => since(t),
    };
    let mut last = match text(o, "/lastTimestamp") {
        "" => first.clone(),
        t => since(t),
    };
    let mut count = o.get("count").and_then(Value::as_i64).unwrap_or(0);
    if let Some(series) = o.get("series").filter(|s| s.is_object()) {
        last = since(text(series, "/lastObservedTime"));
        count = series.get("count").and_then(Value::as_i64).unwrap_or(0);
    } else if count == 0 {
        count = 1;
    }
    let kind = text(o, "/involvedObject/kind").to_ascii_lowercase();
    let target = match text(o, "/involvedObject/name") {
        "" => kind,
        n => format!("{kind}/{n}"),
    };
    let component = match text(o, "/source/component") {
        "" => text(o, "/reportingComponent"),
        c => c,
    };
    let source = match (text(o, "/source/host"), text(o, "/reportingInstance")) {
        ("", "") => component.to_string(),
        ("", instance) | (instance, _) => format!("{component}, {instance}"),
    };
    vec![
        json!(last),
        json!(text(o, "/type")),
        json!(text(o, "/reason")),
        json!(target),
        json!(text(o, "/involvedObject/fieldPath")),
        json!(source),
        json!(text(o, "/message").trim()),
        json!(first),
        json!(count),
        name(o),
    ]
}

fn deployment(o: &Value) -> Vec<Value> {
    let replicas = o
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let status = |f: &str| {
        o.pointer(&format!("/status/{f}"))
            .and_then(Value::as_i64)
            .unwrap_or(0)
    };
    let (names, images) = containers(o, "/spec/template/spec/containers");
    vec![
        name(o),
        json!(format!("{}/{replicas}", status("readyReplicas"))),
        json!(status("updatedReplicas")),
        json!(status("availableReplicas")),
        age(o),
        json!(names),
        json!(images),
        json!(selector_string(o.pointer("/spec/selector"))),
    ]
}

/// `printReplicaSet`: desired (spec), current and ready (status) replicas.
fn replica_set(o: &Value) -> Vec<Value> {
    let count = |p: &str| o.pointer(p).and_then(Value::as_i64).unwrap_or(0);
    let (names, images) = containers(o, "/spec/template/spec/containers");
    vec![
        name(o),
        json!(count("/spec/replicas")),
        json!(count("/status/replicas")),
        json!(count("/status/readyReplicas")),
        age(o),
        json!(names),
        json!(images),
        json!(selector_string(o.pointer("/spec/selector"))),
    ]
}

/// `printPod`: READY counts ready running containers (and started restartable init
/// containers, which also count in the total); STATUS is the phase refined by init and
/// container states; RESTARTS says when the last one was.
fn pod(o: &Value) -> Vec<Value> {
    let init_specs = items(o, "/spec/initContainers");
    let restartable = |n: &str| {
        init_specs
            .iter()
            .any(|c| text(c, "/name") == n && text(c, "/restartPolicy") == "Always")
    };
    let total = items(o, "/spec/containers").len()
        + init_specs
            .iter()
            .filter(|c| text(c, "/restartPolicy") == "Always")
            .count();
    let conditions = items(o, "/status/conditions");
    let condition_true = |t: &str| {
        conditions
            .iter()
            .any(|c| text(c, "/type") == t && text(c, "/status") == "True")
    };
    let phase = text(o, "/status/phase");
    let mut reason = match text(o, "/status/reason") {
        "" => phase.to_string(),
        r => r.to_string(),
    };
    if conditions
        .iter()
        .any(|c| text(c, "/type") == "PodScheduled" && text(c, "/reason") == "SchedulingGated")
    {
        reason = "SchedulingGated".into();
    }
    let restart_count = |c: &Value| c.get("restartCount").and_then(Value::as_i64).unwrap_or(0);
    let finished = |c: &Value| parse_time(text(c, "/lastState/terminated/finishedAt"));
    let (mut restarts, mut sidecar_restarts) = (0, 0);
    let (mut last_restart, mut last_sidecar_restart) = (None, None);
    let mut ready = 0;
    let mut initializing = false;
    let init_statuses = items(o, "/status/initContainerStatuses");
    for (i, c) in init_statuses.iter().enumerate() {
        restarts += restart_count(c);
        last_restart = last_restart.max(finished(c));
        let sidecar = restartable(text(c, "/name"));
        if sidecar {
            sidecar_restarts += restart_count(c);
            last_sidecar_restart = last_sidecar_restart.max(finished(c));
        }
        let terminated = c.pointer("/state/terminated");
        let exit_code = |t: &Value| t.get("exitCode").and_then(Value::as_i64).unwrap_or(0);
        if terminated.is_some_and(|t| exit_code(t) == 0) {
            continue;
        }
        if sidecar && c.get("started") == Some(&Value::Bool(true)) {
            ready += usize::from(c.get("ready") == Some(&Value::Bool(true)));
            continue;
        }
        let waiting = text(c, "/state/waiting/reason");
        reason = match terminated {
            Some(t) => match (text(t, "/reason"), t.get("signal").and_then(Value::as_i64)) {
                ("", Some(signal)) if signal != 0 => format!("Init:Signal:{signal}"),
                ("", _) => format!("Init:ExitCode:{}", exit_code(t)),
                (r, _) => format!("Init:{r}"),
            },
            None if !waiting.is_empty() && waiting != "PodInitializing" => {
                format!("Init:{waiting}")
            }
            None => format!("Init:{i}/{}", init_specs.len()),
        };
        initializing = true;
        break;
    }
    if !initializing || condition_true("Initialized") {
        restarts = sidecar_restarts;
        last_restart = last_sidecar_restart;
        let mut running = false;
        for c in items(o, "/status/containerStatuses").iter().rev() {
            restarts += restart_count(c);
            last_restart = last_restart.max(finished(c));
            let terminated = c.pointer("/state/terminated");
            let waiting = text(c, "/state/waiting/reason");
            if !waiting.is_empty() {
                reason = waiting.to_string();
            } else if let Some(t) = terminated {
                reason = match (text(t, "/reason"), t.get("signal").and_then(Value::as_i64)) {
                    ("", Some(signal)) if signal != 0 => format!("Signal:{signal}"),
                    ("", _) => format!(
                        "ExitCode:{}",
                        t.get("exitCode").and_then(Value::as_i64).unwrap_or(0)
                    ),
                    (r, _) => r.to_string(),
                };
            } else if c.get("ready") == Some(&Value::Bool(true))
                && c.pointer("/state/running").is_some()
            {
                running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && running {
            reason = if condition_true("Ready") {
                "Running"
            } else {
                "NotReady"
            }
            .into();
        }
    }
    if o.pointer("/metadata/deletionTimestamp")
        .is_some_and(|d| !d.is_null())
    {
        if text(o, "/status/reason") == "NodeLost" {
            reason = "Unknown".into();
        } else if !matches!(phase, "Succeeded" | "Failed") {
            reason = "Terminating".into();
        }
    }
    let restarts = match last_restart {
        Some(t) if restarts != 0 => {
            format!("{restarts} ({} ago)", human_duration(seconds_since(t)))
        }
        _ => restarts.to_string(),
    };
    let gates = items(o, "/spec/readinessGates");
    let readiness_gates = if gates.is_empty() {
        "<none>".to_string()
    } else {
        let passed = gates
            .iter()
            .filter(|g| {
                let t = text(g, "/conditionType");
                conditions
                    .iter()
                    .find(|c| text(c, "/type") == t)
                    .is_some_and(|c| text(c, "/status") == "True")
            })
            .count();
        format!("{passed}/{}", gates.len())
    };
    let ip = items(o, "/status/podIPs")
        .first()
        .map_or("", |p| text(p, "/ip"));
    vec![
        name(o),
        json!(format!("{ready}/{total}")),
        json!(reason),
        json!(restarts),
        age(o),
        json!(or_none(ip)),
        json!(or_none(text(o, "/spec/nodeName"))),
        json!(or_none(text(o, "/status/nominatedNodeName"))),
        json!(readiness_gates),
    ]
}

/// A finished pod's row is marked `Completed` (printers.go `podSuccessConditions`,
/// `podFailedConditions`).
fn row_conditions(plural: &str, o: &Value) -> Option<Value> {
    if plural != "pods" {
        return None;
    }
    let message = match text(o, "/status/phase") {
        "Succeeded" => "The pod has completed successfully.",
        "Failed" => "The pod failed.",
        _ => return None,
    };
    Some(json!([{"type": "Completed", "status": "True",
        "reason": text(o, "/status/phase"), "message": message}]))
}

// ---------------------------------------------------------------------------------------------
// Time
// ---------------------------------------------------------------------------------------------

fn parse_time(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

fn seconds_since(t: OffsetDateTime) -> i64 {
    (OffsetDateTime::now_utc() - t).whole_seconds()
}

/// `translateTimestampSince`: the age of a timestamp, `<unknown>` when there is none.
fn since(timestamp: &str) -> String {
    parse_time(timestamp).map_or_else(|| "<unknown>".into(), |t| human_duration(seconds_since(t)))
}

/// `duration.HumanDuration`: two or three significant figures (`90s`, `5m30s`, `2d3h`, `3y45d`).
pub(crate) fn human_duration(seconds: i64) -> String {
    let two = |n: i64, a: &str, m: i64, b: &str| match m {
        0 => format!("{n}{a}"),
        m => format!("{n}{a}{m}{b}"),
    };
    let (minutes, hours) = (seconds / 60, seconds / 3600);
    let days = hours / 24;
    match () {
        _ if seconds < -1 => "<invalid>".into(),
        _ if seconds < 0 => "0s".into(),
        _ if seconds < 120 => format!("{seconds}s"),
        _ if minutes < 10 => two(minutes, "m", seconds % 60, "s"),
        _ if minutes < 180 => format!("{minutes}m"),
        _ if hours < 8 => two(hours, "h", minutes % 60, "m"),
        _ if hours < 48 => format!("{hours}h"),
        _ if hours < 24 * 8 => two(days, "d", hours % 24, "h"),
        _ if hours < 24 * 365 * 2 => format!("{days}d"),
        _ if hours < 24 * 365 * 8 => two(days / 365, "y", days % 365, "d"),
        _ => format!("{}y", days / 365),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_durations_match_apimachinery() {
        let cases = [
            (-5, "<invalid>"),
            (-1, "0s"),
            (0, "0s"),
            (119, "119s"),
            (120, "2m"),
            (330, "5m30s"),
            (600, "10m"),
            (179 * 60, "179m"),
            (3 * 3600, "3h"),
            (3 * 3600 + 60 * 5, "3h5m"),
            (47 * 3600, "47h"),
            (2 * 86400 + 3 * 3600, "2d3h"),
            (8 * 86400, "8d"),
            (729 * 86400, "729d"),
            (3 * 365 * 86400 + 45 * 86400, "3y45d"),
            (9 * 365 * 86400, "9y"),
        ];
        for (seconds, want) in cases {
            assert_eq!(human_duration(seconds), want, "{seconds}s");
        }
    }

    #[test]
    fn built_in_columns_have_their_openapi_descriptions() {
        for (plural, defs) in DEFINITIONS.iter() {
            for d in defs {
                assert!(
                    d["description"].as_str().is_some_and(|t| !t.is_empty()),
                    "{plural}: {d}"
                );
            }
        }
        assert_eq!(DEFINITIONS["services"][2]["name"], "Cluster-IP");
        assert_eq!(DEFINITIONS["pods"][8]["priority"], 1);
    }

    #[test]
    fn accept_negotiation_takes_the_first_usable_clause() {
        let kubectl = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
        assert_eq!(negotiate(kubectl), Some("meta.k8s.io/v1"));
        assert_eq!(
            negotiate(
                "application/json;as=Table;v=v2;g=meta.k8s.io, application/json;g=meta.k8s.io;v=v1beta1;as=Table"
            ),
            Some("meta.k8s.io/v1beta1")
        );
        assert_eq!(negotiate("application/json"), None);
        assert_eq!(negotiate(""), None);
        assert_eq!(
            negotiate("application/json, application/json;as=Table;v=v1;g=meta.k8s.io"),
            None
        );
        assert_eq!(
            negotiate(
                "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json"
            ),
            None
        );
    }

    #[test]
    fn custom_columns_type_their_cells() {
        let columns = [
            PrinterColumn {
                name: "Ready".into(),
                type_: "string".into(),
                format: String::new(),
                description: String::new(),
                priority: 0,
                json_path: ".status.conditions[?(@.type==\"Ready\")].reason".into(),
            },
            PrinterColumn {
                name: "Size".into(),
                type_: "integer".into(),
                format: String::new(),
                description: "how big".into(),
                priority: 1,
                json_path: ".spec.size".into(),
            },
            PrinterColumn {
                name: "Missing".into(),
                type_: "string".into(),
                format: String::new(),
                description: String::new(),
                priority: 0,
                json_path: ".spec.nothing".into(),
            },
        ];
        let custom = CustomColumns::new(&columns);
        let defs = custom.definitions();
        assert_eq!(defs[0]["name"], "Name");
        assert_eq!(defs[0]["format"], "name");
        assert_eq!(
            defs[1]["description"],
            "Custom resource definition column (in JSONPath format): .status.conditions[?(@.type==\"Ready\")].reason"
        );
        assert_eq!(
            (&defs[2]["description"], &defs[2]["priority"]),
            (&json!("how big"), &json!(1))
        );
        let o = json!({"metadata": {"name": "w"}, "spec": {"size": 2.7},
            "status": {"conditions": [{"type": "Synced", "reason": "No"}, {"type": "Ready", "reason": "Done"}]}});
        assert_eq!(
            custom.cells(&o),
            vec![json!("w"), json!("Done"), json!(2), Value::Null]
        );
        // No declared columns: the default Age.
        let age = CustomColumns::new(&[]);
        assert_eq!(age.definitions()[1]["name"], "Age");
        assert_eq!(age.definitions()[1]["type"], "date");
        let created = OffsetDateTime::now_utc() - time::Duration::seconds(610);
        let o = json!({"metadata": {"name": "w", "creationTimestamp": created.format(&Rfc3339).unwrap()}});
        assert_eq!(age.cells(&o)[1], "10m");
        assert_eq!(typed_cell("date", json!("yesterday")), "<invalid>");
        assert_eq!(typed_cell("boolean", json!("true")), Value::Null);
        assert_eq!(typed_cell("string", json!({"a": 1})), r#"{"a":1}"#);
    }

    #[test]
    fn service_cells_follow_printers_go() {
        let svc = json!({"metadata": {"name": "lb"}, "spec": {"type": "LoadBalancer",
            "clusterIPs": ["172.30.0.9"], "selector": {"b": "2", "a": "1"},
            "ports": [{"port": 80, "protocol": "TCP"}, {"port": 443, "nodePort": 31234}]},
            "status": {"loadBalancer": {"ingress": [{"hostname": "x.elb.example.com"}]}}});
        let cells = service(&svc);
        assert_eq!(
            cells[1..5],
            [
                json!("LoadBalancer"),
                json!("172.30.0.9"),
                json!("x.elb.example.com"),
                json!("80/TCP,443:31234/TCP")
            ]
        );
        assert_eq!(cells[6], "a=1,b=2");
        let pending = json!({"metadata": {"name": "lb"}, "spec": {"type": "LoadBalancer"}});
        assert_eq!(service(&pending)[3], "<pending>");
        assert_eq!(service(&pending)[4], "<none>");
    }

    #[test]
    fn pod_status_reads_init_and_container_states() {
        let pod_of = |status: Value| {
            json!({"metadata": {"name": "p"},
                "spec": {"initContainers": [{"name": "init"}], "containers": [{"name": "a"}, {"name": "b"}]},
                "status": status})
        };
        let waiting = pod_of(json!({"phase": "Pending",
            "initContainerStatuses": [{"name": "init", "state": {"waiting": {"reason": "PodInitializing"}}}]}));
        assert_eq!(pod(&waiting)[1..3], [json!("0/2"), json!("Init:0/1")]);
        let crashing = pod_of(json!({"phase": "Running",
            "conditions": [{"type": "Initialized", "status": "True"}],
            "initContainerStatuses": [{"name": "init", "state": {"terminated": {"exitCode": 0}}}],
            "containerStatuses": [
                {"name": "a", "ready": true, "restartCount": 0, "state": {"running": {}}},
                {"name": "b", "ready": false, "restartCount": 3,
                 "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                 "lastState": {"terminated": {"finishedAt": "2020-01-01T00:00:00Z"}}}]}));
        let cells = pod(&crashing);
        assert_eq!(cells[1..3], [json!("1/2"), json!("CrashLoopBackOff")]);
        assert!(
            cells[3].as_str().unwrap().starts_with("3 ("),
            "{}",
            cells[3]
        );
        assert_eq!(
            cells[5..],
            [
                json!("<none>"),
                json!("<none>"),
                json!("<none>"),
                json!("<none>")
            ]
        );
    }

    #[test]
    fn event_cells_fall_back_as_printers_go_does() {
        let ev = json!({"metadata": {"name": "web.1"}, "type": "Normal", "reason": "Scaled",
            "involvedObject": {"kind": "Deployment", "name": "web", "fieldPath": ""},
            "reportingComponent": "deployment-controller", "message": " scaled up \n"});
        let cells = event(&ev);
        assert_eq!(cells[0], "<unknown>");
        assert_eq!(
            cells[1..4],
            [json!("Normal"), json!("Scaled"), json!("deployment/web")]
        );
        assert_eq!(
            cells[5..],
            [
                json!("deployment-controller"),
                json!("scaled up"),
                json!("<unknown>"),
                json!(1),
                json!("web.1")
            ]
        );
        let with_host = json!({"source": {"component": "kubelet", "host": "node-1"}, "count": 4});
        assert_eq!(event(&with_host)[5], "kubelet, node-1");
        assert_eq!(event(&with_host)[8], 4);
    }

    #[test]
    fn selectors_and_endpoints_print_as_kubectl_shows_them() {
        let sel = json!({"matchLabels": {"app": "web"},
            "matchExpressions": [{"key": "tier", "operator": "In", "values": ["b", "a"]},
                                 {"key": "canary", "operator": "DoesNotExist"}]});
        assert_eq!(selector_string(Some(&sel)), "app=web,!canary,tier in (a,b)");
        assert_eq!(selector_string(None), "");
        let ep = json!({"metadata": {"name": "e"}, "subsets": [{"addresses": [{"ip": "10.0.0.1"},
            {"ip": "10.0.0.2"}], "ports": [{"port": 80}, {"port": 443}]}]});
        assert_eq!(
            endpoints(&ep)[1],
            "10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more..."
        );
        assert_eq!(endpoints(&json!({"metadata": {"name": "e"}}))[1], "<none>");
    }
}
