-- MET Norway Locationforecast 2.0 compact: one row per time step of the series.
-- stream: weather/metno/compact
-- payload: STRUCT(geometry STRUCT(coordinates DOUBLE[]), properties STRUCT(meta STRUCT(updated_at TIMESTAMPTZ), timeseries STRUCT("time" TIMESTAMPTZ, "data" STRUCT(instant STRUCT(details STRUCT(air_temperature DOUBLE, cloud_area_fraction DOUBLE))))[]))
-- meta.updated_at is when the model run was published: the forecast's issue time.
SELECT
    device_id,
    step."time" AS ts,
    coalesce(updated_at, fetched_at) AS issued_at,
    fetched_at,
    CASE WHEN step."data".instant.details.air_temperature < 100
        THEN step."data".instant.details.air_temperature END AS temperature_c,
    CAST(NULL AS DOUBLE) AS solar_radiation,
    CAST(NULL AS DOUBLE) AS direct_radiation,
    CAST(NULL AS DOUBLE) AS diffuse_radiation,
    step."data".instant.details.cloud_area_fraction AS cloud_cover,
    latitude,
    longitude,
    _source_file
FROM (
    SELECT
        device_id,
        fetched_at,
        payload.properties.meta.updated_at AS updated_at,
        payload.geometry.coordinates[2] AS latitude,
        payload.geometry.coordinates[1] AS longitude,
        unnest(payload.properties.timeseries) AS step,
        filename AS _source_file
    FROM {{ bronze }}
    WHERE http_status = 200 AND payload IS NOT NULL
) AS steps
