-- /healthz writes a row here and deletes it in the same transaction: a write that needs fresh
-- pages, so a database that cannot grow (a full disk, max_page_count) fails the probe, where an
-- update in place would still pass (bot/core/store/health.py).
CREATE TABLE health_probe (
    id INTEGER PRIMARY KEY,
    padding BLOB NOT NULL
);
