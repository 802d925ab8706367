-- Hourly weather actuals, one row per timestamp (the hour's start, UTC), one temperature
-- column per API. Per API and hour: its observation if it has one, else the freshest
-- answer issued no more than 6 hours before the hour (hindcasts such as Open-Meteo's
-- past_days issued after the hour qualify). Several locations of one API are averaged.
-- materialized: incremental
-- time_column: timestamp
WITH hourly AS (
    SELECT
        api,
        date_trunc('hour', ts) AS hour_ts,
        issued_at,
        is_observation,
        avg(temperature_c) AS temperature_c,
        avg(solar_radiation) AS solar_radiation,
        avg(direct_radiation) AS direct_radiation,
        avg(diffuse_radiation) AS diffuse_radiation,
        avg(cloud_cover) AS cloud_cover
    FROM {{ ref('int_weather_points') }}
    WHERE ts >= {{ window_start }} AND ts < {{ window_end }}
    GROUP BY api, date_trunc('hour', ts), issued_at, is_observation
),
ranked AS (
    SELECT
        *,
        row_number() OVER (
            PARTITION BY api, hour_ts
            ORDER BY CASE WHEN is_observation THEN 0 ELSE 1 END, issued_at DESC
        ) AS _rank
    FROM hourly
    WHERE is_observation OR issued_at >= hour_ts - INTERVAL '6' HOUR
)
SELECT
    hour_ts AS "timestamp",
    max(CASE WHEN api = 'openmeteo' THEN temperature_c END) AS temp_openmeteo,
    max(CASE WHEN api = 'owm' THEN temperature_c END) AS temp_owm,
    max(CASE WHEN api = 'metno' THEN temperature_c END) AS temp_metno,
    avg(temperature_c) AS temp_mean,
    max(temperature_c) - min(temperature_c) AS temp_spread,
    count(temperature_c) AS temp_sources,
    avg(solar_radiation) AS solar_radiation,
    avg(direct_radiation) AS direct_radiation,
    avg(diffuse_radiation) AS diffuse_radiation,
    avg(cloud_cover) AS cloud_cover,
    max(CASE WHEN is_observation THEN 0 ELSE 1 END) = 1 AS uses_forecast
FROM ranked
WHERE _rank = 1
GROUP BY hour_ts
