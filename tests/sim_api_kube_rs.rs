//! The simulator's API as kube-rs sees it: CRUD, selectors, watch, server-side apply, conflicts,
//! CRDs and custom resources. Driven in-process (the router as the client's tower service), which
//! exercises exactly the HTTP the client sends without sockets; the HTTPS path has its own tests.

use std::sync::Arc;

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::Client;
use kube::api::{
    Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams, WatchEvent,
    WatchParams,
};
use kube::core::{ApiResource, GroupVersionKind};
use kube::discovery::Discovery;
use serde_json::json;

use fedrun::sim::api::router;
use fedrun::sim::cluster::{Provider, SimCluster};
use fedrun::sim::store::Store;

fn client() -> (Client, Arc<SimCluster>) {
    let cluster = Arc::new(SimCluster::new(
        "test",
        Provider::Aws,
        Arc::new(Store::new()),
    ));
    (Client::new(router(cluster.clone()), "default"), cluster)
}

async fn namespace(client: &Client, name: &str) {
    let api: Api<Namespace> = Api::all(client.clone());
    api.create(
        &PostParams::default(),
        &serde_json::from_value(json!({"metadata": {"name": name}})).unwrap(),
    )
    .await
    .unwrap();
}

fn configmap(name: &str, labels: serde_json::Value, data: serde_json::Value) -> ConfigMap {
    serde_json::from_value(json!({"metadata": {"name": name, "labels": labels}, "data": data}))
        .unwrap()
}

#[tokio::test]
async fn crud_round_trip() {
    let (client, _) = client();
    namespace(&client, "demo").await;
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), "demo");
    let created = api
        .create(
            &PostParams::default(),
            &configmap("a", json!({}), json!({"k": "v"})),
        )
        .await
        .unwrap();
    assert!(created.metadata.uid.is_some());
    let got = api.get("a").await.unwrap();
    assert_eq!(got.data.unwrap()["k"], "v");

    let mut changed = api.get("a").await.unwrap();
    changed
        .data
        .as_mut()
        .unwrap()
        .insert("k".into(), "w".into());
    let replaced = api
        .replace("a", &PostParams::default(), &changed)
        .await
        .unwrap();
    assert_eq!(replaced.data.unwrap()["k"], "w");

    api.delete("a", &DeleteParams::default()).await.unwrap();
    let err = api.get("a").await.unwrap_err();
    match err {
        kube::Error::Api(s) => assert_eq!(s.code, 404),
        other => panic!("expected 404, got {other:?}"),
    }
    assert!(api.get_opt("a").await.unwrap().is_none());
}

#[tokio::test]
async fn list_with_label_and_field_selectors() {
    let (client, _) = client();
    namespace(&client, "demo").await;
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), "demo");
    for (name, app) in [("a", "x"), ("b", "y"), ("c", "x")] {
        api.create(
            &PostParams::default(),
            &configmap(name, json!({"app": app}), json!({})),
        )
        .await
        .unwrap();
    }
    let names = |list: kube::core::ObjectList<ConfigMap>| {
        list.items
            .into_iter()
            .map(|c| c.metadata.name.unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(
            api.list(&ListParams::default().labels("app=x"))
                .await
                .unwrap()
        ),
        vec!["a", "c"]
    );
    assert_eq!(
        names(
            api.list(&ListParams::default().fields("metadata.name=b"))
                .await
                .unwrap()
        ),
        vec!["b"]
    );
    let all: Api<ConfigMap> = Api::all(client.clone());
    assert_eq!(
        all.list(&ListParams::default()).await.unwrap().items.len(),
        3
    );
}

#[tokio::test]
async fn watch_reports_changes_after_a_resource_version() {
    let (client, _) = client();
    namespace(&client, "demo").await;
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), "demo");
    let list = api.list(&ListParams::default()).await.unwrap();
    let rv = list.metadata.resource_version.unwrap();
    let mut stream = api
        .watch(&WatchParams::default().timeout(5), &rv)
        .await
        .unwrap()
        .boxed();
    api.create(
        &PostParams::default(),
        &configmap("w", json!({}), json!({"n": "1"})),
    )
    .await
    .unwrap();
    api.patch(
        "w",
        &PatchParams::default(),
        &Patch::Merge(json!({"data": {"n": "2"}})),
    )
    .await
    .unwrap();
    api.delete("w", &DeleteParams::default()).await.unwrap();
    let mut seen = Vec::new();
    while seen.len() < 3 {
        match stream
            .try_next()
            .await
            .unwrap()
            .expect("stream ended early")
        {
            WatchEvent::Added(c) => seen.push(format!("added {}", c.data.unwrap()["n"])),
            WatchEvent::Modified(c) => seen.push(format!("modified {}", c.data.unwrap()["n"])),
            WatchEvent::Deleted(_) => seen.push("deleted".into()),
            WatchEvent::Bookmark(_) => {}
            WatchEvent::Error(e) => panic!("watch error {e:?}"),
        }
    }
    assert_eq!(seen, vec!["added 1", "modified 2", "deleted"]);
}

#[tokio::test]
async fn server_side_apply_twice_is_idempotent() {
    let (client, _) = client();
    namespace(&client, "demo").await;
    let api: Api<Deployment> = Api::namespaced(client.clone(), "demo");
    let deployment = json!({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "nginx:1"}]}}}
    });
    let params = PatchParams::apply("fedrun").force();
    let first = api
        .patch("web", &params, &Patch::Apply(&deployment))
        .await
        .unwrap();
    let second = api
        .patch("web", &params, &Patch::Apply(&deployment))
        .await
        .unwrap();
    assert_eq!(
        first.metadata.resource_version, second.metadata.resource_version,
        "no-op apply must not write"
    );
    assert_eq!(second.metadata.generation, Some(1));
    let managers: Vec<_> = second
        .metadata
        .managed_fields
        .unwrap()
        .into_iter()
        .map(|m| m.manager.unwrap())
        .collect();
    assert_eq!(managers, vec!["fedrun"]);

    let mut scaled = deployment.clone();
    scaled["spec"]["replicas"] = json!(3);
    let third = api
        .patch("web", &params, &Patch::Apply(&scaled))
        .await
        .unwrap();
    assert_eq!(third.metadata.generation, Some(2));
}

#[tokio::test]
async fn stale_update_conflicts() {
    let (client, _) = client();
    namespace(&client, "demo").await;
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), "demo");
    let original = api
        .create(
            &PostParams::default(),
            &configmap("c", json!({}), json!({"k": "1"})),
        )
        .await
        .unwrap();
    let mut first = original.clone();
    first.data.as_mut().unwrap().insert("k".into(), "2".into());
    api.replace("c", &PostParams::default(), &first)
        .await
        .unwrap();
    let mut stale = original;
    stale.data.as_mut().unwrap().insert("k".into(), "3".into());
    match api
        .replace("c", &PostParams::default(), &stale)
        .await
        .unwrap_err()
    {
        kube::Error::Api(s) => assert_eq!((s.code, s.reason.as_str()), (409, "Conflict")),
        other => panic!("expected conflict, got {other:?}"),
    }
}

#[tokio::test]
async fn crd_makes_a_kind_discoverable_and_served() {
    let (client, _) = client();
    namespace(&client, "demo").await;
    let gvk = GroupVersionKind::gvk("example.com", "v1", "Widget");
    let ar = ApiResource::from_gvk_with_plural(&gvk, "widgets");
    let widgets: Api<DynamicObject> = Api::namespaced_with(client.clone(), "demo", &ar);
    let before = widgets.list(&ListParams::default()).await.unwrap_err();
    assert!(
        matches!(before, kube::Error::Api(ref s) if s.code == 404),
        "{before:?}"
    );

    let crds: Api<DynamicObject> = Api::all_with(
        client.clone(),
        &ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk("apiextensions.k8s.io", "v1", "CustomResourceDefinition"),
            "customresourcedefinitions",
        ),
    );
    let crd = json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced", "names": {"plural": "widgets", "kind": "Widget", "shortNames": ["wd"]},
                 "versions": [{"name": "v1", "served": true, "storage": true, "subresources": {"status": {}},
                               "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                                   "spec": {"type": "object", "properties": {"size": {"type": "integer"}}},
                                   "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}}}]}
    });
    crds.patch(
        "widgets.example.com",
        &PatchParams::apply("fedrun"),
        &Patch::Apply(&crd),
    )
    .await
    .unwrap();

    let discovery = Discovery::new(client.clone()).run().await.unwrap();
    let (found, caps) = discovery.resolve_gvk(&gvk).expect("Widget discoverable");
    assert_eq!(found.plural, "widgets");
    assert_eq!(caps.scope, kube::discovery::Scope::Namespaced);

    let w = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w1"}, "spec": {"size": 3, "unknown": true}});
    // An apply must convert to a typed patch: an undeclared field fails it, whatever the
    // field validation directive.
    let refused = widgets
        .patch("w1", &PatchParams::apply("fedrun"), &Patch::Apply(&w))
        .await
        .unwrap_err();
    match refused {
        kube::Error::Api(s) => {
            assert_eq!(s.code, 500);
            assert_eq!(
                s.message,
                "failed to create typed patch object (/w1; example.com/v1, Kind=Widget): \
                 .spec.unknown: field not declared in schema"
            );
        }
        other => panic!("{other}"),
    }
    // A create without a directive is the server's default, Warn: the field is dropped.
    let w: DynamicObject = serde_json::from_value(w).unwrap();
    let created = widgets.create(&PostParams::default(), &w).await.unwrap();
    assert_eq!(
        created.data["spec"],
        json!({"size": 3}),
        "unknown fields are pruned"
    );
    widgets
        .patch_status(
            "w1",
            &PatchParams::default(),
            &Patch::Merge(json!({"status": {"phase": "Ready"}})),
        )
        .await
        .unwrap();
    assert_eq!(
        widgets.get("w1").await.unwrap().data["status"]["phase"],
        "Ready"
    );
}

#[tokio::test]
async fn kube_rs_sees_the_same_validation_answers_as_kubectl() {
    let (client, _) = client();
    namespace(&client, "demo").await;
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), "demo");
    // kubectl clears resourceVersion before a create; other clients meet the storage's refusal.
    let mut cm = configmap("a", json!({}), json!({"k": "v"}));
    cm.metadata.resource_version = Some("7".into());
    match api.create(&PostParams::default(), &cm).await.unwrap_err() {
        kube::Error::Api(s) => {
            assert_eq!(s.code, 500);
            assert_eq!(
                s.message,
                "resourceVersion should not be set on objects to be created"
            );
        }
        other => panic!("{other}"),
    }
    cm.metadata.resource_version = None;
    api.create(&PostParams::default(), &cm).await.unwrap();
    // A strict merge patch with a misspelt field: the strict decoding error kubectl shows.
    let strict = PatchParams {
        field_validation: Some(kube::api::ValidationDirective::Strict),
        ..PatchParams::default()
    };
    match api
        .patch("a", &strict, &Patch::Merge(json!({"dta": {"k": "w"}})))
        .await
        .unwrap_err()
    {
        kube::Error::Api(s) => {
            assert_eq!(s.code, 400);
            assert_eq!(
                s.message,
                "ConfigMap in version \"v1\" cannot be handled as a ConfigMap: strict decoding \
                 error: unknown field \"dta\""
            );
        }
        other => panic!("{other}"),
    }
    // Without a directive (the server's Warn) the field is dropped, the rest applied.
    let patched = api
        .patch(
            "a",
            &PatchParams::default(),
            &Patch::Merge(json!({"dta": 1, "data": {"k": "w"}})),
        )
        .await
        .unwrap();
    assert_eq!(patched.data.unwrap()["k"], "w");
}

#[tokio::test]
async fn lists_page_with_limit_and_continue() {
    let (client, _) = client();
    namespace(&client, "demo").await;
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), "demo");
    for name in ["e", "a", "d", "b", "c"] {
        api.create(
            &PostParams::default(),
            &configmap(name, json!({}), json!({})),
        )
        .await
        .unwrap();
    }
    let names = |l: &kube::core::ObjectList<ConfigMap>| -> Vec<String> {
        l.items
            .iter()
            .filter_map(|c| c.metadata.name.clone())
            .collect()
    };
    let first = api.list(&ListParams::default().limit(2)).await.unwrap();
    assert_eq!(names(&first), ["a", "b"]);
    assert_eq!(first.metadata.remaining_item_count, Some(3));
    let token = first.metadata.continue_.clone().expect("a continue token");
    let second = api
        .list(&ListParams::default().limit(2).continue_token(&token))
        .await
        .unwrap();
    assert_eq!(names(&second), ["c", "d"]);
    assert_eq!(
        second.metadata.resource_version,
        first.metadata.resource_version
    );
    let last = api
        .list(
            &ListParams::default()
                .limit(2)
                .continue_token(second.metadata.continue_.as_deref().unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(names(&last), ["e"]);
    assert_eq!(last.metadata.continue_, None);
    match api
        .list(&ListParams::default().continue_token("not-a-token"))
        .await
        .unwrap_err()
    {
        kube::Error::Api(s) => {
            assert_eq!(s.code, 400);
            assert!(
                s.message.starts_with("continue key is not valid"),
                "{}",
                s.message
            );
        }
        other => panic!("{other}"),
    }
}
