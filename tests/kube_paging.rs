//! fedrun reads large lists in pages, as kubectl does, and still sees every object.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use fedrun::kube::Clusters;
use fedrun::sim::api::router;
use fedrun::sim::cluster::{Provider, SimCluster};
use fedrun::sim::resources::builtin_types;
use fedrun::sim::store::Store;
use serde_json::json;

#[tokio::test]
async fn a_list_longer_than_a_page_is_read_whole_in_pages() {
    let store = Arc::new(Store::new());
    let kind = |plural: &str| {
        builtin_types()
            .into_iter()
            .find(|t| t.plural == plural)
            .unwrap()
    };
    store
        .create(
            &kind("namespaces"),
            "",
            json!({"metadata": {"name": "many"}}),
        )
        .unwrap();
    let configmaps = kind("configmaps");
    for i in 0..1201 {
        store
            .create(
                &configmaps,
                "many",
                json!({"metadata": {"name": format!("cm-{i:04}")}, "data": {"i": i.to_string()}}),
            )
            .unwrap();
    }
    let cluster = Arc::new(SimCluster::new("rosa", Provider::Aws, store));
    let raw = kube::Client::new(router(cluster.clone()), "default");
    let rosa = Clusters::from_clients(vec![("rosa".into(), raw)])
        .cluster("rosa")
        .await
        .unwrap();
    // Discovery first, so that the count below is the list's alone.
    rosa.list("namespace", None, None, None).await.unwrap();

    let before = cluster.requests.load(Ordering::Relaxed);
    let listed = rosa
        .list("configmap", Some("many"), None, None)
        .await
        .unwrap();
    let requests = cluster.requests.load(Ordering::Relaxed) - before;
    assert_eq!(listed.len(), 1201);
    let mut names: Vec<&str> = listed
        .iter()
        .map(|o| o["metadata"]["name"].as_str().unwrap())
        .collect();
    names.dedup();
    assert_eq!(names.len(), 1201, "no object twice");
    // 500 + 500 + 201.
    assert_eq!(requests, 3);
}
