-- SolarEdge Monitoring API, /site/{id}/details: the site's IANA time zone.
-- stream: solar/solaredge/details
-- refused: malformed when payload.details IS NULL
-- payload: STRUCT(details STRUCT(id VARCHAR, location STRUCT(timeZone VARCHAR)))
-- The integration reads the site's local times (overview's lastUpdateTime) in this
-- zone; a zone DuckDB does not know is dropped, as the integration falls back to UTC.
SELECT
    device_id,
    fetched_at AS ts,
    fetched_at,
    CASE
        WHEN trim(payload.details.location.timeZone) IN (SELECT "name" FROM pg_timezone_names())
        THEN trim(payload.details.location.timeZone)
    END AS time_zone,
    filename AS _source_file
FROM {{ bronze }}
