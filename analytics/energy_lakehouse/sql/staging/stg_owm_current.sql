-- OpenWeatherMap current weather (/data/2.5/weather): one observation per answer.
-- stream: weather/owm/current
-- As openweathermap.parse_current: metric units asked for, so °C; an answer of 100 or
-- more is in kelvin after all and is refused.
-- refused: malformed when payload.dt IS NULL
-- refused: bad_units when payload.main.temp >= 100
-- payload: STRUCT(dt BIGINT, coord STRUCT(lat DOUBLE, lon DOUBLE), main STRUCT(temp DOUBLE), clouds STRUCT("all" DOUBLE))
SELECT
    device_id,
    to_timestamp(payload.dt) AS ts,
    to_timestamp(payload.dt) AS issued_at,
    fetched_at,
    TRUE AS is_observation,
    payload.main.temp AS temperature_c,
    payload.clouds."all" AS cloud_cover,
    payload.coord.lat AS latitude,
    payload.coord.lon AS longitude,
    filename AS _source_file
FROM {{ bronze }}
