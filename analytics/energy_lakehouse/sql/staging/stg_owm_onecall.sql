-- OpenWeatherMap One Call 3.0: the current observation and the hourly forecast.
-- stream: weather/owm/onecall
-- refused: bad_units when payload."current".temp >= 100 OR list_bool_or(list_transform(payload.hourly, lambda h: h.temp >= 100))
-- payload: STRUCT(lat DOUBLE, lon DOUBLE, "current" STRUCT(dt BIGINT, temp DOUBLE, clouds DOUBLE), hourly STRUCT(dt BIGINT, temp DOUBLE, clouds DOUBLE)[])
-- As openweathermap.parse_onecall: the client asks for units=metric, so temperatures
-- are °C; an answer with a value of 100 or more is in kelvin after all and is refused.
WITH answers AS (
    SELECT
        device_id,
        fetched_at,
        -- As the parser: the data time of the current conditions dates the forecast.
        to_timestamp(payload."current".dt) AS issued_at,
        payload,
        filename AS _source_file
    FROM {{ bronze }}
),
points AS (
    SELECT device_id, fetched_at, issued_at, payload.lat AS latitude, payload.lon AS longitude,
        TRUE AS is_observation, payload."current".dt AS dt, payload."current".temp AS temp,
        payload."current".clouds AS clouds, _source_file
    FROM answers
    WHERE payload."current".dt IS NOT NULL
    UNION ALL
    SELECT device_id, fetched_at, issued_at, latitude, longitude, FALSE, h.dt, h.temp, h.clouds,
        _source_file
    FROM (
        SELECT device_id, fetched_at, issued_at, payload.lat AS latitude,
            payload.lon AS longitude, unnest(payload.hourly) AS h, _source_file
        FROM answers
    ) AS hourly
)
SELECT
    device_id,
    to_timestamp(dt) AS ts,
    coalesce(issued_at, fetched_at) AS issued_at,
    fetched_at,
    is_observation,
    temp AS temperature_c,
    clouds AS cloud_cover,
    latitude,
    longitude,
    _source_file
FROM points
