-- Every solar sample of every stream in one shape. A stream contributes only what it
-- measures first-hand: the meter its grid counters, the power flow everything else.
-- SolarEdge: the overview gives PV (power and lifetime counter), the power flow the
-- grid, load and battery, so PV energy is counted once per device (Silver sums the
-- streams' intervals). The overview's lastUpdateTime is site-local: it is read in the
-- site's zone (int_solaredge_sites), else in UTC.
-- materialized: view
SELECT
    'fronius' AS vendor,
    'powerflow' AS stream,
    device_id, ts, fetched_at, pv_w, grid_w, load_w, battery_w, battery_soc, pv_total_wh,
    CAST(NULL AS DOUBLE) AS import_total_wh,
    CAST(NULL AS DOUBLE) AS export_total_wh
FROM {{ ref('stg_fronius_powerflow') }}
UNION ALL
SELECT
    'fronius' AS vendor,
    'meter' AS stream,
    device_id, ts, fetched_at,
    CAST(NULL AS DOUBLE) AS pv_w,
    CAST(NULL AS DOUBLE) AS grid_w,
    CAST(NULL AS DOUBLE) AS load_w,
    CAST(NULL AS DOUBLE) AS battery_w,
    CAST(NULL AS DOUBLE) AS battery_soc,
    CAST(NULL AS DOUBLE) AS pv_total_wh,
    import_total_wh,
    export_total_wh
FROM {{ ref('stg_fronius_meter') }}
UNION ALL
SELECT
    'solaredge' AS vendor,
    'power_flow' AS stream,
    device_id, ts, fetched_at,
    CAST(NULL AS DOUBLE) AS pv_w,
    grid_w, load_w, battery_w, battery_soc,
    CAST(NULL AS DOUBLE) AS pv_total_wh,
    CAST(NULL AS DOUBLE) AS import_total_wh,
    CAST(NULL AS DOUBLE) AS export_total_wh
FROM {{ ref('stg_solaredge_power_flow') }}
UNION ALL
SELECT
    'solaredge' AS vendor,
    'overview' AS stream,
    device_id,
    -- In the repeated hour when clocks go back, the earlier instant (as the integration).
    CASE
        WHEN {{ local_of_zone("read_as - INTERVAL 1 HOUR", 'site_zone') }} = updated_local
        THEN read_as - INTERVAL 1 HOUR
        ELSE coalesce(read_as, fetched_at)
    END AS ts,
    fetched_at,
    pv_w,
    CAST(NULL AS DOUBLE) AS grid_w,
    CAST(NULL AS DOUBLE) AS load_w,
    CAST(NULL AS DOUBLE) AS battery_w,
    CAST(NULL AS DOUBLE) AS battery_soc,
    pv_total_wh,
    CAST(NULL AS DOUBLE) AS import_total_wh,
    CAST(NULL AS DOUBLE) AS export_total_wh
FROM (
    SELECT
        overview.*,
        coalesce(site.time_zone, 'UTC') AS site_zone,
        {{ utc_of_zone('overview.updated_local', "coalesce(site.time_zone, 'UTC')") }} AS read_as
    FROM {{ ref('stg_solaredge_overview') }} AS overview
    LEFT JOIN {{ ref('int_solaredge_sites') }} AS site ON site.device_id = overview.device_id
) AS overviews
