-- Open-Meteo /v1/forecast: the hourly series (past_days included), one row per hour.
-- stream: weather/openmeteo/forecast
-- payload: STRUCT(latitude DOUBLE, longitude DOUBLE, utc_offset_seconds INTEGER, hourly STRUCT("time" VARCHAR[], temperature_2m DOUBLE[], shortwave_radiation DOUBLE[], direct_radiation DOUBLE[], diffuse_radiation DOUBLE[], cloud_cover DOUBLE[], cloudcover DOUBLE[]), hourly_units STRUCT(temperature_2m VARCHAR))
-- Hourly times are local wall-clock times of the requested time zone: subtract
-- utc_offset_seconds to get UTC. The answer has no issue time, so it is the fetch time.
SELECT
    device_id,
    CAST(strptime(t, '%Y-%m-%dT%H:%M') AS TIMESTAMP) AT TIME ZONE 'UTC'
        - to_seconds(coalesce(utc_offset, 0)) AS ts,
    fetched_at AS issued_at,
    fetched_at,
    CASE WHEN temp_unit = '°F' THEN (temperature - 32) * 5 / 9 ELSE temperature END AS temperature_c,
    ghi AS solar_radiation,
    direct AS direct_radiation,
    diffuse AS diffuse_radiation,
    cloud AS cloud_cover,
    latitude,
    longitude,
    _source_file
FROM (
    SELECT
        device_id,
        fetched_at,
        payload.utc_offset_seconds AS utc_offset,
        payload.hourly_units.temperature_2m AS temp_unit,
        payload.latitude AS latitude,
        payload.longitude AS longitude,
        unnest(payload.hourly."time") AS t,
        unnest(payload.hourly.temperature_2m) AS temperature,
        unnest(payload.hourly.shortwave_radiation) AS ghi,
        unnest(payload.hourly.direct_radiation) AS direct,
        unnest(payload.hourly.diffuse_radiation) AS diffuse,
        unnest(coalesce(payload.hourly.cloud_cover, payload.hourly.cloudcover)) AS cloud,
        filename AS _source_file
    FROM {{ bronze }}
    WHERE http_status = 200 AND payload IS NOT NULL
) AS hours
WHERE t IS NOT NULL
