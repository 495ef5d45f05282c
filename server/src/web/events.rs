//! `GET /ui/events`: one server-sent event stream per open page that says "something changed,
//! look again". It is fed by the store's wake-ups and throttled, so a burst of a thousand task
//! finishes costs each page one refresh per interval. Pages swap in their live parts (htmx) on
//! the `change` event.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;

use crate::app::AppState;
use crate::auth::ApiUser;

/// At most one `change` per this interval.
const THROTTLE: Duration = Duration::from_millis(750);
/// A page that missed a wake-up (or whose state changed without one, like a new worker
/// heartbeat) still refreshes this often.
const POLL: Duration = Duration::from_secs(15);

pub async fn stream(
    State(state): State<AppState>,
    _user: ApiUser,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    Sse::new(changes(state)).keep_alive(KeepAlive::default())
}

fn changes(state: AppState) -> impl Stream<Item = Result<Event, Infallible>> {
    let wakeups = state.store.subscribe();
    let stop = state.shutdown.clone();
    futures_util::stream::unfold(
        (wakeups, stop, true),
        |(mut wakeups, stop, first)| async move {
            if first {
                // Tells the page it is connected (it shows a live dot).
                return Some((
                    Ok(Event::default().event("hello").data("live")),
                    (wakeups, stop, false),
                ));
            }
            tokio::select! {
                _ = stop.cancelled() => return None,
                _ = wakeups.wait(POLL) => {}
            }
            tokio::select! {
                _ = stop.cancelled() => return None,
                _ = tokio::time::sleep(THROTTLE) => {}
            }
            wakeups.drain();
            // Browsers drop events whose data is empty: say something.
            Some((
                Ok(Event::default().event("change").data("changed")),
                (wakeups, stop, false),
            ))
        },
    )
}
