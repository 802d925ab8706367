-- Sun position at the middle of every UTC hour the lake has data for (NOAA's
-- fractional-year approximation, within about 0.5° of a full ephemeris), at the home's
-- location: the configured one, else the mean of the weather APIs' coordinates.
-- One row per timestamp (UTC hour start).
-- materialized: table
WITH hours AS (
    SELECT DISTINCT date_trunc('hour', "timestamp") AS hour_ts FROM {{ ref('solar_readings') }}
    UNION
    SELECT "timestamp" FROM {{ ref('weather_combined') }}
),
site AS (
    {{ site_location() }}
),
angles AS (
    SELECT
        hour_ts,
        site.latitude,
        site.longitude,
        2 * pi() / 365 * (dayofyear(hour_ts) - 1 + (hour(hour_ts) + 0.5 - 12) / 24) AS gamma,
        hour(hour_ts) * 60 + 30 AS minutes_utc
    FROM hours CROSS JOIN site
),
solar_time AS (
    SELECT
        *,
        229.18 * (0.000075 + 0.001868 * cos(gamma) - 0.032077 * sin(gamma)
            - 0.014615 * cos(2 * gamma) - 0.040849 * sin(2 * gamma)) AS eqtime_min,
        0.006918 - 0.399912 * cos(gamma) + 0.070257 * sin(gamma)
            - 0.006758 * cos(2 * gamma) + 0.000907 * sin(2 * gamma)
            - 0.002697 * cos(3 * gamma) + 0.00148 * sin(3 * gamma) AS declination
    FROM angles
),
hour_angle AS (
    SELECT
        *,
        radians((minutes_utc + eqtime_min + 4 * longitude) / 4 - 180) AS ha,
        radians(latitude) AS phi
    FROM solar_time
),
zenith AS (
    SELECT
        *,
        acos(least(greatest(
            sin(phi) * sin(declination) + cos(phi) * cos(declination) * cos(ha), -1), 1))
            AS zenith_rad
    FROM hour_angle
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
FROM zenith
WHERE latitude IS NOT NULL
