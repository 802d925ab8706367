-- Open-Meteo /v1/forecast: the hourly series (past_days included), one row per hour.
-- stream: weather/openmeteo/forecast
-- refused: bad_units when payload.hourly_units.temperature_2m <> '°C' OR payload.hourly_units.cloud_cover <> '%'
-- refused: bad_units when payload.hourly_units.shortwave_radiation <> 'W/m²' OR payload.hourly_units.direct_radiation <> 'W/m²' OR payload.hourly_units.diffuse_radiation <> 'W/m²'
-- refused: bad_units when list_bool_or(list_transform(payload.hourly.temperature_2m, lambda t: t >= 100))
-- payload: STRUCT(latitude DOUBLE, longitude DOUBLE, utc_offset_seconds INTEGER, hourly STRUCT("time" VARCHAR[], temperature_2m DOUBLE[], shortwave_radiation DOUBLE[], direct_radiation DOUBLE[], diffuse_radiation DOUBLE[], cloud_cover DOUBLE[]), hourly_units STRUCT(temperature_2m VARCHAR, shortwave_radiation VARCHAR, direct_radiation VARCHAR, diffuse_radiation VARCHAR, cloud_cover VARCHAR))
-- As openmeteo.parse_forecast: hourly times are local wall-clock times of the requested
-- time zone (subtract utc_offset_seconds for UTC); an answer in other units than °C,
-- W/m² and % is refused, and so is one with a "temperature" of 100 °C or more (kelvin
-- that slipped through); irradiance below zero (model noise at night) is 0. The
-- answer has no issue time, so it is the fetch time.
SELECT
    device_id,
    CAST(strptime(t, '%Y-%m-%dT%H:%M') AS TIMESTAMP) AT TIME ZONE 'UTC'
        - to_seconds(coalesce(utc_offset, 0)) AS ts,
    fetched_at AS issued_at,
    fetched_at,
    temperature AS temperature_c,
    CASE WHEN ghi < 0 THEN 0 ELSE ghi END AS solar_radiation,
    CASE WHEN direct < 0 THEN 0 ELSE direct END AS direct_radiation,
    CASE WHEN diffuse < 0 THEN 0 ELSE diffuse END AS diffuse_radiation,
    cloud AS cloud_cover,
    latitude,
    longitude,
    _source_file
FROM (
    SELECT
        device_id,
        fetched_at,
        payload.utc_offset_seconds AS utc_offset,
        payload.latitude AS latitude,
        payload.longitude AS longitude,
        unnest(payload.hourly."time") AS t,
        unnest(payload.hourly.temperature_2m) AS temperature,
        unnest(payload.hourly.shortwave_radiation) AS ghi,
        unnest(payload.hourly.direct_radiation) AS direct,
        unnest(payload.hourly.diffuse_radiation) AS diffuse,
        unnest(payload.hourly.cloud_cover) AS cloud,
        filename AS _source_file
    FROM {{ bronze }}
) AS hours
WHERE t IS NOT NULL
