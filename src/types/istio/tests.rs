use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceDefinition, JSONSchemaProps, JSONSchemaPropsOrArray,
};
use serde_json::{Value, json};

use super::*;

fn crd(name: &str) -> CustomResourceDefinition {
    crds()
        .into_iter()
        .find(|c| c.metadata.name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no CRD {name}"))
}

/// The schema at a path of property names, `[]` stepping into array items.
fn schema_at<'a>(crd: &'a CustomResourceDefinition, path: &[&str]) -> &'a JSONSchemaProps {
    let version = &crd.spec.versions[0];
    let mut schema = version
        .schema
        .as_ref()
        .and_then(|s| s.open_api_v3_schema.as_ref())
        .expect("schema");
    for step in path {
        schema = if *step == "[]" {
            match schema.items.as_ref() {
                Some(JSONSchemaPropsOrArray::Schema(items)) => items,
                other => panic!("no items at {step}: {other:?}"),
            }
        } else {
            schema
                .properties
                .as_ref()
                .and_then(|p| p.get(*step))
                .unwrap_or_else(|| panic!("no property {step} in {path:?}"))
        };
    }
    schema
}

fn round_trip<K>(object: Value) -> K
where
    K: serde::Serialize + serde::de::DeserializeOwned,
{
    let typed: K = serde_json::from_value(object.clone()).expect("deserializes");
    assert_eq!(serde_json::to_value(&typed).expect("serializes"), object);
    typed
}

#[test]
fn crd_names_versions_and_columns() {
    let all = crds();
    let summary: Vec<_> = all
        .iter()
        .map(|c| {
            let n = &c.spec.names;
            let versions: Vec<_> = c
                .spec
                .versions
                .iter()
                .map(|v| (v.name.as_str(), v.served, v.storage))
                .collect();
            (
                c.metadata.name.clone().unwrap(),
                n.kind.clone(),
                n.list_kind.clone().unwrap(),
                n.singular.clone().unwrap(),
                n.short_names.clone().unwrap_or_default(),
                n.categories.clone().unwrap(),
                c.spec.scope.clone(),
                versions,
            )
        })
        .collect();
    let net = || vec!["istio-io".to_string(), "networking-istio-io".to_string()];
    let sec = || vec!["istio-io".to_string(), "security-istio-io".to_string()];
    let alpha_beta = vec![("v1alpha3", true, true), ("v1beta1", true, false)];
    let v1_beta = vec![("v1", true, false), ("v1beta1", true, true)];
    let row = |plural: &str, group: &str, kind: &str, short: &[&str], cats: Vec<String>, v| {
        (
            format!("{plural}.{group}"),
            kind.to_string(),
            format!("{kind}List"),
            kind.to_lowercase(),
            short.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            cats,
            "Namespaced".to_string(),
            v,
        )
    };
    let group = "networking.istio.io";
    let security = "security.istio.io";
    assert_eq!(
        summary,
        vec![
            row(
                "gateways",
                group,
                "Gateway",
                &["gw"],
                net(),
                alpha_beta.clone()
            ),
            row(
                "virtualservices",
                group,
                "VirtualService",
                &["vs"],
                net(),
                alpha_beta.clone()
            ),
            row(
                "destinationrules",
                group,
                "DestinationRule",
                &["dr"],
                net(),
                alpha_beta.clone()
            ),
            row(
                "serviceentries",
                group,
                "ServiceEntry",
                &["se"],
                net(),
                alpha_beta.clone()
            ),
            row("sidecars", group, "Sidecar", &[], net(), alpha_beta.clone()),
            row(
                "peerauthentications",
                security,
                "PeerAuthentication",
                &["pa"],
                sec(),
                vec![("v1beta1", true, true)]
            ),
            row(
                "authorizationpolicies",
                security,
                "AuthorizationPolicy",
                &[],
                sec(),
                v1_beta.clone()
            ),
            row(
                "requestauthentications",
                security,
                "RequestAuthentication",
                &["ra"],
                sec(),
                v1_beta
            ),
        ]
    );

    for c in &all {
        let first = &c.spec.versions[0];
        for v in &c.spec.versions {
            assert_eq!(
                v.schema, first.schema,
                "{:?} {} schema",
                c.metadata.name, v.name
            );
            assert_eq!(
                v.additional_printer_columns,
                first.additional_printer_columns
            );
            assert!(v.subresources.as_ref().is_some_and(|s| s.status.is_some()));
        }
        let root = first
            .schema
            .as_ref()
            .unwrap()
            .open_api_v3_schema
            .as_ref()
            .unwrap();
        assert_eq!(root.required, None, "spec is optional in Istio's CRDs");
        let status = &root.properties.as_ref().unwrap()["status"];
        assert_eq!(status.type_.as_deref(), Some("object"));
        assert_eq!(status.x_kubernetes_preserve_unknown_fields, Some(true));
        assert_eq!(status.nullable, None);
    }

    let columns = |name: &str| -> Vec<(String, String, String)> {
        crd(name).spec.versions[0]
            .additional_printer_columns
            .clone()
            .unwrap_or_default()
            .into_iter()
            .map(|c| (c.name, c.type_, c.json_path))
            .collect()
    };
    let col = |n: &str, t: &str, p: &str| (n.to_string(), t.to_string(), p.to_string());
    let age = || col("Age", "date", ".metadata.creationTimestamp");
    assert_eq!(
        columns("virtualservices.networking.istio.io"),
        vec![
            col("Gateways", "string", ".spec.gateways"),
            col("Hosts", "string", ".spec.hosts"),
            age()
        ]
    );
    assert_eq!(
        columns("destinationrules.networking.istio.io"),
        vec![col("Host", "string", ".spec.host"), age()]
    );
    assert_eq!(
        columns("serviceentries.networking.istio.io"),
        vec![
            col("Hosts", "string", ".spec.hosts"),
            col("Location", "string", ".spec.location"),
            col("Resolution", "string", ".spec.resolution"),
            age()
        ]
    );
    assert_eq!(
        columns("peerauthentications.security.istio.io"),
        vec![col("Mode", "string", ".spec.mtls.mode"), age()]
    );
    assert_eq!(columns("gateways.networking.istio.io"), vec![]);
}

#[test]
fn virtual_service_with_weights_and_a_fractional_mirror_round_trips() {
    let object = json!({
        "apiVersion": "networking.istio.io/v1beta1",
        "kind": "VirtualService",
        "metadata": {"name": "details", "namespace": "bookinfo"},
        "spec": {
            "hosts": ["details.bookinfo.svc.cluster.local"],
            "http": [{
                "match": [{"uri": {"prefix": "/details"}, "headers": {"x-peer": {"exact": "east"}}}],
                "route": [
                    {"destination": {"host": "details.bookinfo.svc.cluster.local", "subset": "v1"}, "weight": 50},
                    {"destination": {"host": "details.bookinfo.svc.cluster.local", "subset": "v2"}, "weight": 25},
                    {
                        "destination": {
                            "host": "details.bookinfo.svc.aro-mesh-imports.local",
                            "port": {"number": 9080}
                        },
                        "weight": 25
                    }
                ],
                "mirror": {"host": "details.bookinfo.svc.aro-mesh-imports.local"},
                "mirrorPercentage": {"value": 12.5},
                "retries": {"attempts": 3, "perTryTimeout": "2s", "retryOn": "5xx,reset"},
                "timeout": "10s"
            }]
        }
    });
    let vs: VirtualService = round_trip(object);
    let route = &vs.spec.http.as_ref().unwrap()[0];
    let weights: Vec<_> = route.route.iter().flatten().map(|d| d.weight).collect();
    assert_eq!(weights, vec![Some(50), Some(25), Some(25)]);
    assert_eq!(
        route.route.as_ref().unwrap()[2].destination.host,
        "details.bookinfo.svc.aro-mesh-imports.local"
    );
    assert_eq!(route.mirror_percentage, Some(Percent::new(12.5)));
    assert_eq!(
        route.r#match.as_ref().unwrap()[0].uri,
        Some(StringMatch::prefix("/details"))
    );

    // The proto name Istio also accepts reads into the same field.
    let old: HttpRoute = serde_json::from_value(json!({"mirror_percent": 5})).unwrap();
    assert_eq!(old.mirror_percent, Some(5));
    assert_eq!(
        serde_json::to_value(&old).unwrap(),
        json!({"mirrorPercent": 5})
    );

    let crd = crd("virtualservices.networking.istio.io");
    let value = schema_at(&crd, &["spec", "http", "[]", "mirrorPercentage", "value"]);
    assert_eq!(
        (value.type_.as_deref(), value.format.as_deref()),
        (Some("number"), Some("double"))
    );
    let weight = schema_at(&crd, &["spec", "http", "[]", "route", "[]", "weight"]);
    assert_eq!(
        (weight.type_.as_deref(), weight.format.as_deref()),
        (Some("integer"), Some("int32"))
    );
    let port = schema_at(
        &crd,
        &[
            "spec",
            "http",
            "[]",
            "route",
            "[]",
            "destination",
            "port",
            "number",
        ],
    );
    assert_eq!(
        (port.type_.as_deref(), port.format.as_deref(), port.minimum),
        (Some("integer"), None, None)
    );
    let destination = schema_at(&crd, &["spec", "http", "[]", "route", "[]", "destination"]);
    assert_eq!(destination.required, Some(vec!["host".to_string()]));
}

#[test]
fn destination_rule_with_subsets_round_trips() {
    let object = json!({
        "apiVersion": "networking.istio.io/v1beta1",
        "kind": "DestinationRule",
        "metadata": {"name": "details", "namespace": "bookinfo"},
        "spec": {
            "host": "details.bookinfo.svc.cluster.local",
            "trafficPolicy": {
                "loadBalancer": {"simple": "ROUND_ROBIN"},
                "connectionPool": {"tcp": {"maxConnections": 100, "connectTimeout": "30ms"}},
                "outlierDetection": {"consecutive5xxErrors": 7, "interval": "5m", "baseEjectionTime": "15m"},
                "tls": {"mode": "ISTIO_MUTUAL"}
            },
            "subsets": [
                {"name": "v1", "labels": {"version": "v1"}},
                {
                    "name": "v2",
                    "labels": {"version": "v2"},
                    "trafficPolicy": {"loadBalancer": {"consistentHash": {"httpHeaderName": "x-user"}}}
                }
            ],
            "exportTo": ["."]
        },
        "status": {"validationMessages": [{"type": {"code": "IST0101"}}]}
    });
    let dr: DestinationRule = round_trip(object);
    let names: Vec<_> = dr
        .spec
        .subsets
        .iter()
        .flatten()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(names, ["v1", "v2"]);
    let policy = dr.spec.traffic_policy.as_ref().unwrap();
    assert_eq!(
        policy.tls.as_ref().unwrap().mode,
        Some(ClientTlsMode::IstioMutual)
    );
    assert_eq!(
        policy.load_balancer.as_ref().unwrap().simple,
        Some(SimpleLb::RoundRobin)
    );
    assert_eq!(
        policy
            .outlier_detection
            .as_ref()
            .unwrap()
            .consecutive_5xx_errors,
        Some(7)
    );
    assert!(
        dr.status
            .as_ref()
            .unwrap()
            .0
            .contains_key("validationMessages")
    );

    let crd = crd("destinationrules.networking.istio.io");
    assert_eq!(
        schema_at(&crd, &["spec"]).required,
        Some(vec!["host".to_string()])
    );
    assert_eq!(
        schema_at(&crd, &["spec", "subsets", "[]"]).required,
        Some(vec!["name".to_string()])
    );
    let lb = schema_at(&crd, &["spec", "trafficPolicy", "loadBalancer"]);
    assert_eq!(
        lb.one_of.as_ref().map(Vec::len),
        Some(3),
        "none, simple, or consistentHash"
    );
    let simple = schema_at(&crd, &["spec", "trafficPolicy", "loadBalancer", "simple"]);
    let values: Vec<_> = simple.enum_.iter().flatten().map(|v| v.0.clone()).collect();
    assert_eq!(
        values,
        [
            "UNSPECIFIED",
            "LEAST_CONN",
            "RANDOM",
            "PASSTHROUGH",
            "ROUND_ROBIN",
            "LEAST_REQUEST"
        ]
        .map(Value::from)
    );
    let enabled = schema_at(
        &crd,
        &[
            "spec",
            "trafficPolicy",
            "loadBalancer",
            "localityLbSetting",
            "enabled",
        ],
    );
    assert_eq!(enabled.nullable, Some(true));
}

#[test]
fn authorization_policy_deny_with_not_principals_round_trips() {
    let object = json!({
        "apiVersion": "security.istio.io/v1beta1",
        "kind": "AuthorizationPolicy",
        "metadata": {"name": "deny-foreign", "namespace": "bookinfo"},
        "spec": {
            "selector": {"matchLabels": {"app": "details"}},
            "action": "DENY",
            "rules": [{
                "from": [{"source": {
                    "notPrincipals": ["cluster.local/ns/bookinfo/sa/bookinfo-productpage"],
                    "namespaces": ["bookinfo"]
                }}],
                "to": [{"operation": {"methods": ["GET"], "notPaths": ["/health"]}}],
                "when": [{"key": "request.headers[x-peer]", "notValues": ["west"]}]
            }]
        }
    });
    let ap: AuthorizationPolicy = round_trip(object);
    assert_eq!(ap.spec.action, Some(AuthorizationAction::Deny));
    let source = ap.spec.rules.as_ref().unwrap()[0].from.as_ref().unwrap()[0]
        .source
        .as_ref()
        .unwrap();
    assert_eq!(
        source.not_principals,
        Some(vec![
            "cluster.local/ns/bookinfo/sa/bookinfo-productpage".to_string()
        ])
    );
    assert!(
        serde_json::from_value::<AuthorizationPolicySpec>(json!({"action": "REJECT"})).is_err()
    );

    let crd = crd("authorizationpolicies.security.istio.io");
    let action = schema_at(&crd, &["spec", "action"]);
    let values: Vec<_> = action.enum_.iter().flatten().map(|v| v.0.clone()).collect();
    assert_eq!(
        values,
        ["ALLOW", "DENY", "AUDIT", "CUSTOM"].map(Value::from)
    );
    let when = schema_at(&crd, &["spec", "rules", "[]", "when", "[]"]);
    assert_eq!(when.required, Some(vec!["key".to_string()]));
}

#[test]
fn http_routes_are_closed() {
    let crd = crd("virtualservices.networking.istio.io");
    let http = schema_at(&crd, &["spec", "http", "[]"]);
    let properties = http.properties.as_ref().unwrap();
    assert!(!properties.contains_key("bogus"));
    assert!(properties.contains_key("mirror_percent") && properties.contains_key("mirrorPercent"));
    assert_eq!(http.x_kubernetes_preserve_unknown_fields, None);
    assert_eq!(http.additional_properties, None);
    let spec = schema_at(&crd, &["spec"]);
    assert_eq!(spec.x_kubernetes_preserve_unknown_fields, None);
    assert_eq!(spec.additional_properties, None);
    // Typed round trips drop what the schema does not know, as the API server's pruning does.
    let route: HttpRoute = serde_json::from_value(json!({"name": "r", "bogus": 1})).unwrap();
    assert_eq!(serde_json::to_value(&route).unwrap(), json!({"name": "r"}));
}
