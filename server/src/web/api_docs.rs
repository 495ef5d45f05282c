//! `/api/docs`: the OpenAPI document in Swagger UI (vendored), for logged-in users. "Try it
//! out" calls the API with the session, so the page's script adds the CSRF token.

use askama::Template;

use super::page::{Chrome, Nav, PageResult, render};
use crate::auth::WebUser;

#[derive(Template)]
#[template(path = "api_docs.html")]
struct ApiDocsPage {
    chrome: Chrome,
}

pub async fn page(WebUser(user): WebUser) -> PageResult {
    render(&ApiDocsPage {
        chrome: Chrome::new(&user, Nav::ApiDocs, "API"),
    })
}
