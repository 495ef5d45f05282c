//! `connect` picks the backend by URL and refuses what it does not know.

use weir_store::{Store, StoreError};

#[tokio::test]
async fn unknown_urls_are_refused_without_their_password() {
    let err = weir_store::connect("mysql://me:secret@localhost/db")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    let text = err.to_string();
    assert!(
        !text.contains("secret") && text.contains("mysql://me:***@localhost/db"),
        "{text}"
    );
}

#[tokio::test]
async fn sqlite_in_memory_works_and_migrating_twice_is_harmless() {
    let store = weir_store::connect("sqlite::memory:").await.unwrap();
    assert_eq!(store.backend(), "sqlite");
    store.migrate().await.unwrap();
    store.migrate().await.unwrap();
    let pools = store.list_pools().await.unwrap();
    assert_eq!(pools[0].name, "default_pool");
    let _: &dyn Store = store.as_ref();
}
