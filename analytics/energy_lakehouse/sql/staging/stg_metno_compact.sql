-- MET Norway Locationforecast 2.0 compact: one row per time step of the series.
-- stream: weather/metno/compact
-- refused: bad_units when list_bool_or(list_transform(payload.properties.timeseries, lambda t: t."data".instant.details.air_temperature >= 100))
-- payload: STRUCT(geometry STRUCT(coordinates DOUBLE[]), properties STRUCT(meta STRUCT(updated_at TIMESTAMPTZ), timeseries STRUCT("time" TIMESTAMPTZ, "data" STRUCT(instant STRUCT(details STRUCT(air_temperature DOUBLE, cloud_area_fraction DOUBLE))))[]))
-- As metno.parse_compact: meta.updated_at is when the model run was published, the
-- forecast's issue time; an answer with 100 °C or more (kelvin) is refused.
SELECT
    device_id,
    step."time" AS ts,
    coalesce(updated_at, fetched_at) AS issued_at,
    fetched_at,
    step."data".instant.details.air_temperature AS temperature_c,
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
) AS steps
