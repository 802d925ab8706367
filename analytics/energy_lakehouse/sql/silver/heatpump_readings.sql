-- Heat-pump readings on the 5-minute grid, one row per (device_id, timestamp).
-- materialized: incremental
-- time_column: timestamp
-- Same interval rule as solar_readings (held_in_buckets); a counter's increase over a
-- silence up to max_spread_s is spread evenly over it (energy_spread). Defrost: heat
-- output below zero, or the flow colder than the return by more than 0.2 K while the
-- compressor runs; its heat is counted negative (heat_wh is net) and reported as
-- defrost_wh.
WITH ranked AS (
    -- One sample per (device, stream, time): the latest fetch of a duplicated answer.
    SELECT
        device_id,
        stream,
        ts,
        max(vendor) AS vendor,
        max(fetched_at) AS fetched_at,
        max_by(elec_w, fetched_at) AS elec_w,
        max_by(heat_w, fetched_at) AS heat_w,
        max_by(flow_c, fetched_at) AS flow_c,
        max_by(return_c, fetched_at) AS return_c,
        max_by(outside_c, fetched_at) AS outside_c,
        max_by(elec_total_wh, fetched_at) AS elec_total_wh,
        max_by(heat_total_wh, fetched_at) AS heat_total_wh
    FROM {{ ref('int_heatpump_samples') }}
    WHERE ts >= {{ lookback_start }} AND ts < {{ lookahead_end }}
    GROUP BY device_id, stream, ts
),
flagged AS (
    SELECT
        *,
        coalesce(
            elec_w < 0 OR elec_w >= {{ max_heatpump_w }}
            OR heat_w > {{ max_power_w }} OR heat_w < -{{ max_heatpump_w }}
            OR flow_c < -30 OR flow_c > 100 OR return_c < -30 OR return_c > 100
            OR outside_c < -60 OR outside_c > 60,
            FALSE
        ) AS is_outlier,
        coalesce(
            heat_w < 0 OR (flow_c - return_c < -0.2 AND elec_w >= {{ starting_power_w }}),
            FALSE
        ) AS is_defrost,
        coalesce(
            elec_w >= {{ starting_power_w }} AND heat_w = 0
            AND flow_c - return_c > 1.5 AND flow_c > 30,
            FALSE
        ) AS is_heat_meter_fault
    FROM ranked
),
paired AS (
    SELECT
        *,
        lead(ts) OVER w AS next_ts,
        lead(elec_total_wh) OVER w - elec_total_wh AS elec_delta_wh,
        lead(heat_total_wh) OVER w - heat_total_wh AS heat_delta_wh
    FROM flagged
    WINDOW w AS (PARTITION BY device_id, stream ORDER BY ts)
),
held AS (
    SELECT
        *,
        CASE WHEN NOT is_outlier AND silence_s <= {{ max_gap_s }} THEN silence_s / 3600.0 END
            AS held_h,
        CASE
            WHEN silence_s > {{ max_gap_s }} AND silence_s <= {{ max_spread_s }}
                AND (elec_delta_wh > 0 OR heat_delta_wh > 0)
            THEN silence_s / 3600.0
        END AS spread_h,
        coalesce(elec_delta_wh < 0 OR heat_delta_wh < 0, FALSE) AS is_counter_reset
    FROM (SELECT *, {{ seconds_between('ts', 'next_ts') }} AS silence_s FROM paired) AS timed
),
energies AS (
    SELECT
        *,
        CASE
            WHEN silence_s <= {{ max_gap_s }}
            THEN CASE WHEN elec_delta_wh >= 0 THEN elec_delta_wh ELSE elec_w * held_h END
            WHEN spread_h IS NOT NULL AND elec_delta_wh >= 0 THEN elec_delta_wh
        END AS elec_step_wh,
        CASE
            WHEN silence_s <= {{ max_gap_s }}
            THEN CASE
                WHEN heat_delta_wh >= 0 AND NOT is_defrost THEN heat_delta_wh
                ELSE heat_w * held_h
            END
            WHEN spread_h IS NOT NULL AND heat_delta_wh >= 0 THEN heat_delta_wh
        END AS heat_step_wh,
        CASE WHEN is_defrost THEN {{ positive('-heat_w') }} * held_h ELSE 0 END AS defrost_step_wh,
        CASE WHEN elec_w >= {{ starting_power_w }} THEN coalesce(held_h, 0) * 3600 ELSE 0 END
            AS running_step_s,
        CASE WHEN elec_w IS NOT NULL THEN coalesce(held_h, 0) * 3600 ELSE 0 END AS covered_step_s
    FROM held
),
allocated AS (
    {{ held_in_buckets('energies') }}
),
buckets AS (
    SELECT
        device_id,
        bucket_ts,
        max(vendor) AS vendor,
        -- As in solar_readings: means, counters and flags from the bucket's own samples,
        -- time and energy from every interval that spans it.
        avg(CASE WHEN is_own_bucket AND NOT is_outlier THEN elec_w END) AS power,
        avg(CASE WHEN is_own_bucket AND NOT is_outlier THEN heat_w END) AS heat_output,
        avg(CASE WHEN is_own_bucket AND NOT is_outlier THEN flow_c END) AS flow_temp,
        avg(CASE WHEN is_own_bucket AND NOT is_outlier THEN return_c END) AS return_temp,
        avg(CASE WHEN is_own_bucket AND NOT is_outlier THEN outside_c END) AS outside_temp,
        sum(elec_step_wh * share) AS elec_wh,
        sum(heat_step_wh * share) AS heat_wh,
        sum(defrost_step_wh * share) AS defrost_wh,
        max_by(elec_total_wh, CASE WHEN is_own_bucket AND elec_total_wh IS NOT NULL THEN ts END)
            / 1000.0 AS power_kwh,
        max_by(heat_total_wh, CASE WHEN is_own_bucket AND heat_total_wh IS NOT NULL THEN ts END)
            / 1000.0 AS heat_kwh,
        least(sum(running_step_s * share), 300) AS running_s,
        CAST(sum(CASE WHEN is_own_bucket THEN 1 ELSE 0 END) AS BIGINT) AS samples,
        CAST(sum(CASE WHEN is_own_bucket AND is_outlier THEN 1 ELSE 0 END) AS BIGINT)
            AS outlier_samples,
        max(CASE WHEN is_own_bucket AND is_defrost THEN 1 ELSE 0 END) = 1 AS defrost,
        CAST(sum(CASE WHEN is_own_bucket AND is_heat_meter_fault THEN 1 ELSE 0 END) AS BIGINT)
            AS heat_meter_fault_samples,
        max(CASE WHEN is_own_bucket AND is_counter_reset THEN 1 ELSE 0 END) = 1
            AS counter_reset,
        max(CASE WHEN spread_h IS NOT NULL THEN 1 ELSE 0 END) = 1 AS energy_spread,
        least(sum(covered_step_s * share), 300) AS covered_s
    FROM allocated
    WHERE bucket_ts >= {{ window_start }} AND bucket_ts < {{ window_end }}
    GROUP BY device_id, bucket_ts
)
SELECT
    bucket_ts AS "timestamp",
    device_id,
    vendor,
    power,
    heat_output,
    flow_temp,
    return_temp,
    outside_temp,
    elec_wh,
    heat_wh,
    defrost_wh,
    power_kwh,
    heat_kwh,
    running_s,
    defrost,
    heat_meter_fault_samples,
    samples,
    outlier_samples,
    outlier_samples > 0 AS is_outlier,
    counter_reset,
    energy_spread,
    100.0 * covered_s / 300 AS coverage_pct,
    300 - covered_s AS gap_s
FROM buckets
