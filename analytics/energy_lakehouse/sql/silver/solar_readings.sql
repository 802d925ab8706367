-- Solar readings on the 5-minute grid, one row per (device_id, timestamp).
-- materialized: incremental
-- time_column: timestamp
-- A sample holds until the next one, across silences up to max_gap_s; its interval
-- [ts, next ts) is split over the buckets it spans, pro rata (held_in_buckets), for
-- covered time and energy alike. Energy of an interval: the lifetime counter's increase
-- when it moved forward, else the power held over it. A counter that goes backward is a
-- reset: that interval falls back to power, so no delta is ever negative. A counter's
-- increase across a longer silence stays in the bucket where the silence starts.
WITH ranked AS (
    -- One sample per (device, stream, time): the latest fetch of a duplicated answer.
    SELECT
        device_id,
        stream,
        ts,
        max(vendor) AS vendor,
        max(fetched_at) AS fetched_at,
        max_by(pv_w, fetched_at) AS pv_w,
        max_by(grid_w, fetched_at) AS grid_w,
        max_by(load_w, fetched_at) AS load_w,
        max_by(battery_w, fetched_at) AS battery_w,
        max_by(battery_soc, fetched_at) AS battery_soc,
        max_by(pv_total_wh, fetched_at) AS pv_total_wh,
        max_by(import_total_wh, fetched_at) AS import_total_wh,
        max_by(export_total_wh, fetched_at) AS export_total_wh
    FROM {{ ref('int_solar_samples') }}
    WHERE ts >= {{ lookback_start }} AND ts < {{ lookahead_end }}
    GROUP BY device_id, stream, ts
),
flagged AS (
    SELECT
        *,
        coalesce(
            pv_w < 0 OR pv_w > {{ max_power_w }}
            OR abs(grid_w) > {{ max_power_w }}
            OR load_w < -{{ load_tolerance_w }} OR load_w > {{ max_power_w }}
            OR abs(battery_w) > {{ max_power_w }}
            OR battery_soc < 0 OR battery_soc > 100,
            FALSE
        ) AS is_outlier
    FROM ranked
),
paired AS (
    SELECT
        *,
        lead(ts) OVER w AS next_ts,
        lead(pv_total_wh) OVER w - pv_total_wh AS pv_delta_wh,
        lead(import_total_wh) OVER w - import_total_wh AS import_delta_wh,
        lead(export_total_wh) OVER w - export_total_wh AS export_delta_wh
    FROM flagged
    WINDOW w AS (PARTITION BY device_id, stream ORDER BY ts)
),
held AS (
    SELECT
        *,
        CASE
            WHEN NOT is_outlier AND {{ seconds_between('ts', 'next_ts') }} <= {{ max_gap_s }}
            THEN {{ seconds_between('ts', 'next_ts') }} / 3600.0
        END AS held_h,
        coalesce(pv_delta_wh < 0 OR import_delta_wh < 0 OR export_delta_wh < 0, FALSE)
            AS is_counter_reset
    FROM paired
),
energies AS (
    SELECT
        *,
        CASE WHEN pv_delta_wh >= 0 THEN pv_delta_wh ELSE pv_w * held_h END AS pv_step_wh,
        CASE WHEN import_delta_wh >= 0 THEN import_delta_wh END AS import_counter_wh,
        CASE WHEN export_delta_wh >= 0 THEN export_delta_wh END AS export_counter_wh,
        {{ positive('grid_w') }} * held_h AS import_power_wh,
        {{ positive('-grid_w') }} * held_h AS export_power_wh,
        load_w * held_h AS load_step_wh,
        {{ positive('-battery_w') }} * held_h AS battery_charge_step_wh,
        {{ positive('battery_w') }} * held_h AS battery_discharge_step_wh,
        CASE WHEN pv_w IS NOT NULL THEN coalesce(held_h, 0) * 3600 ELSE 0 END AS covered_step_s
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
        -- Means, counters and flags from the samples taken in the bucket; time and
        -- energy from every interval that spans it.
        avg(CASE WHEN is_own_bucket AND NOT is_outlier THEN pv_w END) AS pv_watts,
        avg(CASE WHEN is_own_bucket AND NOT is_outlier THEN {{ positive('grid_w') }} END)
            AS grid_import,
        avg(CASE WHEN is_own_bucket AND NOT is_outlier THEN {{ positive('-grid_w') }} END)
            AS grid_export,
        avg(CASE WHEN is_own_bucket AND NOT is_outlier THEN load_w END) AS load_watts,
        avg(CASE WHEN is_own_bucket AND NOT is_outlier THEN battery_w END) AS battery_watts,
        max_by(
            battery_soc,
            CASE WHEN is_own_bucket AND battery_soc IS NOT NULL AND NOT is_outlier THEN ts END
        ) AS battery_soc,
        sum(pv_step_wh * share) AS pv_wh,
        CASE
            WHEN count(import_counter_wh) > 0 THEN sum(import_counter_wh * share)
            ELSE sum(import_power_wh * share)
        END AS import_wh,
        CASE
            WHEN count(export_counter_wh) > 0 THEN sum(export_counter_wh * share)
            ELSE sum(export_power_wh * share)
        END AS export_wh,
        sum(load_step_wh * share) AS load_wh,
        sum(battery_charge_step_wh * share) AS battery_charge_wh,
        sum(battery_discharge_step_wh * share) AS battery_discharge_wh,
        max_by(pv_total_wh, CASE WHEN is_own_bucket AND pv_total_wh IS NOT NULL THEN ts END)
            / 1000.0 AS pv_kwh,
        max_by(
            import_total_wh, CASE WHEN is_own_bucket AND import_total_wh IS NOT NULL THEN ts END
        ) / 1000.0 AS import_kwh,
        max_by(
            export_total_wh, CASE WHEN is_own_bucket AND export_total_wh IS NOT NULL THEN ts END
        ) / 1000.0 AS export_kwh,
        CAST(sum(CASE WHEN is_own_bucket THEN 1 ELSE 0 END) AS BIGINT) AS samples,
        CAST(sum(CASE WHEN is_own_bucket AND is_outlier THEN 1 ELSE 0 END) AS BIGINT)
            AS outlier_samples,
        max(CASE WHEN is_own_bucket AND is_counter_reset THEN 1 ELSE 0 END) = 1
            AS counter_reset,
        least(sum(covered_step_s * share), 300) AS covered_s
    FROM allocated
    WHERE bucket_ts >= {{ window_start }} AND bucket_ts < {{ window_end }}
    GROUP BY device_id, bucket_ts
)
SELECT
    bucket_ts AS "timestamp",
    device_id,
    vendor,
    pv_watts,
    grid_import,
    grid_export,
    load_watts,
    battery_watts,
    battery_soc,
    pv_wh,
    import_wh,
    export_wh,
    load_wh,
    battery_charge_wh,
    battery_discharge_wh,
    pv_kwh,
    import_kwh,
    export_kwh,
    samples,
    outlier_samples,
    outlier_samples > 0 AS is_outlier,
    counter_reset,
    100.0 * covered_s / 300 AS coverage_pct,
    300 - covered_s AS gap_s
FROM buckets
