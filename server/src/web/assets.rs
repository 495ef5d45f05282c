//! The dashboard's static files, embedded in the binary so that `weir` needs nothing next to
//! it and nothing is fetched from the internet. Each is served under /static/ with a long
//! cache; pages link to `/static/NAME?v=HASH`, so a new build's files get new URLs.

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

struct Asset {
    bytes: &'static [u8],
    content_type: &'static str,
}

macro_rules! assets {
    ($($name:literal => $type:literal),* $(,)?) => {
        /// Every file under web/static that is served, by its path below /static/.
        fn table() -> &'static [(&'static str, Asset)] {
            &[$((
                $name,
                Asset {
                    bytes: include_bytes!(concat!("../../../web/static/", $name)),
                    content_type: $type,
                },
            )),*]
        }
    };
}

assets! {
    "weir.css" => "text/css; charset=utf-8",
    "weir.js" => "text/javascript; charset=utf-8",
    "favicon.svg" => "image/svg+xml",
    "api-docs.js" => "text/javascript; charset=utf-8",
    "vendor/htmx/htmx.min.js" => "text/javascript; charset=utf-8",
    "vendor/htmx/LICENSE" => "text/plain; charset=utf-8",
    "vendor/swagger-ui/swagger-ui-bundle.js" => "text/javascript; charset=utf-8",
    "vendor/swagger-ui/swagger-ui-bundle.js.LICENSE.txt" => "text/plain; charset=utf-8",
    "vendor/swagger-ui/swagger-ui.css" => "text/css; charset=utf-8",
    "vendor/swagger-ui/LICENSE" => "text/plain; charset=utf-8",
    "vendor/swagger-ui/NOTICE" => "text/plain; charset=utf-8",
    "vendor/README.md" => "text/plain; charset=utf-8",
}

/// Each asset's content hash (the first 12 hex digits of its sha256), computed once.
fn hashes() -> &'static HashMap<&'static str, String> {
    static HASHES: OnceLock<HashMap<&'static str, String>> = OnceLock::new();
    HASHES.get_or_init(|| {
        table()
            .iter()
            .map(|(name, asset)| {
                let digest = Sha256::digest(asset.bytes);
                (*name, hex::encode(&digest[..6]))
            })
            .collect()
    })
}

/// The URL a page links an asset with: its content hash in the query keeps caches honest.
pub fn url(name: &str) -> String {
    match hashes().get(name) {
        Some(hash) => format!("/static/{name}?v={hash}"),
        // A template naming a file that is not embedded: the asset test catches it.
        None => format!("/static/{name}"),
    }
}

/// `GET /static/{*path}`: public (the login page needs the stylesheet), cached for a year.
pub async fn serve(Path(path): Path<String>) -> Response {
    let Some((_, asset)) = table().iter().find(|(name, _)| *name == path) else {
        return (StatusCode::NOT_FOUND, "no such static file").into_response();
    };
    let mut response = asset.bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_carry_the_content_hash() {
        let u = url("weir.css");
        assert!(u.starts_with("/static/weir.css?v="), "{u}");
        assert_eq!(u.len(), "/static/weir.css?v=".len() + 12);
    }

    #[test]
    fn every_vendored_library_ships_with_its_license() {
        let names: Vec<&str> = table().iter().map(|(n, _)| *n).collect();
        for lib in ["vendor/htmx/", "vendor/swagger-ui/"] {
            assert!(
                names
                    .iter()
                    .any(|n| n.starts_with(lib) && n.ends_with("LICENSE")),
                "{lib} has no LICENSE"
            );
        }
    }
}
