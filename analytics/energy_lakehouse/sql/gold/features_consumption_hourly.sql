-- Hourly energy features for the models, one row per timestamp (UTC hour start):
-- what the house produced, drew and exported, and what the heat pump used and gave.
-- materialized: incremental
-- time_column: timestamp
WITH solar AS (
    SELECT
        date_trunc('hour', "timestamp") AS hour_ts,
        sum(pv_wh) AS pv_wh,
        sum(load_wh) AS load_wh,
        sum(import_wh) AS grid_import_wh,
        sum(export_wh) AS grid_export_wh,
        avg(battery_soc) AS battery_soc_mean,
        100.0 * sum(300 - gap_s) / 3600 AS solar_coverage_pct
    FROM {{ ref('solar_readings') }}
    WHERE "timestamp" >= {{ window_start }} AND "timestamp" < {{ window_end }}
    GROUP BY date_trunc('hour', "timestamp")
),
heatpump AS (
    SELECT
        date_trunc('hour', "timestamp") AS hour_ts,
        sum(elec_wh) AS heatpump_elec_wh,
        sum(heat_wh) AS heatpump_heat_wh,
        100.0 * sum(300 - gap_s) / 3600 AS heatpump_coverage_pct
    FROM {{ ref('heatpump_readings') }}
    WHERE "timestamp" >= {{ window_start }} AND "timestamp" < {{ window_end }}
    GROUP BY date_trunc('hour', "timestamp")
),
joined AS (
    SELECT
        coalesce(solar.hour_ts, heatpump.hour_ts) AS hour_ts,
        solar.pv_wh, solar.load_wh, solar.grid_import_wh, solar.grid_export_wh,
        solar.battery_soc_mean, solar.solar_coverage_pct,
        heatpump.heatpump_elec_wh, heatpump.heatpump_heat_wh, heatpump.heatpump_coverage_pct
    FROM solar
    FULL OUTER JOIN heatpump ON solar.hour_ts = heatpump.hour_ts
)
SELECT
    hour_ts AS "timestamp",
    CAST({{ local_ts('hour_ts') }} AS DATE) AS local_date,
    CAST(hour({{ local_ts('hour_ts') }}) AS INTEGER) AS local_hour,
    CAST({{ iso_day_of_week(local_ts("hour_ts")) }} AS INTEGER) AS local_iso_day_of_week,
    pv_wh,
    load_wh,
    load_wh - heatpump_elec_wh AS base_load_wh,
    grid_import_wh,
    grid_export_wh,
    battery_soc_mean,
    heatpump_elec_wh,
    heatpump_heat_wh,
    solar_coverage_pct,
    heatpump_coverage_pct
FROM joined
