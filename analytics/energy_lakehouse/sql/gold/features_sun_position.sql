-- Sun position at the middle of every UTC hour the lake has data for, and of the
-- 72 hours after the last (the day-ahead models forecast them), by the sun macros
-- (NOAA's fractional-year approximation, within about 0.5° of a full ephemeris), at the
-- home's location: the configured one, else the mean of the weather APIs' coordinates.
-- One row per timestamp (UTC hour start).
-- materialized: table
WITH data_hours AS (
    SELECT DISTINCT date_trunc('hour', "timestamp") AS hour_ts FROM {{ ref('solar_readings') }}
    UNION
    SELECT "timestamp" FROM {{ ref('weather_combined') }}
),
last_hour AS (
    SELECT max(hour_ts) AS last_ts FROM data_hours
),
hours AS (
    SELECT hour_ts FROM data_hours
    UNION
    SELECT {{ plus_seconds('last_hour.last_ts', 'steps.step * 3600') }}
    FROM last_hour
    CROSS JOIN (SELECT * FROM range(1, 73) AS steps(step)) AS steps
    WHERE last_hour.last_ts IS NOT NULL
),
site AS (
    {{ site_location() }}
),
angles AS (
    SELECT
        hour_ts,
        site.latitude,
        site.longitude,
        {{ equation_of_time_min('middle') }} AS eqtime_min,
        {{ sun_declination('middle') }} AS declination,
        {{ sun_hour_angle('middle', 'site.longitude') }} AS ha,
        radians(site.latitude) AS phi,
        acos({{ cos_zenith('middle', 'site.latitude', 'site.longitude') }}) AS zenith_rad
    FROM (SELECT hour_ts, hour_ts + INTERVAL 30 MINUTE AS middle FROM hours) AS hours
    CROSS JOIN site
)
SELECT
    hour_ts AS "timestamp",
    latitude,
    longitude,
    90 - degrees(zenith_rad) AS sun_elevation_deg,
    mod(degrees(atan2(sin(ha), cos(ha) * sin(phi) - tan(declination) * cos(phi))) + 180, 360)
        AS sun_azimuth_deg,
    greatest(cos(zenith_rad), 0) AS cos_zenith,
    degrees(declination) AS declination_deg,
    eqtime_min AS equation_of_time_min
FROM angles
WHERE latitude IS NOT NULL
