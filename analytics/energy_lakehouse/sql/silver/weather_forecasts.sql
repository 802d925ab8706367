-- Every forecast step each API issued, kept with its issue time so that a model trained
-- on it sees only what was known then. One row per (api, location_id, issued_at, timestamp).
-- materialized: incremental
-- time_column: timestamp
WITH ranked AS (
    SELECT
        p.*,
        row_number() OVER (
            PARTITION BY api, device_id, issued_at, ts ORDER BY fetched_at DESC
        ) AS _rank
    FROM {{ ref('int_weather_points') }} AS p
    WHERE ts >= {{ window_start }} AND ts < {{ window_end }}
        AND NOT is_observation
        AND ts = date_trunc('hour', ts)
)
SELECT
    ts AS "timestamp",
    api,
    device_id AS location_id,
    issued_at,
    {{ seconds_between('issued_at', 'ts') }} / 3600.0 AS lead_hours,
    temperature_c AS temperature,
    solar_radiation,
    direct_radiation,
    diffuse_radiation,
    cloud_cover
FROM ranked
WHERE _rank = 1
