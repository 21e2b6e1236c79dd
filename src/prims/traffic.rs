//! The traffic primitives: weighted splits and mirrors across local subsets and imported services.
//!
//! Istio accepts a VirtualService whose weights do not add up, or which names a subset no
//! DestinationRule defines, and then drops traffic at runtime. fedrun refuses both before anything
//! is applied, and checks that an imported host is really imported into the mesh.

use rhai::{Array, Engine, EvalAltResult, FuncRegistration, Map, Module, NativeCallContext};
use serde_json::{Value, json};

use super::Env;
use super::cluster::Cluster;
use crate::script::{PrimitiveError, located};

type Result<T> = std::result::Result<T, Box<EvalAltResult>>;

const MEMBER_OF: &str = "maistra.io/member-of";

/// One destination of a split, validated.
#[derive(Debug, PartialEq)]
enum Destination {
    Subset(String),
    Host(String),
}

fn local_host(service: &str, namespace: &str) -> String {
    format!("{service}.{namespace}.svc.cluster.local")
}

fn refuse(cluster: &Cluster, message: String) -> Box<EvalAltResult> {
    PrimitiveError::new(message)
        .with_cluster(cluster.name())
        .into()
}

/// Reads `#{ subset, weight }`, `#{ host, weight }` or `#{ peer, service, weight }` (the imported
/// service `<service>.<namespace>.svc.<peer>-imports.local`).
fn parse_route(
    route: &rhai::Dynamic,
    namespace: &str,
) -> std::result::Result<(Destination, i64), String> {
    let map = route
        .clone()
        .try_cast::<Map>()
        .ok_or("each route must be a map such as #{ subset: \"v1\", weight: 80 }")?;
    let text = |k: &str| map.get(k).and_then(|v| v.clone().into_string().ok());
    let weight = match map.get("weight") {
        Some(w) if w.is_int() => w.as_int().unwrap_or(0),
        Some(w) => return Err(format!("weight {w} must be an integer percentage")),
        None => return Err("every route needs a `weight`".into()),
    };
    if !(0..=100).contains(&weight) {
        return Err(format!("weight {weight} is not between 0 and 100"));
    }
    if let Some(k) = map
        .keys()
        .find(|k| !["subset", "host", "peer", "service", "weight"].contains(&k.as_str()))
    {
        return Err(format!(
            "unknown route key `{k}` (known: subset, host, peer + service, weight)"
        ));
    }
    let destination = match (text("subset"), text("host"), text("peer"), text("service")) {
        (Some(s), None, None, None) => Destination::Subset(s),
        (None, Some(h), None, None) => Destination::Host(h),
        (None, None, Some(p), Some(s)) => {
            Destination::Host(format!("{s}.{namespace}.svc.{p}-imports.local"))
        }
        _ => {
            return Err(
                "a route names exactly one of `subset`, `host`, or `peer` with `service`".into(),
            );
        }
    };
    Ok((destination, weight))
}

impl Env {
    /// Subsets the DestinationRules of `service` define.
    fn subsets(&self, cluster: &Cluster, namespace: &str, service: &str) -> Result<Vec<String>> {
        let rules = self.call(
            cluster,
            cluster
                .client
                .list("destinationrule", Some(namespace), None, None),
        )?;
        let host = local_host(service, namespace);
        Ok(rules
            .iter()
            .filter(|dr| {
                dr.pointer("/spec/host")
                    .and_then(Value::as_str)
                    .is_some_and(|h| {
                        h == service || h == host || h == format!("{service}.{namespace}")
                    })
            })
            .flat_map(|dr| {
                dr.pointer("/spec/subsets")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
            })
            .filter_map(|s| s.get("name").and_then(Value::as_str).map(str::to_string))
            .collect())
    }

    /// Hostnames imported into the mesh `namespace` belongs to.
    fn imported_hosts(&self, cluster: &Cluster, namespace: &str) -> Result<Vec<String>> {
        let ns = self.call(cluster, cluster.client.get("namespace", None, namespace))?;
        let Some(mesh_ns) = ns
            .pointer(&format!(
                "/metadata/labels/{}",
                MEMBER_OF.replace('/', "~1")
            ))
            .and_then(Value::as_str)
        else {
            return Ok(Vec::new());
        };
        let sets = self.call(
            cluster,
            cluster
                .client
                .list("importedserviceset", Some(mesh_ns), None, None),
        )?;
        Ok(sets
            .iter()
            .flat_map(|s| {
                s.pointer("/status/importedServices")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
            })
            .filter_map(|s| {
                s.pointer("/localService/hostname")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .collect())
    }

    /// Checks routes against the weights rule, the DestinationRules and the mesh's imports.
    fn destinations(
        &self,
        cluster: &Cluster,
        namespace: &str,
        service: &str,
        routes: &Array,
    ) -> Result<Vec<(Destination, i64)>> {
        if routes.is_empty() {
            return Err(refuse(
                cluster,
                format!("traffic::split of {service}: no routes given"),
            ));
        }
        let parsed: Vec<(Destination, i64)> = routes
            .iter()
            .enumerate()
            .map(|(i, r)| {
                parse_route(r, namespace).map_err(|e| {
                    refuse(
                        cluster,
                        format!("traffic::split of {service}, route {}: {e}", i + 1),
                    )
                })
            })
            .collect::<Result<_>>()?;
        let total: i64 = parsed.iter().map(|(_, w)| w).sum();
        if total != 100 {
            let weights: Vec<String> = parsed.iter().map(|(_, w)| w.to_string()).collect();
            return Err(refuse(
                cluster,
                format!(
                    "traffic::split of {service}: weights {} add up to {total}, not 100",
                    weights.join(" + ")
                ),
            ));
        }
        if parsed
            .iter()
            .any(|(d, _)| matches!(d, Destination::Subset(_)))
        {
            let known = self.subsets(cluster, namespace, service)?;
            for (d, _) in &parsed {
                if let Destination::Subset(s) = d
                    && !known.contains(s)
                {
                    let hint = if known.is_empty() {
                        "no DestinationRule defines subsets for it".to_string()
                    } else {
                        format!("defined: {}", known.join(", "))
                    };
                    return Err(refuse(
                        cluster,
                        format!("traffic::split of {service}: unknown subset {s:?} ({hint})"),
                    ));
                }
            }
        }
        let remote: Vec<&String> = parsed
            .iter()
            .filter_map(|(d, _)| {
                if let Destination::Host(h) = d {
                    Some(h)
                } else {
                    None
                }
            })
            .collect();
        let foreign: Vec<&&String> = remote
            .iter()
            .filter(|h| h.ends_with("-imports.local"))
            .collect();
        if !foreign.is_empty() {
            let imported = self.imported_hosts(cluster, namespace)?;
            for h in foreign {
                if !imported.contains(h) {
                    let hint = if imported.is_empty() {
                        "the mesh imports nothing yet".to_string()
                    } else {
                        format!("imported: {}", imported.join(", "))
                    };
                    return Err(refuse(
                        cluster,
                        format!(
                            "traffic::split of {service}: {h} is not imported into this mesh ({hint})"
                        ),
                    ));
                }
            }
        }
        Ok(parsed)
    }

    fn split(
        &self,
        cluster: &Cluster,
        namespace: &str,
        service: &str,
        routes: &Array,
    ) -> Result<Map> {
        let host = local_host(service, namespace);
        let route: Vec<Value> = self
            .destinations(cluster, namespace, service, routes)?
            .into_iter()
            .map(|(d, weight)| match d {
                Destination::Subset(s) => {
                    json!({"destination": {"host": host, "subset": s}, "weight": weight})
                }
                Destination::Host(h) => json!({"destination": {"host": h}, "weight": weight}),
            })
            .collect();
        let vs = json!({
            "apiVersion": "networking.istio.io/v1beta1", "kind": "VirtualService",
            "metadata": {"name": service, "namespace": namespace},
            "spec": {"hosts": [host], "http": [{"route": route}]},
        });
        let applied = self.apply_objects(cluster, vec![vs], None)?;
        Ok(applied
            .first()
            .map(|o| crate::script::to_dynamic(o).cast())
            .unwrap_or_default())
    }

    fn mirror(
        &self,
        cluster: &Cluster,
        namespace: &str,
        service: &str,
        to: &str,
        percent: i64,
    ) -> Result<Map> {
        if !(0..=100).contains(&percent) {
            return Err(refuse(
                cluster,
                format!("traffic::mirror of {service}: percent {percent} is not between 0 and 100"),
            ));
        }
        let host = local_host(service, namespace);
        if to.ends_with("-imports.local")
            && !self
                .imported_hosts(cluster, namespace)?
                .iter()
                .any(|h| h == to)
        {
            return Err(refuse(
                cluster,
                format!("traffic::mirror of {service}: {to} is not imported into this mesh"),
            ));
        }
        let vs = json!({
            "apiVersion": "networking.istio.io/v1beta1", "kind": "VirtualService",
            "metadata": {"name": service, "namespace": namespace},
            "spec": {"hosts": [host], "http": [{
                "route": [{"destination": {"host": host}, "weight": 100}],
                "mirror": {"host": to},
                "mirrorPercentage": {"value": percent as f64},
            }]},
        });
        let applied = self.apply_objects(cluster, vec![vs], None)?;
        Ok(applied
            .first()
            .map(|o| crate::script::to_dynamic(o).cast())
            .unwrap_or_default())
    }
}

pub fn register(engine: &mut Engine, env: &Env) {
    let mut module = Module::new();
    let e = env.clone();
    FuncRegistration::new("split")
        .with_comments([
            "/// Splits the traffic to `service` in `namespace` by weight, with a VirtualService for its",
            "/// in-mesh host. Routes: `#{ subset: \"v1\", weight: 60 }` (a local subset, which a",
            "/// DestinationRule must define), `#{ host: \"details-v2.prod-bookinfo.svc.aro-stg-mesh-imports.local\", weight: 20 }`",
            "/// or `#{ peer: \"aro-stg-mesh\", service: \"details-v2\", weight: 20 }` (an imported service,",
            "/// which must be imported into the mesh). Weights are integers adding up to 100. Anything",
            "/// wrong is refused before anything is applied. Idempotent.",
        ])
        .with_params_info(["cluster: Cluster", "namespace: &str", "service: &str", "routes: Array", "Map"])
        .set_into_module(&mut module, move |call: NativeCallContext, c: Cluster, namespace: &str, service: &str, routes: Array| located(&call, || e.split(&c, namespace, service, &routes)));
    let e = env.clone();
    FuncRegistration::new("mirror")
        .with_comments([
            "/// Sends all traffic to `service` locally and mirrors `percent` % of it to host `to`",
            "/// (e.g. an imported service); mirrored responses are discarded.",
        ])
        .with_params_info([
            "cluster: Cluster",
            "namespace: &str",
            "service: &str",
            "to: &str",
            "percent: i64",
            "Map",
        ])
        .set_into_module(
            &mut module,
            move |call: NativeCallContext,
                  c: Cluster,
                  namespace: &str,
                  service: &str,
                  to: &str,
                  percent: i64| {
                located(&call, || e.mirror(&c, namespace, service, to, percent))
            },
        );
    engine.register_static_module("traffic", module.into());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(pairs: &[(&str, rhai::Dynamic)]) -> rhai::Dynamic {
        let mut m = Map::new();
        for (k, v) in pairs {
            m.insert((*k).into(), v.clone());
        }
        m.into()
    }

    #[test]
    fn routes_parse_in_three_forms() {
        assert_eq!(
            parse_route(
                &route(&[("subset", "v1".into()), ("weight", 60.into())]),
                "ns"
            ),
            Ok((Destination::Subset("v1".into()), 60))
        );
        assert_eq!(
            parse_route(
                &route(&[
                    ("peer", "aro-stg-mesh".into()),
                    ("service", "details-v2".into()),
                    ("weight", 20.into())
                ]),
                "prod"
            ),
            Ok((
                Destination::Host("details-v2.prod.svc.aro-stg-mesh-imports.local".into()),
                20
            ))
        );
        assert!(
            parse_route(
                &route(&[("subset", "v1".into()), ("weight", 2.5.into())]),
                "ns"
            )
            .unwrap_err()
            .contains("integer")
        );
        assert!(
            parse_route(
                &route(&[
                    ("subset", "v1".into()),
                    ("host", "h".into()),
                    ("weight", 5.into())
                ]),
                "ns"
            )
            .is_err()
        );
        assert!(
            parse_route(&route(&[("subset", "v1".into())]), "ns")
                .unwrap_err()
                .contains("weight")
        );
    }
}
