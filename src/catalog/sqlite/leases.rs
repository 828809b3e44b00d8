//! Leases in the SQLite catalog: which process of this machine lists a cloud or checks a run
//! now. Expiry times are milliseconds of the machine's clock, which every process sharing the
//! file reads alike.

use std::time::Duration;

use rusqlite::params;

use super::super::model::CatalogError;
use super::SqliteCatalog;

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn until(ttl: Duration) -> i64 {
    now_ms().saturating_add(i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX))
}

impl SqliteCatalog {
    /// Take the lease `name` for `holder` (or renew it); `false` when another holds it.
    pub fn claim_lease(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<bool, CatalogError> {
        // One statement: a free, expired or own lease is (re)taken; another's live one is left.
        let taken = self.execute(
            "INSERT INTO leases (name, holder, expires_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, \
             expires_at = excluded.expires_at \
             WHERE leases.holder = excluded.holder OR leases.expires_at <= ?4",
            params![name, holder, until(ttl), now_ms()],
        )?;
        Ok(taken == 1)
    }

    /// Extend every lease of `holder` by `ttl` from now.
    pub fn renew_leases(&self, holder: &str, ttl: Duration) -> Result<(), CatalogError> {
        self.execute(
            "UPDATE leases SET expires_at = ?2 WHERE holder = ?1",
            params![holder, until(ttl)],
        )?;
        Ok(())
    }

    /// Give up the lease `name`, if `holder` has it.
    pub fn release_lease(&self, name: &str, holder: &str) -> Result<(), CatalogError> {
        self.execute(
            "DELETE FROM leases WHERE name = ?1 AND holder = ?2",
            params![name, holder],
        )?;
        Ok(())
    }
}
