//! Leases in the PostgreSQL catalog: who does a piece of cloud work for the whole fleet, until
//! when. Every time is the database's (`now()`), so instances whose clocks differ agree on
//! when a lease expires; each operation is one statement, atomic on its own.

use std::time::Duration;

use super::{PostgresCatalog, execute, query};
use crate::catalog::model::CatalogError;

/// `ttl` in milliseconds, for `interval` arithmetic (a century at most: PostgreSQL's
/// timestamps end, `Duration`s do not).
fn millis(ttl: Duration) -> i64 {
    const CENTURY_MS: i64 = 100 * 366 * 24 * 3600 * 1000;
    i64::try_from(ttl.as_millis()).map_or(CENTURY_MS, |ms| ms.min(CENTURY_MS))
}

/// Take the lease for `holder`: insert it, or take it over when it has expired or is
/// `holder`'s already. A row comes back only when `holder` has it.
pub(super) async fn claim(
    store: &PostgresCatalog,
    name: &str,
    holder: &str,
    ttl: Duration,
) -> Result<bool, CatalogError> {
    let client = store.writer().await?;
    let claimed = query(
        &client,
        "INSERT INTO leases (name, holder, expires_at) \
         VALUES ($1, $2, now() + $3::bigint * interval '1 millisecond') \
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, \
         expires_at = excluded.expires_at \
         WHERE leases.expires_at <= now() OR leases.holder = excluded.holder \
         RETURNING holder",
        &[&name, &holder, &millis(ttl)],
    )
    .await?;
    Ok(!claimed.is_empty())
}

pub(super) async fn renew(
    store: &PostgresCatalog,
    holder: &str,
    ttl: Duration,
) -> Result<(), CatalogError> {
    let client = store.writer().await?;
    execute(
        &client,
        "UPDATE leases SET expires_at = now() + $2::bigint * interval '1 millisecond' \
         WHERE holder = $1",
        &[&holder, &millis(ttl)],
    )
    .await?;
    Ok(())
}

pub(super) async fn release(
    store: &PostgresCatalog,
    name: &str,
    holder: &str,
) -> Result<(), CatalogError> {
    let client = store.writer().await?;
    execute(
        &client,
        "DELETE FROM leases WHERE name = $1 AND holder = $2",
        &[&name, &holder],
    )
    .await?;
    Ok(())
}
