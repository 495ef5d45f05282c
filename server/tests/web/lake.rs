//! The lake's pages over the records lake_seed.rs writes: datasets, one dataset (versions,
//! schema, lineage SVG, latest validation), validation reports, feature views and the online
//! lookup; unknown and malformed names get the HTML error page; markup shows as text.

use std::sync::Arc;

use crate::harness::{Page, Web};
use crate::lake_seed::{MARKUP_COLUMN, MARKUP_VALUE, SAMPLES};

/// Lake pages without a live part (a fragment request gets the whole page).
pub fn has_live_part(path: &str) -> bool {
    let path = path.split('?').next().unwrap_or_default();
    !(path.starts_with("/features/")
        || path.starts_with("/datasets/") && !path.ends_with("/validations"))
}

/// `text` appears escaped, as askama writes it (`&#60;` or `&lt;`), and never raw.
fn assert_shows_as_text(page: &Page, text: &str, what: &str) {
    assert!(!page.body.contains(text), "{what}: raw markup in the page");
    let numeric = text.replace('<', "&#60;").replace('>', "&#62;");
    let named = text.replace('<', "&lt;").replace('>', "&gt;");
    assert!(
        page.body.contains(&numeric) || page.body.contains(&named),
        "{what}: `{text}` is not shown: {}",
        page.body
    );
}

/// Askama escapes `&` in attributes and text; links compare either way.
fn contains_link(body: &str, href: &str) -> bool {
    body.contains(&format!("href=\"{href}\""))
        || body.contains(&format!("href=\"{}\"", href.replace('&', "&#38;")))
        || body.contains(&format!("href=\"{}\"", href.replace('&', "&amp;")))
}

async fn viewer_gets(web: &Web, path: &str) -> Page {
    let page = web.get(path, Some(&web.viewer)).await;
    assert_eq!(page.status, 200, "{path}: {}", page.body);
    page
}

pub async fn datasets_list_their_latest_versions(web: Arc<Web>) {
    let page = viewer_gets(&web, "/datasets").await;
    for name in [
        "raw.clicks",
        "raw.users",
        "staged.clicks",
        "features.user_stats",
    ] {
        assert!(
            page.body.contains(&format!("href=\"/datasets/{name}\"")),
            "{name}"
        );
    }
    let row_at = page.body.find("data-dataset=\"raw.clicks\"").unwrap();
    let row = &page.body[row_at..page.body[row_at..].find("</tr>").unwrap() + row_at];
    // Latest version 1, its rows and size, its writer, and two versions.
    assert!(row.contains("<td class=\"num\">1</td>"), "{row}");
    assert!(
        row.contains("1,234,567") && row.contains("5.0 MiB"),
        "{row}"
    );
    assert!(row.contains("href=\"/dags/etl/grid\""), "{row}");
    assert!(row.contains(">extract</a>"), "{row}");
    assert!(
        row.trim_end().ends_with("<td class=\"num\">2</td>"),
        "{row}"
    );
    assert!(page.body.contains("href=\"/datasets\" class=\"active\""));

    // Paged like the other lists.
    let first = viewer_gets(&web, "/datasets?limit=2").await;
    assert!(first.body.contains("1–2 of 4"), "{}", first.body);
    assert!(contains_link(&first.body, "/datasets?limit=2&offset=2"));
    assert_eq!(first.body.matches("data-dataset=").count(), 2);
    let live = viewer_gets(&web, "/datasets?limit=2&offset=2&fragment=live").await;
    assert!(live.body.contains("id=\"datasets-live\""));
    assert!(!live.body.contains("<html"));
    assert_eq!(
        web.get("/datasets?limit=0", Some(&web.viewer)).await.status,
        400
    );
}

pub async fn a_dataset_shows_versions_schema_lineage_and_validation(web: Arc<Web>) {
    let page = viewer_gets(&web, "/datasets/raw.clicks").await;
    assert!(page.body.contains("data-version=\"1\"") && page.body.contains("data-version=\"0\""));
    assert!(contains_link(
        &page.body,
        &format!(
            "/dags/etl/runs/{}/tasks/extract",
            weir_server::auth::principal::encode_query(&web.run_id)
        )
    ));
    // The latest schema against version 0: a new column, a changed type.
    assert!(page.body.contains("Schema of version 1"));
    assert!(page.body.contains("compared with version 0"));
    let country = page.body.find("data-column=\"country\"").unwrap();
    assert!(
        page.body[country..]
            .split("</tr>")
            .next()
            .unwrap()
            .contains("+ added")
    );
    assert!(page.body.contains("type was Int32"));
    assert_shows_as_text(&page, MARKUP_COLUMN, "a column name");
    // Lineage: the writer (from its versions), the dataset, the reader and what it wrote.
    assert!(page.body.contains("<svg class=\"graph lineage\""));
    for node in [
        "task:etl.extract",
        "dataset:raw.clicks",
        "task:etl.load",
        "dataset:staged.clicks",
    ] {
        assert!(
            page.body.contains(&format!("data-lineage=\"{node}\"")),
            "{node}"
        );
    }
    assert!(page.body.contains("class=\"node lineage-dataset current\""));
    // The latest validation, failed, with a link to it and to the history.
    let failed = web.lake.failed_validation;
    assert!(page.body.contains(&format!(
        "href=\"/datasets/raw.clicks/validations/{failed}\""
    )));
    assert!(
        page.body
            .contains("href=\"/datasets/raw.clicks/validations\"")
    );
    assert!(page.body.contains("between(amount)"));

    // An older version's schema: no country yet, nothing to compare it with.
    let v0 = viewer_gets(&web, "/datasets/raw.clicks?version=0").await;
    assert!(v0.body.contains("Schema of version 0"));
    assert!(!v0.body.contains("data-column=\"country\""));
    assert!(!v0.body.contains("compared with"));
    assert!(contains_link(&v0.body, "/datasets/raw.clicks?version=1"));

    // The middle of the chain: inputs -> task -> this -> reader -> output.
    let staged = viewer_gets(&web, "/datasets/staged.clicks").await;
    let order: Vec<usize> = [
        "dataset:raw.clicks",
        "dataset:raw.users",
        "task:etl.load",
        "dataset:staged.clicks",
        "task:etl.report",
        "dataset:features.user_stats",
    ]
    .iter()
    .map(|n| {
        staged
            .body
            .find(&format!("data-lineage=\"{n}\""))
            .unwrap_or_else(|| panic!("{n}: {}", staged.body))
    })
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    assert_eq!(staged.body.matches("<path class=\"edge\"").count(), 5);
    assert!(staged.body.contains("No validation of this dataset yet"));
}

pub async fn validation_reports_show_each_expectation(web: Arc<Web>) {
    let (passed, failed) = (web.lake.passed_validation, web.lake.failed_validation);
    let history = viewer_gets(&web, "/datasets/raw.clicks/validations").await;
    let (newer, older) = (
        history
            .body
            .find(&format!("data-validation=\"{failed}\""))
            .unwrap(),
        history
            .body
            .find(&format!("data-validation=\"{passed}\""))
            .unwrap(),
    );
    assert!(newer < older, "newest first");
    let row = |at: usize| {
        history.body[at..]
            .split("</tr>")
            .next()
            .unwrap()
            .to_string()
    };
    // Color plus a mark and a word, so outcomes read without colors.
    assert!(row(newer).contains("s-failed") && row(newer).contains("✗"));
    assert!(row(newer).contains(">failed</span>"));
    assert!(row(older).contains("s-success") && row(older).contains("✓"));
    assert!(row(newer).contains("1,234,567"));
    assert!(row(newer).contains("?try=1"));

    let report = viewer_gets(&web, &format!("/datasets/raw.clicks/validations/{failed}")).await;
    for text in [
        "not_null(user_id)",
        "between(amount)",
        "unique(event_id)",
        "25 rows outside [0, 10000]",
        "0.00 %",
        "u-bad-7",
        "-5",
    ] {
        assert!(report.body.contains(text), "{text}: {}", report.body);
    }
    // A warn expectation that failed is "warned", not "failed".
    let unique = report
        .body
        .find("data-expectation=\"unique(event_id)\"")
        .unwrap();
    let unique_row = report.body[unique..].split("</tr>").next().unwrap();
    assert!(unique_row.contains("s-up_for_retry") && unique_row.contains(">warned</span>"));
    // Samples as a table, at most 20 of the stored 25.
    // (PostgreSQL's jsonb keeps keys in its own order: columns are not compared by position.)
    assert!(report.body.contains("<th class=\"mono\">user_id</th>"));
    assert!(report.body.contains("<th class=\"mono\">amount</th>"));
    assert!(report.body.contains("20 sample failing rows"));
    assert!(report.body.contains(">u-17<") && !report.body.contains(">u-18<"));
    assert!(report.body.contains(&format!("{SAMPLES} rows outside")));
    assert_shows_as_text(&report, MARKUP_VALUE, "a sample value");

    for (path, status) in [
        ("/datasets/raw.clicks/validations/999999".to_string(), 404),
        ("/datasets/raw.clicks/validations/abc".to_string(), 400),
        (format!("/datasets/raw.users/validations/{failed}"), 404),
        ("/datasets/nope.nope/validations".to_string(), 404),
    ] {
        let page = web.get(&path, Some(&web.viewer)).await;
        assert_eq!(page.status.as_u16(), status, "{path}: {}", page.body);
        assert!(page.body.contains("Back to the DAGs"), "{path}");
    }
    // A dataset nobody validated has an empty history, not an error.
    let empty = viewer_gets(&web, "/datasets/raw.users/validations").await;
    assert!(empty.body.contains("No validation of this dataset yet"));
}

pub async fn feature_views_show_freshness_and_online_values(web: Arc<Web>) {
    let list = viewer_gets(&web, "/features").await;
    let row = |view: &str| {
        let at = list.body.find(&format!("data-view=\"{view}\"")).unwrap();
        list.body[at..].split("</tr>").next().unwrap().to_string()
    };
    let fresh = row("user_stats");
    assert!(
        fresh.contains("user_id") && fresh.contains("events, spend"),
        "{fresh}"
    );
    assert!(
        fresh.contains("href=\"/datasets/staged.clicks\""),
        "{fresh}"
    );
    assert!(
        fresh.contains("1 h 00 m") || fresh.contains("59 m"),
        "{fresh}"
    );
    assert!(!fresh.contains("⚠") && !fresh.contains("class=\"stale\""));
    let stale = row("user_days");
    assert!(
        stale.contains("class=\"stale\"") && stale.contains("⚠ 3 d 00 h"),
        "{stale}"
    );
    assert!(stale.contains("user_id, day"), "{stale}");

    let view = viewer_gets(&web, "/features/user_stats").await;
    assert!(view.body.contains("name=\"entity\""));
    assert!(view.body.contains("action=\"/features/user_stats\""));
    assert!(!view.body.contains("data-lookup="));
    let found = viewer_gets(&web, "/features/user_stats?entity=u1").await;
    assert!(found.body.contains("data-lookup=\"found\""));
    let spend = found.body.find("data-feature=\"spend\"").unwrap();
    assert!(found.body[spend..].contains("12.5"));
    assert!(found.body.contains(
        "data-feature=\"events\"><td class=\"mono\">events</td><td class=\"mono\">3</td>"
    ));
    // Several key columns: their values joined by `|`.
    let joined = viewer_gets(&web, "/features/user_days?entity=u1%7C2026-03-01").await;
    assert!(joined.body.contains("data-lookup=\"found\"") && joined.body.contains(">41<"));
    assert_shows_as_text(&joined, MARKUP_VALUE, "an online value");
    let missing = viewer_gets(
        &web,
        "/features/user_stats?entity=%3Cscript%3Ealert(3)%3C%2Fscript%3E",
    )
    .await;
    assert!(missing.body.contains("No such entity"));
    assert_shows_as_text(&missing, "<script>alert(3)</script>", "the entity typed");
    let long = viewer_gets(
        &web,
        &format!("/features/user_stats?entity={}", "x".repeat(600)),
    )
    .await;
    assert!(long.body.contains("1 to 512 printable characters"));
}

pub async fn unknown_and_malformed_lake_names_get_an_error_page(web: Arc<Web>) {
    let cases = [
        ("/datasets/nope.nope", 404),
        ("/datasets/raw.clicks?version=9", 404),
        ("/datasets/..%2F..%2Fetc%2Fpasswd", 400),
        ("/datasets/raw.clicks%2F..", 400),
        ("/datasets/..%2Fraw.clicks/validations", 400),
        ("/datasets/raw", 400),
        ("/datasets/%3Cscript%3E.x", 400),
        ("/features/nope", 404),
        ("/features/..%2F..", 400),
        ("/features/user.stats", 400),
    ];
    for (path, status) in cases {
        let page = web.get(path, Some(&web.viewer)).await;
        assert_eq!(page.status.as_u16(), status, "{path}: {}", page.body);
        assert!(
            page.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert!(page.body.contains("Back to the DAGs"), "{path}");
        assert!(!page.body.contains("<script>"), "{path}");
        // The 404 names no dataset or view the lake holds.
        for secret in ["raw.clicks", "raw.users", "user_stats"] {
            if !path.contains(secret) {
                assert!(!page.body.contains(secret), "{path} lists {secret}");
            }
        }
    }
    // Without a session, the lake's pages go to the login form like every other page.
    let page = web.get("/datasets/raw.clicks/validations/1", None).await;
    assert_eq!(page.status, 303);
    assert!(page.location.starts_with("/login?next="));
}
