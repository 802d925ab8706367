-- Energy a solar system metered itself, per interval: SolarEdge's energyDetails meters.
-- One row per (device_id, meter, start_ts): the latest fetch that has a value. Start
-- times are site-local, read in the site's zone (int_solaredge_sites, else UTC), the
-- earlier instant in the repeated hour when clocks go back, as the integration reads
-- them. Only intervals the 5-minute grid can hold exactly are kept: quarter hours and
-- hours (the integration captures quarter hours); days, weeks and months are not.
-- materialized: view
WITH located AS (
    SELECT
        details.device_id,
        details.meter,
        details.fetched_at,
        details.energy_wh,
        details.start_local,
        coalesce(site.time_zone, 'UTC') AS site_zone,
        {{ utc_of_zone('details.start_local', "coalesce(site.time_zone, 'UTC')") }} AS read_as,
        CASE details.time_unit WHEN 'QUARTER_OF_AN_HOUR' THEN 900 WHEN 'HOUR' THEN 3600 END
            AS seconds
    FROM {{ ref('stg_solaredge_energy_details') }} AS details
    LEFT JOIN {{ ref('int_solaredge_sites') }} AS site ON site.device_id = details.device_id
    WHERE details.energy_wh IS NOT NULL
),
dated AS (
    SELECT
        device_id,
        meter,
        CASE
            WHEN {{ local_of_zone("read_as - INTERVAL 1 HOUR", 'site_zone') }} = start_local
            THEN read_as - INTERVAL 1 HOUR
            ELSE read_as
        END AS start_ts,
        seconds,
        fetched_at,
        energy_wh
    FROM located
    WHERE seconds IS NOT NULL
)
SELECT
    'solaredge' AS vendor,
    device_id,
    meter,
    start_ts,
    seconds,
    max_by(energy_wh, fetched_at) AS energy_wh
FROM dated
GROUP BY device_id, meter, start_ts, seconds
