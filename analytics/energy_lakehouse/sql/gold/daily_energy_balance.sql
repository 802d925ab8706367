-- The home's energy balance per local day (the configured IANA time zone), so a DST day
-- has 23 or 25 hours. One row per local_date.
-- materialized: incremental
-- time_column: local_date
WITH solar AS (
    SELECT
        CAST({{ local_ts('"timestamp"') }} AS DATE) AS local_date,
        sum(pv_wh) AS solar_produced_wh,
        sum(import_wh) AS grid_import_wh,
        sum(export_wh) AS grid_export_wh,
        sum(load_wh) AS home_load_wh,
        sum(battery_charge_wh) AS battery_charge_wh,
        sum(battery_discharge_wh) AS battery_discharge_wh,
        sum(300 - gap_s) AS solar_covered_s,
        CAST(sum(outlier_samples) AS BIGINT) AS solar_outlier_samples,
        max(CASE WHEN counter_reset THEN 1 ELSE 0 END) = 1 AS solar_counter_reset,
        max(CASE WHEN energy_spread THEN 1 ELSE 0 END) = 1 AS solar_energy_spread
    FROM {{ ref('solar_readings') }}
    WHERE "timestamp" >= {{ window_start }} AND "timestamp" < {{ window_end }}
    GROUP BY CAST({{ local_ts('"timestamp"') }} AS DATE)
),
heatpump AS (
    SELECT
        CAST({{ local_ts('"timestamp"') }} AS DATE) AS local_date,
        sum(elec_wh) AS heatpump_consumed_wh,
        sum(heat_wh) AS heatpump_heat_wh,
        sum(300 - gap_s) AS heatpump_covered_s,
        max(CASE WHEN energy_spread THEN 1 ELSE 0 END) = 1 AS heatpump_energy_spread
    FROM {{ ref('heatpump_readings') }}
    WHERE "timestamp" >= {{ window_start }} AND "timestamp" < {{ window_end }}
    GROUP BY CAST({{ local_ts('"timestamp"') }} AS DATE)
),
days AS (
    SELECT
        coalesce(solar.local_date, heatpump.local_date) AS local_date,
        solar.solar_produced_wh,
        solar.grid_import_wh,
        solar.grid_export_wh,
        solar.home_load_wh,
        solar.battery_charge_wh,
        solar.battery_discharge_wh,
        solar.solar_covered_s,
        solar.solar_outlier_samples,
        solar.solar_counter_reset,
        solar.solar_energy_spread,
        heatpump.heatpump_consumed_wh,
        heatpump.heatpump_heat_wh,
        heatpump.heatpump_covered_s,
        heatpump.heatpump_energy_spread
    FROM solar
    FULL OUTER JOIN heatpump ON solar.local_date = heatpump.local_date
),
sized AS (
    SELECT
        *,
        {{ seconds_between(utc_of_local('CAST(local_date AS TIMESTAMP)'), utc_of_local('CAST(local_date AS TIMESTAMP) + INTERVAL 1 DAY')) }} / 3600.0 AS hours_in_day,
        {{ positive('home_load_wh - grid_import_wh') }} AS load_self_supplied_wh,
        {{ positive('home_load_wh - grid_import_wh - coalesce(battery_discharge_wh, 0)') }}
            AS load_from_solar_wh,
        {{ positive('solar_produced_wh - coalesce(grid_export_wh, 0)') }} AS self_consumed_wh
    FROM days
)
SELECT
    local_date,
    hours_in_day,
    solar_produced_wh,
    heatpump_consumed_wh,
    heatpump_heat_wh,
    home_load_wh,
    load_from_solar_wh,
    load_self_supplied_wh,
    grid_import_wh,
    grid_export_wh,
    grid_export_wh - grid_import_wh AS net_export_wh,
    battery_charge_wh,
    battery_discharge_wh,
    self_consumed_wh,
    CASE WHEN solar_produced_wh > 0 THEN 100.0 * self_consumed_wh / solar_produced_wh END
        AS self_consumption_pct,
    CASE WHEN home_load_wh > 0 THEN 100.0 * load_self_supplied_wh / home_load_wh END
        AS self_sufficiency_pct,
    CASE WHEN home_load_wh > 0 THEN 100.0 * load_from_solar_wh / home_load_wh END
        AS solar_share_of_load_pct,
    CASE WHEN home_load_wh > 0 THEN 100.0 * heatpump_consumed_wh / home_load_wh END
        AS heatpump_share_of_load_pct,
    100.0 * coalesce(solar_covered_s, 0) / (hours_in_day * 3600) AS solar_coverage_pct,
    100.0 * coalesce(heatpump_covered_s, 0) / (hours_in_day * 3600) AS heatpump_coverage_pct,
    coalesce(solar_outlier_samples, 0) AS solar_outlier_samples,
    coalesce(solar_counter_reset, FALSE) AS solar_counter_reset,
    coalesce(solar_energy_spread, FALSE) AS solar_energy_spread,
    coalesce(heatpump_energy_spread, FALSE) AS heatpump_energy_spread
FROM sized
