-- Heat-pump efficiency per local day; same formulas as heatpump_cop_hourly.
-- materialized: incremental
-- time_column: local_date
WITH readings AS (
    SELECT
        *,
        {{ carnot_cop('flow_temp', 'outside_temp') }} AS carnot_cop
    FROM {{ ref('heatpump_readings') }}
    WHERE "timestamp" >= {{ window_start }} AND "timestamp" < {{ window_end }}
),
grouped AS (
    SELECT
        CAST({{ local_ts('"timestamp"') }} AS DATE) AS local_date,
        sum(elec_wh) AS elec_wh,
        sum(heat_wh) AS heat_wh,
        sum(defrost_wh) AS defrost_wh,
        CAST(sum(CASE WHEN defrost THEN 5 ELSE 0 END) AS BIGINT) AS defrost_minutes,
        sum(running_s) / 60.0 AS running_minutes,
        sum(CASE WHEN heat_wh > 0 THEN heat_wh * outside_temp END)
            / nullif(sum(CASE WHEN heat_wh > 0 AND outside_temp IS NOT NULL THEN heat_wh END), 0)
            AS outside_temp_weighted,
        sum(CASE WHEN heat_wh > 0 THEN heat_wh * flow_temp END)
            / nullif(sum(CASE WHEN heat_wh > 0 AND flow_temp IS NOT NULL THEN heat_wh END), 0)
            AS flow_temp_weighted,
        avg(outside_temp) AS outside_temp_mean,
        sum(CASE WHEN carnot_cop IS NOT NULL AND running_s > 0 THEN heat_wh END) AS carnot_heat_wh,
        sum(
            CASE
                WHEN carnot_cop IS NOT NULL AND running_s > 0
                THEN elec_wh * carnot_cop * (CASE WHEN defrost THEN -1 ELSE 1 END)
            END
        ) AS ideal_heat_wh,
        sum(300 - gap_s) AS covered_s,
        CAST(sum(outlier_samples) AS BIGINT) AS outlier_samples,
        CAST(sum(heat_meter_fault_samples) AS BIGINT) AS heat_meter_fault_samples,
        max(CASE WHEN counter_reset THEN 1 ELSE 0 END) = 1 AS counter_reset
    FROM readings
    GROUP BY CAST({{ local_ts('"timestamp"') }} AS DATE)
),
sized AS (
    SELECT *, {{ seconds_between(utc_of_local('CAST(local_date AS TIMESTAMP)'), utc_of_local('CAST(local_date AS TIMESTAMP) + INTERVAL 1 DAY')) }} AS span_s
    FROM grouped
)
SELECT
    local_date,
    elec_wh,
    heat_wh,
    CASE WHEN elec_wh > 0 THEN heat_wh / elec_wh END AS cop,
    defrost_wh,
    defrost_minutes,
    running_minutes,
    outside_temp_weighted,
    flow_temp_weighted,
    outside_temp_mean,
    CASE WHEN ideal_heat_wh > 0 THEN 100.0 * carnot_heat_wh / ideal_heat_wh END AS pct_carnot,
    100.0 * covered_s / span_s AS coverage_pct,
    outlier_samples,
    heat_meter_fault_samples,
    counter_reset,
    CASE
        WHEN covered_s < {{ min_coverage_pct }} / 100.0 * span_s THEN 'low_coverage'
        WHEN heat_meter_fault_samples > 0 THEN 'heat_meter_fault'
        WHEN counter_reset THEN 'counter_reset'
        WHEN outlier_samples > 0 THEN 'outliers'
        ELSE 'ok'
    END AS quality_flag
FROM sized
