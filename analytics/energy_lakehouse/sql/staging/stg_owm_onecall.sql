-- OpenWeatherMap One Call 3.0: the current observation and the hourly forecast.
-- stream: weather/owm/onecall
-- payload: STRUCT(lat DOUBLE, lon DOUBLE, "current" STRUCT(dt BIGINT, temp DOUBLE, clouds DOUBLE), hourly STRUCT(dt BIGINT, temp DOUBLE, clouds DOUBLE)[])
-- Temperatures come in the unit the request asked for: units=metric is °C,
-- units=imperial °F, and no units parameter is kelvin (the API's default).
WITH answers AS (
    SELECT
        device_id,
        fetched_at,
        CASE
            WHEN url LIKE '%units=metric%' THEN 'C'
            WHEN url LIKE '%units=imperial%' THEN 'F'
            ELSE 'K'
        END AS unit,
        payload,
        filename AS _source_file
    FROM {{ bronze }}
    WHERE http_status = 200 AND payload IS NOT NULL
),
points AS (
    SELECT device_id, fetched_at, unit, payload.lat AS latitude, payload.lon AS longitude,
        TRUE AS is_observation, payload."current".dt AS dt, payload."current".temp AS temp,
        payload."current".clouds AS clouds, _source_file
    FROM answers
    WHERE payload."current".dt IS NOT NULL
    UNION ALL
    SELECT device_id, fetched_at, unit, latitude, longitude, FALSE, h.dt, h.temp, h.clouds, _source_file
    FROM (
        SELECT device_id, fetched_at, unit, payload.lat AS latitude, payload.lon AS longitude,
            unnest(payload.hourly) AS h, _source_file
        FROM answers
    ) AS hourly
)
SELECT
    device_id,
    to_timestamp(dt) AS ts,
    fetched_at AS issued_at,
    fetched_at,
    is_observation,
    CASE unit WHEN 'K' THEN temp - 273.15 WHEN 'F' THEN (temp - 32) * 5 / 9 ELSE temp END AS temperature_c,
    clouds AS cloud_cover,
    latitude,
    longitude,
    _source_file
FROM points
