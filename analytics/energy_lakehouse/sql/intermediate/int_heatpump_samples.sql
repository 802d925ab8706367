-- Every heat-pump sample of every stream in one shape.
-- materialized: view
SELECT
    'emoncms' AS vendor,
    'feed_list' AS stream,
    device_id, ts, fetched_at, elec_w, heat_w, flow_c, return_c, outside_c,
    elec_total_wh, heat_total_wh
FROM {{ ref('stg_emoncms_feed_list') }}
UNION ALL
SELECT
    'myuplink' AS vendor,
    'device_points' AS stream,
    device_id, ts, fetched_at, elec_w, heat_w, flow_c, return_c, outside_c,
    elec_total_wh, heat_total_wh
FROM {{ ref('stg_myuplink_device_points') }}
