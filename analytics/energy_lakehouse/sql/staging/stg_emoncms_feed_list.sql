-- emoncms feed/list.json: every feed with its latest value and time, turned into one
-- heat-pump sample per answer by the emonHP feed names (heatpump_elec, ...).
-- stream: heatpump/emoncms/feed_list
-- payload: STRUCT(id VARCHAR, "name" VARCHAR, unit VARCHAR, "time" DOUBLE, "value" DOUBLE)[]
-- As emoncms.parse_feed_list: of several feeds with one name the lowest id counts; a
-- feed not updated in the hour before the fetch is stale and ignored; units follow
-- each feed's own unit (empty: emonHP's W, kWh, °C); times above 1e11 are ms. The
-- sample's time is the newest time among the feeds used, never after the fetch.
-- emoncms answers errors with HTTP 200 and an object ({"success": false, ...}) where a
-- list is expected: a segment holding one is read leniently (reported as partly read),
-- and the error answer gives no row, as the parser raises for it.
-- Feeds chosen by id in the integration's options are not known here: names only.
-- Every answer is handled on its own (list functions, no grouping), so the read streams.
WITH answers AS (
    SELECT device_id, fetched_at, filename AS _source_file, payload AS feeds
    FROM {{ bronze }}
),
named AS (
    SELECT
        device_id,
        fetched_at,
        _source_file,
        list_filter(feeds, lambda f: f."name" = 'heatpump_elec') AS elec_all,
        list_filter(feeds, lambda f: f."name" = 'heatpump_heat') AS heat_all,
        list_filter(feeds, lambda f: f."name" = 'heatpump_flowT') AS flow_all,
        list_filter(feeds, lambda f: f."name" = 'heatpump_returnT') AS ret_all,
        list_filter(feeds, lambda f: f."name" = 'heatpump_outsideT') AS outside_all,
        list_filter(feeds, lambda f: f."name" = 'heatpump_elec_kwh') AS elec_total_all,
        list_filter(feeds, lambda f: f."name" = 'heatpump_heat_kwh') AS heat_total_all
    FROM answers
),
picked AS (
    -- Of several feeds with one name, the lowest (id length, id) is the parser's choice.
    SELECT
        device_id,
        fetched_at,
        _source_file,
        CASE WHEN len(elec_all) <= 1 THEN elec_all[1]
            ELSE list_sort(list_transform(elec_all, lambda f: {'k': lpad(f.id, 24, '0'), 'f': f}))[1].f
        END AS elec,
        CASE WHEN len(heat_all) <= 1 THEN heat_all[1]
            ELSE list_sort(list_transform(heat_all, lambda f: {'k': lpad(f.id, 24, '0'), 'f': f}))[1].f
        END AS heat,
        CASE WHEN len(flow_all) <= 1 THEN flow_all[1]
            ELSE list_sort(list_transform(flow_all, lambda f: {'k': lpad(f.id, 24, '0'), 'f': f}))[1].f
        END AS flow,
        CASE WHEN len(ret_all) <= 1 THEN ret_all[1]
            ELSE list_sort(list_transform(ret_all, lambda f: {'k': lpad(f.id, 24, '0'), 'f': f}))[1].f
        END AS ret,
        CASE WHEN len(outside_all) <= 1 THEN outside_all[1]
            ELSE list_sort(list_transform(outside_all, lambda f: {'k': lpad(f.id, 24, '0'), 'f': f}))[1].f
        END AS outside,
        CASE WHEN len(elec_total_all) <= 1 THEN elec_total_all[1]
            ELSE list_sort(list_transform(elec_total_all, lambda f: {'k': lpad(f.id, 24, '0'), 'f': f}))[1].f
        END AS elec_total,
        CASE WHEN len(heat_total_all) <= 1 THEN heat_total_all[1]
            ELSE list_sort(list_transform(heat_total_all, lambda f: {'k': lpad(f.id, 24, '0'), 'f': f}))[1].f
        END AS heat_total
    FROM named
),
converted AS (
    SELECT
        device_id,
        fetched_at,
        _source_file,
        CASE WHEN fetched_at - to_timestamp(CASE WHEN abs(elec.time) > 1e11 THEN elec.time / 1000 ELSE elec.time END) <= INTERVAL 1 HOUR THEN elec.value * CASE coalesce(nullif(lower(replace(replace(trim(coalesce(elec.unit, '')), 'º', '°'), ' ', '')), ''), 'w') WHEN 'w' THEN 1 WHEN 'kw' THEN 1e3 WHEN 'mw' THEN 1e6 END END AS elec_si,
        to_timestamp(CASE WHEN abs(elec.time) > 1e11 THEN elec.time / 1000 ELSE elec.time END) AS elec_time,
        CASE WHEN fetched_at - to_timestamp(CASE WHEN abs(heat.time) > 1e11 THEN heat.time / 1000 ELSE heat.time END) <= INTERVAL 1 HOUR THEN heat.value * CASE coalesce(nullif(lower(replace(replace(trim(coalesce(heat.unit, '')), 'º', '°'), ' ', '')), ''), 'w') WHEN 'w' THEN 1 WHEN 'kw' THEN 1e3 WHEN 'mw' THEN 1e6 END END AS heat_si,
        to_timestamp(CASE WHEN abs(heat.time) > 1e11 THEN heat.time / 1000 ELSE heat.time END) AS heat_time,
        CASE WHEN fetched_at - to_timestamp(CASE WHEN abs(flow.time) > 1e11 THEN flow.time / 1000 ELSE flow.time END) <= INTERVAL 1 HOUR THEN CASE WHEN coalesce(nullif(lower(replace(replace(trim(coalesce(flow.unit, '')), 'º', '°'), ' ', '')), ''), '°c') IN ('°c', 'c', 'degc') THEN flow.value WHEN lower(replace(replace(trim(coalesce(flow.unit, '')), 'º', '°'), ' ', '')) = '°f' THEN (flow.value - 32.0) * 5.0 / 9.0 WHEN lower(replace(replace(trim(coalesce(flow.unit, '')), 'º', '°'), ' ', '')) = 'k' THEN flow.value - 273.15 END END AS flow_si,
        to_timestamp(CASE WHEN abs(flow.time) > 1e11 THEN flow.time / 1000 ELSE flow.time END) AS flow_time,
        CASE WHEN fetched_at - to_timestamp(CASE WHEN abs(ret.time) > 1e11 THEN ret.time / 1000 ELSE ret.time END) <= INTERVAL 1 HOUR THEN CASE WHEN coalesce(nullif(lower(replace(replace(trim(coalesce(ret.unit, '')), 'º', '°'), ' ', '')), ''), '°c') IN ('°c', 'c', 'degc') THEN ret.value WHEN lower(replace(replace(trim(coalesce(ret.unit, '')), 'º', '°'), ' ', '')) = '°f' THEN (ret.value - 32.0) * 5.0 / 9.0 WHEN lower(replace(replace(trim(coalesce(ret.unit, '')), 'º', '°'), ' ', '')) = 'k' THEN ret.value - 273.15 END END AS ret_si,
        to_timestamp(CASE WHEN abs(ret.time) > 1e11 THEN ret.time / 1000 ELSE ret.time END) AS ret_time,
        CASE WHEN fetched_at - to_timestamp(CASE WHEN abs(outside.time) > 1e11 THEN outside.time / 1000 ELSE outside.time END) <= INTERVAL 1 HOUR THEN CASE WHEN coalesce(nullif(lower(replace(replace(trim(coalesce(outside.unit, '')), 'º', '°'), ' ', '')), ''), '°c') IN ('°c', 'c', 'degc') THEN outside.value WHEN lower(replace(replace(trim(coalesce(outside.unit, '')), 'º', '°'), ' ', '')) = '°f' THEN (outside.value - 32.0) * 5.0 / 9.0 WHEN lower(replace(replace(trim(coalesce(outside.unit, '')), 'º', '°'), ' ', '')) = 'k' THEN outside.value - 273.15 END END AS outside_si,
        to_timestamp(CASE WHEN abs(outside.time) > 1e11 THEN outside.time / 1000 ELSE outside.time END) AS outside_time,
        CASE WHEN fetched_at - to_timestamp(CASE WHEN abs(elec_total.time) > 1e11 THEN elec_total.time / 1000 ELSE elec_total.time END) <= INTERVAL 1 HOUR THEN elec_total.value * CASE coalesce(nullif(lower(replace(replace(trim(coalesce(elec_total.unit, '')), 'º', '°'), ' ', '')), ''), 'kwh') WHEN 'wh' THEN 1 WHEN 'kwh' THEN 1e3 WHEN 'mwh' THEN 1e6 END END AS elec_total_si,
        to_timestamp(CASE WHEN abs(elec_total.time) > 1e11 THEN elec_total.time / 1000 ELSE elec_total.time END) AS elec_total_time,
        CASE WHEN fetched_at - to_timestamp(CASE WHEN abs(heat_total.time) > 1e11 THEN heat_total.time / 1000 ELSE heat_total.time END) <= INTERVAL 1 HOUR THEN heat_total.value * CASE coalesce(nullif(lower(replace(replace(trim(coalesce(heat_total.unit, '')), 'º', '°'), ' ', '')), ''), 'kwh') WHEN 'wh' THEN 1 WHEN 'kwh' THEN 1e3 WHEN 'mwh' THEN 1e6 END END AS heat_total_si,
        to_timestamp(CASE WHEN abs(heat_total.time) > 1e11 THEN heat_total.time / 1000 ELSE heat_total.time END) AS heat_total_time
    FROM picked
)
SELECT
    device_id,
    least(
        greatest(
            CASE WHEN elec_si IS NOT NULL THEN elec_time END,
            CASE WHEN heat_si IS NOT NULL THEN heat_time END,
            CASE WHEN flow_si IS NOT NULL THEN flow_time END,
            CASE WHEN ret_si IS NOT NULL THEN ret_time END,
            CASE WHEN outside_si IS NOT NULL THEN outside_time END,
            CASE WHEN elec_total_si IS NOT NULL THEN elec_total_time END,
            CASE WHEN heat_total_si IS NOT NULL THEN heat_total_time END
        ),
        fetched_at
    ) AS ts,
    fetched_at,
    elec_si AS elec_w,
    heat_si AS heat_w,
    flow_si AS flow_c,
    ret_si AS return_c,
    outside_si AS outside_c,
    elec_total_si AS elec_total_wh,
    heat_total_si AS heat_total_wh,
    _source_file
FROM converted
WHERE elec_si IS NOT NULL OR heat_si IS NOT NULL OR flow_si IS NOT NULL OR ret_si IS NOT NULL OR outside_si IS NOT NULL OR elec_total_si IS NOT NULL OR heat_total_si IS NOT NULL
