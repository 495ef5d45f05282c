use std::sync::Arc;

use chrono::TimeDelta;
use weir_store::{NewApiToken, NewSession, NewUser, Role, Store, StoreError, clock};

fn user(name: &str, role: Role) -> NewUser {
    NewUser {
        username: name.into(),
        password_hash: format!("$argon2id$fake${name}"),
        role,
    }
}

pub async fn users_are_created_updated_and_unique(store: Arc<dyn Store>) {
    let ann = store.create_user(&user("ann", Role::Admin)).await.unwrap();
    assert_eq!(ann.role, Role::Admin);
    store.create_user(&user("bob", Role::Viewer)).await.unwrap();
    let twice = store.create_user(&user("ann", Role::Viewer)).await;
    assert!(matches!(twice, Err(StoreError::Conflict(_))), "{twice:?}");
    let names: Vec<String> = store
        .list_users()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.username)
        .collect();
    assert_eq!(names, ["ann", "bob"]);
    assert_eq!(store.get_user("ann").await.unwrap(), Some(ann.clone()));
    assert_eq!(store.get_user("nobody").await.unwrap(), None);

    store
        .update_user("bob", "$argon2id$new", Role::Operator)
        .await
        .unwrap();
    let bob = store.get_user("bob").await.unwrap().unwrap();
    assert_eq!(
        (bob.password_hash.as_str(), bob.role),
        ("$argon2id$new", Role::Operator)
    );
    let missing = store.update_user("nobody", "x", Role::Viewer).await;
    assert!(
        matches!(missing, Err(StoreError::NotFound(_))),
        "{missing:?}"
    );
    // The Debug form never shows the hash.
    assert!(!format!("{bob:?}").contains("argon2"));

    assert!(store.delete_user("bob").await.unwrap());
    assert!(!store.delete_user("bob").await.unwrap());
}

pub async fn tokens_are_found_by_hash_and_revoked(store: Arc<dyn Store>) {
    let expires = clock::now() + TimeDelta::days(30);
    let token = store
        .create_api_token(&NewApiToken {
            name: "ci".into(),
            token_hash: "hash-1".into(),
            prefix: "weir_ab12".into(),
            role: Role::Operator,
            created_by: Some("ann".into()),
            expires_at: Some(expires),
        })
        .await
        .unwrap();
    assert_eq!(token.role, Role::Operator);
    assert_eq!(token.expires_at, Some(clock::truncate(expires)));
    assert!(token.is_valid_at(clock::now()));
    assert!(!token.is_valid_at(expires + TimeDelta::seconds(1)));
    assert_eq!(
        store.find_api_token("hash-1").await.unwrap(),
        Some(token.clone())
    );
    assert_eq!(store.find_api_token("hash-2").await.unwrap(), None);

    let used = clock::now();
    store.touch_api_token(token.id, used).await.unwrap();
    let found = store.find_api_token("hash-1").await.unwrap().unwrap();
    assert_eq!(found.last_used_at, Some(used));

    assert!(store.revoke_api_token(token.id).await.unwrap());
    assert!(
        !store.revoke_api_token(token.id).await.unwrap(),
        "revoking twice is a no-op"
    );
    let revoked = store.find_api_token("hash-1").await.unwrap().unwrap();
    assert!(revoked.revoked_at.is_some());
    assert!(!revoked.is_valid_at(clock::now()));
    assert_eq!(store.list_api_tokens().await.unwrap().len(), 1);

    let duplicate = store
        .create_api_token(&NewApiToken {
            name: "again".into(),
            token_hash: "hash-1".into(),
            prefix: "weir_ab12".into(),
            role: Role::Viewer,
            created_by: None,
            expires_at: None,
        })
        .await;
    assert!(
        matches!(duplicate, Err(StoreError::Conflict(_))),
        "{duplicate:?}"
    );
}

pub async fn sessions_expire_and_end_with_the_password(store: Arc<dyn Store>) {
    let ann = store.create_user(&user("ann", Role::Admin)).await.unwrap();
    let now = clock::now();
    let session = |hash: &str, ttl: i64| NewSession {
        session_hash: hash.into(),
        user_id: ann.id,
        csrf_token: format!("csrf-{hash}"),
        expires_at: now + TimeDelta::seconds(ttl),
    };
    store.create_session(&session("live", 3600)).await.unwrap();
    store.create_session(&session("old", 1)).await.unwrap();

    let live = store.get_session("live", now).await.unwrap().unwrap();
    assert_eq!(live.user.username, "ann");
    assert_eq!(live.csrf_token, "csrf-live");
    let later = now + TimeDelta::seconds(2);
    assert!(
        store.get_session("old", later).await.unwrap().is_none(),
        "expired"
    );
    assert_eq!(store.delete_expired_sessions(later).await.unwrap(), 1);
    assert!(store.get_session("unknown", now).await.unwrap().is_none());

    // The same password keeps sessions; a new one ends them.
    store
        .update_user("ann", &ann.password_hash, Role::Admin)
        .await
        .unwrap();
    assert!(store.get_session("live", now).await.unwrap().is_some());
    store
        .update_user("ann", "$argon2id$changed", Role::Admin)
        .await
        .unwrap();
    assert!(store.get_session("live", now).await.unwrap().is_none());

    store.create_session(&session("again", 3600)).await.unwrap();
    assert!(store.delete_session("again").await.unwrap());
    assert!(!store.delete_session("again").await.unwrap());
    store
        .create_session(&session("gone-with-user", 3600))
        .await
        .unwrap();
    store.delete_user("ann").await.unwrap();
    assert!(
        store
            .get_session("gone-with-user", now)
            .await
            .unwrap()
            .is_none()
    );
}
