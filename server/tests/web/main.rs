//! The dashboard's pages through the real router and a real listener, on SQLite and on
//! PostgreSQL: every page answers a logged-in viewer, sends a visitor without a session to the
//! login form, keeps admin pages from viewers, shows a DAG description with script tags as
//! text everywhere, and pages the grid over runs.

mod harness;
mod lake;
mod lake_seed;

use std::sync::Arc;
use std::time::Duration;

use weir_store::testing::Backend;

use harness::{RUNS, Web};
use lake::{
    a_dataset_shows_versions_schema_lineage_and_validation, datasets_list_their_latest_versions,
    feature_views_show_freshness_and_online_values,
    unknown_and_malformed_lake_names_get_an_error_page, validation_reports_show_each_expectation,
};

macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    crate::run(weir_store::testing::Backend::Sqlite, crate::$name).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    crate::run(weir_store::testing::Backend::Postgres, crate::$name).await;
                }
            )*
        }
    };
}

async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(Arc<Web>) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let Some(web) = Web::start(backend).await else {
        return; // PostgreSQL skipped, loudly, by test_store.
    };
    let web = Arc::new(web);
    tokio::time::timeout(Duration::from_secs(90), test(web.clone()))
        .await
        .expect("the test finished in time");
    web.shutdown().await;
}

on_both! {
    every_page_answers_a_viewer,
    pages_need_a_session,
    admin_pages_are_for_admins,
    script_tags_in_a_description_are_text_on_every_page,
    the_grid_pages_over_runs,
    bad_ids_and_unknown_dags_get_an_error_page,
    logging_in_sets_a_session_and_goes_back,
    datasets_list_their_latest_versions,
    a_dataset_shows_versions_schema_lineage_and_validation,
    validation_reports_show_each_expectation,
    feature_views_show_freshness_and_online_values,
    unknown_and_malformed_lake_names_get_an_error_page,
}

/// Every page a viewer can open, with its live fragment where it has one.
fn pages(web: &Web) -> Vec<String> {
    let run = urlencode(&web.run_id);
    let mut pages: Vec<String> = [
        "/dags",
        "/dags?q=etl&tag=ml&status=paused",
        "/dags/etl/grid",
        "/dags/etl/grid?offset=25&limit=25",
        "/dags/etl/graph",
        "/dags/etl/runs",
        "/dags/etl/runs?state=queued",
        "/dags/etl/code",
        "/dags/etl/code?version=1&diff=1",
        "/dags/etl/details",
        "/dags/other/details",
        "/runs",
        "/import_errors",
        "/backfills",
        "/backfills?dag_id=etl",
        "/pools",
        "/workers",
        "/api/docs",
        "/datasets",
        "/datasets?limit=2&offset=2",
        "/datasets/raw.clicks",
        "/datasets/raw.clicks?version=0",
        "/datasets/staged.clicks",
        "/datasets/raw.clicks/validations",
        "/features",
        "/features/user_stats",
        "/features/user_stats?entity=u1",
        "/features/user_days?entity=u1%7C2026-03-01",
        "/features/user_stats?entity=nobody",
    ]
    .iter()
    .map(|p| p.to_string())
    .collect();
    pages.push(format!("/dags/etl/graph?run_id={run}"));
    pages.push(format!("/dags/etl/code?run_id={run}"));
    pages.push(format!("/dags/etl/runs/{run}"));
    pages.push(format!("/dags/etl/runs/{run}/tasks/extract"));
    pages.push(format!("/dags/etl/runs/{run}/tasks/extract?try=0"));
    for id in [web.lake.passed_validation, web.lake.failed_validation] {
        pages.push(format!("/datasets/raw.clicks/validations/{id}"));
    }
    let live: Vec<String> = pages
        .iter()
        .filter(|p| {
            !p.contains("/code")
                && !p.contains("/details")
                && !p.contains("import_errors")
                && !p.contains("api/docs")
                && lake::has_live_part(p)
        })
        .map(|p| {
            format!(
                "{p}{}fragment=live",
                if p.contains('?') { '&' } else { '?' }
            )
        })
        .collect();
    pages.extend(live);
    pages
}

fn urlencode(text: &str) -> String {
    weir_server::auth::principal::encode_query(text)
}

async fn every_page_answers_a_viewer(web: Arc<Web>) {
    for path in pages(&web) {
        let page = web.get(&path, Some(&web.viewer)).await;
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        assert!(
            page.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{path}"
        );
        assert_eq!(page.headers["cache-control"], "no-store", "{path}");
        assert!(
            page.headers.contains_key("content-security-policy"),
            "{path}"
        );
        if !path.contains("fragment=live") {
            // The whole page, with the viewer's name and no operator buttons.
            assert!(page.body.contains("vera"), "{path}");
            assert!(
                !page.body.contains("data-api=\"PATCH"),
                "{path}: a viewer gets no pause button"
            );
        }
    }
    let css = web.get("/static/weir.css", None).await;
    assert_eq!(css.status, 200);
    assert!(
        css.headers["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert_eq!(web.get("/static/../Cargo.toml", None).await.status, 404);
    let htmx = web.get("/static/vendor/htmx/htmx.min.js", None).await;
    assert_eq!(htmx.status, 200);
    assert_eq!(
        web.get("/static/vendor/htmx/LICENSE", None).await.status,
        200
    );
}

async fn pages_need_a_session(web: Arc<Web>) {
    for path in pages(&web).into_iter().chain(["/access".to_string()]) {
        let page = web.get(&path, None).await;
        assert_eq!(page.status, 303, "{path}");
        assert!(
            page.location.starts_with("/login?next=%2F")
                || page.location.starts_with("/login?next=/"),
            "{path} -> {}",
            page.location
        );
        // A stale or forged cookie is no session either.
        let page = web.get(&path, Some("not-a-session")).await;
        assert_eq!(page.status, 303, "{path}");
    }
    let login = web.get("/login?next=/dags/etl/grid", None).await;
    assert_eq!(login.status, 200);
    assert!(login.body.contains("value=\"/dags/etl/grid\""));
    // `next` never leaves the server.
    let login = web.get("/login?next=//evil.example/", None).await;
    assert!(
        login.body.contains("name=\"next\" value=\"/\""),
        "{}",
        login.body
    );
    // The live-update stream answers 401 (an EventSource does not follow a login redirect).
    assert_eq!(web.get("/ui/events", None).await.status, 401);
}

async fn admin_pages_are_for_admins(web: Arc<Web>) {
    let page = web.get("/access", Some(&web.viewer)).await;
    assert_eq!(page.status, 403);
    assert!(page.body.contains("admin role"), "{}", page.body);
    assert!(
        page.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = web.get("/access", Some(&web.admin)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("vera") && page.body.contains("ada"));
    // Admins see the buttons that change things; the navigation links the admin page.
    let dags = web.get("/dags", Some(&web.admin)).await;
    assert!(dags.body.contains("data-api=\"PATCH /api/v1/dags/etl\""));
    assert!(dags.body.contains("href=\"/access\""));
    let dags = web.get("/dags", Some(&web.viewer)).await;
    assert!(!dags.body.contains("href=\"/access\""));
}

async fn script_tags_in_a_description_are_text_on_every_page(web: Arc<Web>) {
    for path in pages(&web).into_iter().chain(["/access".to_string()]) {
        let page = web.get(&path, Some(&web.admin)).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(
            !page.body.contains("<script>alert"),
            "{path} has the raw script tag"
        );
        let shows_dag = path.starts_with("/dags/etl") && !path.contains("fragment=live")
            || path.starts_with("/dags?") && path.contains("fragment=live")
            || path == "/dags";
        if shows_dag {
            assert!(
                page.body.contains("&#60;script&#62;alert(")
                    || page.body.contains("&lt;script&gt;alert("),
                "{path} does not show the description: {}",
                page.body
            );
        }
    }
}

async fn the_grid_pages_over_runs(web: Arc<Web>) {
    let first = web.get("/dags/etl/grid", Some(&web.viewer)).await;
    assert!(first.body.contains("data-runs=\"25\""), "{}", first.body);
    assert!(
        first.body.contains(&format!("1–25 of {RUNS}")),
        "{}",
        first.body
    );
    assert!(
        first
            .body
            .contains("href=\"/dags/etl/grid?limit=25&amp;offset=25\"")
            || first
                .body
                .contains("href=\"/dags/etl/grid?limit=25&#38;offset=25\""),
        "{}",
        first.body
    );
    // Rows in topological order, one cell per run, each linking its task instance.
    let (e, l, r) = (
        first.body.find("data-task=\"extract\"").unwrap(),
        first.body.find("data-task=\"load\"").unwrap(),
        first.body.find("data-task=\"report\"").unwrap(),
    );
    assert!(e < l && l < r);
    assert_eq!(first.body.matches("class=\"cell s-none\"").count(), 3 * 25);
    assert!(first.body.contains(&format!(
        "/dags/etl/runs/{}/tasks/extract",
        urlencode(&web.run_id)
    )));
    // The newest run is the rightmost column of the first page.
    let last_column = first.body.rfind("<th class=\"run\">").unwrap();
    assert!(first.body[last_column..].contains(&urlencode(&web.run_id)));

    let second = web
        .get("/dags/etl/grid?limit=25&offset=25", Some(&web.viewer))
        .await;
    assert!(second.body.contains("data-runs=\"5\""));
    assert!(second.body.contains(&format!("26–{RUNS} of {RUNS}")));
    assert!(!second.body.contains(&urlencode(&web.run_id)));
    let small = web
        .get("/dags/etl/grid?limit=7&offset=7", Some(&web.viewer))
        .await;
    assert!(small.body.contains("data-runs=\"7\""));

    assert_eq!(
        web.get("/dags/etl/grid?limit=0", Some(&web.viewer))
            .await
            .status,
        400
    );
    assert_eq!(
        web.get("/dags/etl/grid?limit=501", Some(&web.viewer))
            .await
            .status,
        400
    );
    assert_eq!(
        web.get("/dags/etl/grid?offset=-1", Some(&web.viewer))
            .await
            .status,
        400
    );
    // Past the end: an empty page, not an error.
    let past = web
        .get("/dags/etl/grid?offset=1000", Some(&web.viewer))
        .await;
    assert_eq!(past.status, 200);
    assert!(past.body.contains("No runs yet") || past.body.contains("data-runs=\"0\""));
}

async fn bad_ids_and_unknown_dags_get_an_error_page(web: Arc<Web>) {
    let cases = [
        ("/dags/nope/grid", 404),
        ("/dags/nope/details", 404),
        ("/dags/etl/runs/nope", 404),
        ("/dags/etl/code?version=99", 404),
        ("/dags/..%2F..%2Fetc%2Fpasswd/grid", 400),
        ("/dags/etl/runs/..%2Fx/tasks/extract", 400),
        ("/dags/etl/graph?run_id=..%2F..", 400),
        ("/backfills?dag_id=%3Cscript%3E", 400),
    ];
    for (path, status) in cases {
        let page = web.get(path, Some(&web.viewer)).await;
        assert_eq!(page.status.as_u16(), status, "{path}: {}", page.body);
        assert!(
            page.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{path}"
        );
        assert!(page.body.contains("Back to the DAGs"), "{path}");
        assert!(!page.body.contains("<script>"), "{path}");
    }
}

async fn logging_in_sets_a_session_and_goes_back(web: Arc<Web>) {
    let response = web
        .client
        .post(format!("{}/login", web.base))
        .form(&[
            ("username", "vera"),
            ("password", "correct horse battery staple"),
            ("next", "/dags/etl/grid"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/dags/etl/grid");
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    let session = cookie
        .strip_prefix("weir_session=")
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_string();
    let grid = web.get("/dags/etl/grid", Some(&session)).await;
    assert_eq!(grid.status, 200);
    // The page carries the session's CSRF token for the requests that change things.
    assert!(grid.body.contains("<meta name=\"csrf-token\" content=\""));
    let wrong = web
        .client
        .post(format!("{}/login", web.base))
        .form(&[
            ("username", "vera"),
            ("password", "wrong"),
            ("next", "/runs"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.headers()["location"], "/login?error=1&next=/runs");
    let page = web.get("/login?error=1&next=/runs", None).await;
    assert!(page.body.contains("Wrong username or password"));
}
