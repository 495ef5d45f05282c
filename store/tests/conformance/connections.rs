//! Connections: set (insert or update), look up, list with the password masked, delete; and the
//! resolver that prefers the environment.

use std::collections::HashMap;
use std::sync::Arc;

use weir_store::{ConnectionUrl, Store, StoreError, resolve_connection};

const SECRET: &str = "s3cr3t-pw";

fn url(db: &str) -> ConnectionUrl {
    ConnectionUrl::new(format!("postgres://reader:{SECRET}@db.internal:5432/{db}"))
}

pub async fn connections_are_set_updated_listed_masked_and_deleted(store: Arc<dyn Store>) {
    assert_eq!(store.connection_url("crm").await.unwrap(), None);
    store
        .set_connection("crm", &url("crm"), Some("the CRM replica"))
        .await
        .unwrap();
    store
        .set_connection("billing", &ConnectionUrl::new("postgres://root@b/x"), None)
        .await
        .unwrap();
    assert_eq!(
        store.connection_url("crm").await.unwrap(),
        Some(url("crm")),
        "the URL comes back whole, password included"
    );

    let listed = store.list_connections().await.unwrap();
    assert_eq!(
        listed.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        ["billing", "crm"]
    );
    let crm = &listed[1];
    assert_eq!(crm.masked_url, "postgres://reader:***@db.internal:5432/crm");
    assert_eq!(crm.description.as_deref(), Some("the CRM replica"));
    assert!(!format!("{listed:?}").contains(SECRET), "{listed:?}");

    // Setting again replaces the URL, keeps the description when none is given, and moves
    // updated_at only.
    let first = crm.clone();
    store
        .set_connection("crm", &url("crm2"), None)
        .await
        .unwrap();
    assert_eq!(
        store.connection_url("crm").await.unwrap(),
        Some(url("crm2"))
    );
    let again = store.list_connections().await.unwrap().remove(1);
    assert_eq!(again.description.as_deref(), Some("the CRM replica"));
    assert_eq!(again.created_at, first.created_at);
    assert!(again.updated_at >= first.updated_at);
    store
        .set_connection("crm", &url("crm2"), Some("moved"))
        .await
        .unwrap();
    let moved = store.list_connections().await.unwrap().remove(1);
    assert_eq!(moved.description.as_deref(), Some("moved"));

    assert!(store.delete_connection("crm").await.unwrap());
    assert!(!store.delete_connection("crm").await.unwrap());
    assert_eq!(store.connection_url("crm").await.unwrap(), None);
    assert_eq!(store.list_connections().await.unwrap().len(), 1);
}

pub async fn invalid_connections_are_refused_without_showing_the_url(store: Arc<dyn Store>) {
    for name in ["", "2crm", "a.b", "a b"] {
        let err = store
            .set_connection(name, &url("x"), None)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{name}: {err}");
        assert!(!err.to_string().contains(SECRET), "{err}");
    }
    let err = store
        .set_connection("crm", &ConnectionUrl::new(format!("reader:{SECRET}")), None)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    assert!(!err.to_string().contains(SECRET), "{err}");
    assert!(store.list_connections().await.unwrap().is_empty());
}

pub async fn the_environment_comes_before_the_store(store: Arc<dyn Store>) {
    store
        .set_connection("crm-eu", &url("stored"), None)
        .await
        .unwrap();
    let env: HashMap<String, String> = [(
        "WEIR_CONN_CRM_EU".to_string(),
        "postgres://env@h/fromenv".to_string(),
    )]
    .into();
    let from_env = resolve_connection("crm-eu", |k| env.get(k).cloned(), store.as_ref())
        .await
        .unwrap();
    assert_eq!(
        from_env,
        Some(ConnectionUrl::new("postgres://env@h/fromenv"))
    );
    let empty_env = |_: &str| None;
    let from_store = resolve_connection("crm-eu", empty_env, store.as_ref())
        .await
        .unwrap();
    assert_eq!(from_store, Some(url("stored")));
    // An empty variable counts as unset.
    let blank = |k: &str| (k == "WEIR_CONN_CRM_EU").then(String::new);
    assert_eq!(
        resolve_connection("crm-eu", blank, store.as_ref())
            .await
            .unwrap(),
        Some(url("stored"))
    );
    assert_eq!(
        resolve_connection("nowhere", empty_env, store.as_ref())
            .await
            .unwrap(),
        None
    );
}
