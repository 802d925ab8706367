-- Hourly weather features for the models, one row per timestamp (UTC hour start):
-- the combined actuals plus heating and cooling degree-hours around 18 °C.
-- materialized: table
SELECT
    "timestamp",
    CAST({{ local_ts('"timestamp"') }} AS DATE) AS local_date,
    CAST(hour({{ local_ts('"timestamp"') }}) AS INTEGER) AS local_hour,
    temp_mean,
    temp_openmeteo,
    temp_owm,
    temp_metno,
    temp_spread,
    solar_radiation,
    direct_radiation,
    diffuse_radiation,
    cloud_cover,
    {{ positive('18 - temp_mean') }} AS heating_degree_hours,
    {{ positive('temp_mean - 18') }} AS cooling_degree_hours,
    uses_forecast
FROM {{ ref('weather_combined') }}
