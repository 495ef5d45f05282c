//! Previous/next links of a paged list, keeping the list's filters.

use crate::auth::principal::encode_query;

/// Where a page of `limit` items at `offset` sits among `total`.
#[derive(Debug, Clone)]
pub struct Pager {
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
    /// The page's path and its filters, without limit and offset: `/runs?state=failed`.
    base: String,
    /// Whether the list runs newest first (runs), so that the links say newer and older.
    by_time: bool,
}

impl Pager {
    /// `filters` are (name, value) pairs; empty values are left out.
    pub fn new(
        path: &str,
        filters: &[(&str, Option<&str>)],
        total: i64,
        limit: i64,
        offset: i64,
    ) -> Self {
        let query: Vec<String> = filters
            .iter()
            .filter_map(|(k, v)| {
                v.filter(|v| !v.is_empty())
                    .map(|v| format!("{k}={}", encode_query(v)))
            })
            .collect();
        let base = if query.is_empty() {
            format!("{path}?")
        } else {
            format!("{path}?{}&", query.join("&"))
        };
        Pager {
            total,
            limit,
            offset,
            base,
            by_time: false,
        }
    }

    /// For lists newest first: the links say newer and older.
    pub fn newest_first(mut self) -> Self {
        self.by_time = true;
        self
    }

    pub fn labels(&self) -> [&'static str; 4] {
        if self.by_time {
            ["« newest", "‹ newer", "older ›", "oldest »"]
        } else {
            ["« first", "‹ previous", "next ›", "last »"]
        }
    }

    fn at(&self, offset: i64) -> String {
        format!("{}limit={}&offset={offset}", self.base, self.limit)
    }

    /// This page's URL (what live updates re-fetch).
    pub fn current(&self) -> String {
        self.at(self.offset)
    }

    /// Newer items (towards offset 0), if any.
    pub fn prev(&self) -> Option<String> {
        (self.offset > 0).then(|| self.at((self.offset - self.limit).max(0)))
    }

    /// Older items, if any.
    pub fn next(&self) -> Option<String> {
        (self.offset + self.limit < self.total).then(|| self.at(self.offset + self.limit))
    }

    /// The first page.
    pub fn first(&self) -> Option<String> {
        (self.offset > 0).then(|| self.at(0))
    }

    /// The last page.
    pub fn last(&self) -> Option<String> {
        let last = ((self.total - 1).max(0) / self.limit) * self.limit;
        (self.offset < last).then(|| self.at(last))
    }

    /// `51–100 of 10000`.
    pub fn summary(&self) -> String {
        if self.total == 0 {
            return "none".into();
        }
        let end = (self.offset + self.limit).min(self.total);
        format!("{}–{} of {}", (self.offset + 1).min(end), end, self.total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_the_filters_and_stop_at_the_ends() {
        let p = Pager::new(
            "/runs",
            &[("state", Some("failed")), ("q", None)],
            120,
            50,
            50,
        );
        assert_eq!(p.prev().unwrap(), "/runs?state=failed&limit=50&offset=0");
        assert_eq!(p.next().unwrap(), "/runs?state=failed&limit=50&offset=100");
        assert_eq!(p.last().unwrap(), "/runs?state=failed&limit=50&offset=100");
        assert_eq!(p.summary(), "51–100 of 120");
        let end = Pager::new("/runs", &[], 120, 50, 100);
        assert!(end.next().is_none() && end.last().is_none());
        assert_eq!(end.summary(), "101–120 of 120");
        assert_eq!(
            Pager::new("/x", &[("q", Some("a b&c"))], 0, 50, 0).current(),
            "/x?q=a%20b%26c&limit=50&offset=0"
        );
    }
}
