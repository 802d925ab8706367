-- emoncms feed/list.json: every feed with its latest value and time, pivoted into one
-- heat-pump sample per answer by the emonHP feed names (heatpump_elec, ...).
-- stream: heatpump/emoncms/feed_list
-- payload: STRUCT(id VARCHAR, "name" VARCHAR, unit VARCHAR, "time" DOUBLE, "value" DOUBLE)[]
-- Units follow each feed's own unit: kW and kWh are scaled to W and Wh.
SELECT
    device_id,
    to_timestamp(max(CASE WHEN feed."name" LIKE 'heatpump\_%' ESCAPE '\' THEN feed."time" END)) AS ts,
    fetched_at,
    max(CASE WHEN feed."name" = 'heatpump_elec' THEN feed."value" * (CASE WHEN feed.unit = 'kW' THEN 1000 ELSE 1 END) END) AS elec_w,
    max(CASE WHEN feed."name" = 'heatpump_heat' THEN feed."value" * (CASE WHEN feed.unit = 'kW' THEN 1000 ELSE 1 END) END) AS heat_w,
    max(CASE WHEN feed."name" = 'heatpump_flowT' THEN feed."value" END) AS flow_c,
    max(CASE WHEN feed."name" = 'heatpump_returnT' THEN feed."value" END) AS return_c,
    max(CASE WHEN feed."name" = 'heatpump_outsideT' THEN feed."value" END) AS outside_c,
    max(CASE WHEN feed."name" = 'heatpump_elec_kwh' THEN feed."value" * (CASE WHEN feed.unit = 'Wh' THEN 1 ELSE 1000 END) END) AS elec_total_wh,
    max(CASE WHEN feed."name" = 'heatpump_heat_kwh' THEN feed."value" * (CASE WHEN feed.unit = 'Wh' THEN 1 ELSE 1000 END) END) AS heat_total_wh,
    _source_file
FROM (
    SELECT device_id, fetched_at, unnest(payload) AS feed, filename AS _source_file
    FROM {{ bronze }}
    WHERE http_status = 200 AND payload IS NOT NULL
) AS feeds
GROUP BY device_id, fetched_at, _source_file
HAVING max(CASE WHEN feed."name" LIKE 'heatpump\_%' ESCAPE '\' THEN feed."time" END) IS NOT NULL
