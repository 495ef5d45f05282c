//! Where the lake lives: one root URL (`WEIR_LAKE_URL`), a local folder by default, under which
//! each dataset `zone.name` is the Delta table `<root>/<zone>/<name>/`.

use std::collections::HashMap;
use std::path::Path;

use url::Url;

use crate::error::{LakeError, Result};

/// Schemes a lake URL may use. Object stores other than the local file system need the crate
/// feature of the same name (`s3`, `gcs`, `azure`), since each pulls a cloud SDK into the build.
const SCHEMES: &[&str] = &["file", "s3", "s3a", "gs", "az", "abfs", "abfss", "azure"];

/// The lake's root, parsed and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LakeRoot {
    url: Url,
    /// Passed to the object store (credentials come from the environment, as object_store
    /// reads them; nothing here is ever logged).
    pub(crate) storage_options: HashMap<String, String>,
}

impl LakeRoot {
    /// The root `WEIR_LAKE_URL` names, or `<home>/lake` when it is unset or empty.
    pub fn from_setting(setting: Option<&str>, home: &Path) -> Result<Self> {
        match setting.map(str::trim).filter(|s| !s.is_empty()) {
            Some(text) => Self::parse(text),
            None => Self::local(&home.join("lake")),
        }
    }

    /// A local folder, created if missing.
    pub fn local(path: &Path) -> Result<Self> {
        std::fs::create_dir_all(path).map_err(|e| LakeError::BadUrl {
            url: path.display().to_string(),
            reason: format!("cannot create the folder: {e}"),
        })?;
        let absolute = std::fs::canonicalize(path).map_err(|e| LakeError::BadUrl {
            url: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let url = Url::from_directory_path(&absolute).map_err(|()| LakeError::BadUrl {
            url: path.display().to_string(),
            reason: "not an absolute path".into(),
        })?;
        Ok(LakeRoot {
            url,
            storage_options: HashMap::new(),
        })
    }

    /// A URL (`s3://bucket/prefix`, `file:///srv/lake`, ...) or a local path.
    pub fn parse(text: &str) -> Result<Self> {
        if !text.contains("://") {
            return Self::local(Path::new(text));
        }
        let url = Url::parse(text).map_err(|e| LakeError::BadUrl {
            url: text.to_string(),
            reason: e.to_string(),
        })?;
        if !SCHEMES.contains(&url.scheme()) {
            return Err(LakeError::BadUrl {
                url: text.to_string(),
                reason: format!(
                    "unknown scheme `{}` (use a local path, file://, s3://, gs:// or az://)",
                    url.scheme()
                ),
            });
        }
        if url.scheme() == "file" {
            let path = url.to_file_path().map_err(|()| LakeError::BadUrl {
                url: text.to_string(),
                reason: "not a local path".into(),
            })?;
            return Self::local(&path);
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(LakeError::BadUrl {
                url: text.to_string(),
                reason: "the URL names no bucket or container".into(),
            });
        }
        if !cloud_enabled(url.scheme()) {
            return Err(LakeError::BadUrl {
                url: text.to_string(),
                reason: format!(
                    "this build of Weir has no `{}` object store (hint: build weir-lake with the feature `{}`)",
                    url.scheme(),
                    feature_for(url.scheme())
                ),
            });
        }
        let mut url = url;
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        Ok(LakeRoot {
            url,
            storage_options: HashMap::new(),
        })
    }

    pub fn url(&self) -> &Url {
        &self.url
    }

    /// Whether the lake is a local folder.
    pub fn is_local(&self) -> bool {
        self.url.scheme() == "file"
    }

    /// The URL of a dataset's table: `<root>/<zone>/<name>/`.
    pub(crate) fn table_url(&self, zone: &str, name: &str) -> Url {
        // Dataset names are checked to be [A-Za-z0-9_], so joining cannot escape the root.
        self.url
            .join(&format!("{zone}/{name}/"))
            .expect("a checked dataset name joins to a URL")
    }
}

impl std::fmt::Display for LakeRoot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Credentials never sit in the URL's userinfo; strip it anyway before showing.
        let mut shown = self.url.clone();
        let _ = shown.set_password(None);
        let _ = shown.set_username("");
        write!(f, "{shown}")
    }
}

fn feature_for(scheme: &str) -> &'static str {
    match scheme {
        "s3" | "s3a" => "s3",
        "gs" => "gcs",
        _ => "azure",
    }
}

fn cloud_enabled(scheme: &str) -> bool {
    match feature_for(scheme) {
        "s3" => cfg!(feature = "s3"),
        "gcs" => cfg!(feature = "gcs"),
        _ => cfg!(feature = "azure"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_a_folder_in_the_home() {
        let home = tempfile::tempdir().unwrap();
        let root = LakeRoot::from_setting(None, home.path()).unwrap();
        assert!(root.is_local());
        assert!(root.url().path().ends_with("/lake/"));
        assert!(home.path().join("lake").is_dir());
        let empty = LakeRoot::from_setting(Some("  "), home.path()).unwrap();
        assert_eq!(empty, root);
    }

    #[test]
    fn table_urls_are_zone_then_name() {
        let home = tempfile::tempdir().unwrap();
        let root = LakeRoot::local(home.path()).unwrap();
        let url = root.table_url("raw", "clicks");
        assert!(url.path().ends_with("/raw/clicks/"), "{url}");
    }

    #[test]
    fn cloud_urls_parse_or_name_the_missing_feature() {
        let err = LakeRoot::parse("ftp://host/x").unwrap_err().to_string();
        assert!(err.contains("unknown scheme `ftp`"), "{err}");
        let err = LakeRoot::parse("s3:///prefix").unwrap_err().to_string();
        assert!(err.contains("no bucket"), "{err}");
        match LakeRoot::parse("s3://bucket/lake") {
            Ok(root) => assert_eq!(root.url().as_str(), "s3://bucket/lake/"),
            Err(e) => assert!(e.to_string().contains("feature `s3`"), "{e}"),
        }
        match LakeRoot::parse("gs://bucket") {
            Ok(root) => assert_eq!(root.url().as_str(), "gs://bucket/"),
            Err(e) => assert!(e.to_string().contains("feature `gcs`"), "{e}"),
        }
    }

    #[test]
    fn file_urls_are_local_folders() {
        let dir = tempfile::tempdir().unwrap();
        let text = format!("file://{}", dir.path().join("lk").display());
        let root = LakeRoot::parse(&text).unwrap();
        assert!(root.is_local());
        assert!(dir.path().join("lk").is_dir());
    }
}
