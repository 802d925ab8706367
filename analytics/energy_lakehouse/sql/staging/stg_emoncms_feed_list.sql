-- emoncms feed/list.json: every feed with its latest value and time, pivoted into one
-- heat-pump sample per answer by the emonHP feed names (heatpump_elec, ...).
-- stream: heatpump/emoncms/feed_list
-- payload: STRUCT(id VARCHAR, "name" VARCHAR, unit VARCHAR, "time" DOUBLE, "value" DOUBLE)[]
-- emoncms answers errors with HTTP 200 and an object ({"success": false, ...}) where a
-- list is expected: a segment holding one is read leniently (reported as partly read),
-- and the error answer gives no row, as the parser raises for it.
-- As emoncms.parse_feed_list: of several feeds with one name the lowest id counts; a
-- feed not updated in the hour before the fetch is stale and ignored; units follow
-- each feed's own unit (empty: emonHP's W, kWh, °C); times above 1e11 are ms. The
-- sample's time is the newest time among the feeds used, never after the fetch.
-- Feeds chosen by id in the integration's options are not known here: names only.
WITH feeds AS (
    SELECT
        device_id,
        fetched_at,
        _source_file,
        feed."name" AS feed_name,
        feed.id AS feed_id,
        feed."value" AS raw_value,
        lower(replace(replace(trim(coalesce(feed.unit, '')), 'º', '°'), ' ', '')) AS unit,
        to_timestamp(CASE WHEN abs(feed."time") > 1e11 THEN feed."time" / 1000 ELSE feed."time" END)
            AS feed_time
    FROM (
        SELECT
            device_id,
            fetched_at,
            unnest(payload) AS feed,
            filename AS _source_file
        FROM {{ bronze }}
        WHERE http_status = 200 AND payload IS NOT NULL
    ) AS listed
    WHERE feed."name" IN (
        'heatpump_elec', 'heatpump_heat', 'heatpump_elec_kwh', 'heatpump_heat_kwh',
        'heatpump_flowT', 'heatpump_returnT', 'heatpump_outsideT'
    )
),
chosen AS (
    SELECT
        *,
        row_number() OVER (
            PARTITION BY _source_file, fetched_at, device_id, feed_name
            ORDER BY length(feed_id), feed_id
        ) AS _rank
    FROM feeds
),
converted AS (
    SELECT
        *,
        CASE
            WHEN feed_name IN ('heatpump_elec', 'heatpump_heat') THEN
                raw_value * CASE coalesce(nullif(unit, ''), 'w')
                    WHEN 'w' THEN 1 WHEN 'kw' THEN 1e3 WHEN 'mw' THEN 1e6 END
            WHEN feed_name IN ('heatpump_elec_kwh', 'heatpump_heat_kwh') THEN
                raw_value * CASE coalesce(nullif(unit, ''), 'kwh')
                    WHEN 'wh' THEN 1 WHEN 'kwh' THEN 1e3 WHEN 'mwh' THEN 1e6 END
            ELSE CASE
                WHEN coalesce(nullif(unit, ''), '°c') IN ('°c', 'c', 'degc') THEN raw_value
                WHEN unit = '°f' THEN (raw_value - 32.0) * 5.0 / 9.0
                WHEN unit = 'k' THEN raw_value - 273.15
            END
        END AS si_value
    FROM chosen
    WHERE _rank = 1
        AND feed_time IS NOT NULL
        AND fetched_at - feed_time <= INTERVAL 1 HOUR
),
used AS (
    SELECT * FROM converted WHERE si_value IS NOT NULL
)
SELECT
    device_id,
    least(max(feed_time), fetched_at) AS ts,
    fetched_at,
    max(CASE WHEN feed_name = 'heatpump_elec' THEN si_value END) AS elec_w,
    max(CASE WHEN feed_name = 'heatpump_heat' THEN si_value END) AS heat_w,
    max(CASE WHEN feed_name = 'heatpump_flowT' THEN si_value END) AS flow_c,
    max(CASE WHEN feed_name = 'heatpump_returnT' THEN si_value END) AS return_c,
    max(CASE WHEN feed_name = 'heatpump_outsideT' THEN si_value END) AS outside_c,
    max(CASE WHEN feed_name = 'heatpump_elec_kwh' THEN si_value END) AS elec_total_wh,
    max(CASE WHEN feed_name = 'heatpump_heat_kwh' THEN si_value END) AS heat_total_wh,
    _source_file
FROM used
GROUP BY device_id, fetched_at, _source_file
