-- Every solar sample of every stream in one shape. A stream contributes only what it
-- measures first-hand: the meter its grid counters, the power flow everything else.
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
