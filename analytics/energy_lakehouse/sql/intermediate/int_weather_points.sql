-- Every weather value of every API: observations and forecast steps, with issue time.
-- materialized: view
SELECT 'openmeteo' AS api, device_id, ts, issued_at, fetched_at, FALSE AS is_observation,
    temperature_c, solar_radiation, direct_radiation, diffuse_radiation, cloud_cover,
    latitude, longitude
FROM {{ ref('stg_openmeteo_forecast') }}
UNION ALL
SELECT 'metno' AS api, device_id, ts, issued_at, fetched_at, FALSE AS is_observation,
    temperature_c, solar_radiation, direct_radiation, diffuse_radiation, cloud_cover,
    latitude, longitude
FROM {{ ref('stg_metno_compact') }}
UNION ALL
SELECT 'owm' AS api, device_id, ts, issued_at, fetched_at, is_observation,
    temperature_c, CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE),
    cloud_cover, latitude, longitude
FROM {{ ref('stg_owm_onecall') }}
UNION ALL
SELECT 'owm' AS api, device_id, ts, issued_at, fetched_at, is_observation,
    temperature_c, CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE),
    cloud_cover, latitude, longitude
FROM {{ ref('stg_owm_current') }}
