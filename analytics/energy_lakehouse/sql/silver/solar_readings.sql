-- Solar readings on the 5-minute grid, one row per (device_id, timestamp).
-- materialized: incremental
-- time_column: timestamp
-- A sample holds until the next one, across silences up to max_gap_s; its interval
-- [ts, next ts) is split over the buckets it spans, pro rata (held_in_buckets), for
-- covered time and energy alike. Energy of an interval: the lifetime counter's increase
-- when it moved forward, else the power held over it. A counter that goes backward is a
-- reset: that interval falls back to power, so no delta is ever negative. A counter's
-- increase over a longer silence, up to max_spread_s, is spread over the silence's
-- buckets (energy_spread): PV and export by the sun's height at each bucket's middle
-- (evenly when the sun never rises or the home's location is unknown), import evenly.
-- Over a silence longer than that it is booked nowhere.
-- Energy a device metered itself per interval (SolarEdge's energyDetails) replaces the
-- estimate of each bucket it covers, meter by meter; metered marks such buckets.
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
        CASE WHEN NOT is_outlier AND silence_s <= {{ max_gap_s }} THEN silence_s / 3600.0 END
            AS held_h,
        CASE
            WHEN silence_s > {{ max_gap_s }} AND silence_s <= {{ max_spread_s }}
                AND (pv_delta_wh > 0 OR import_delta_wh > 0 OR export_delta_wh > 0)
            THEN silence_s / 3600.0
        END AS spread_h,
        coalesce(pv_delta_wh < 0 OR import_delta_wh < 0 OR export_delta_wh < 0, FALSE)
            AS is_counter_reset
    FROM (SELECT *, {{ seconds_between('ts', 'next_ts') }} AS silence_s FROM paired) AS timed
),
energies AS (
    SELECT
        *,
        CASE
            WHEN silence_s <= {{ max_gap_s }}
            THEN CASE WHEN pv_delta_wh >= 0 THEN pv_delta_wh ELSE pv_w * held_h END
        END AS pv_step_wh,
        CASE WHEN silence_s <= {{ max_gap_s }} AND import_delta_wh >= 0 THEN import_delta_wh END
            AS import_counter_wh,
        CASE WHEN silence_s <= {{ max_gap_s }} AND export_delta_wh >= 0 THEN export_delta_wh END
            AS export_counter_wh,
        CASE WHEN spread_h IS NOT NULL AND pv_delta_wh >= 0 THEN pv_delta_wh END
            AS pv_spread_wh,
        CASE WHEN spread_h IS NOT NULL AND import_delta_wh >= 0 THEN import_delta_wh END
            AS import_spread_wh,
        CASE WHEN spread_h IS NOT NULL AND export_delta_wh >= 0 THEN export_delta_wh END
            AS export_spread_wh,
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
site AS (
    {{ site_location() }}
),
sunlit AS (
    -- The buckets of spread silences, weighted by the sun's height (cos of the zenith).
    SELECT
        allocated.*,
        greatest({{ cos_zenith(plus_seconds('allocated.bucket_ts', '150'), 'site.latitude', 'site.longitude') }}, 0) * share
            AS sun_weight
    FROM allocated CROSS JOIN site
    WHERE allocated.spread_h IS NOT NULL
),
slots AS (
    SELECT *, CAST(NULL AS DOUBLE) AS sun_weight, share AS sun_share
    FROM allocated
    WHERE spread_h IS NULL
    UNION ALL
    SELECT
        *,
        CASE
            WHEN sum(sun_weight) OVER silence > 0 THEN sun_weight / sum(sun_weight) OVER silence
            ELSE share
        END AS sun_share
    FROM sunlit
    WINDOW silence AS (PARTITION BY device_id, stream, ts)
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
        sum(coalesce(pv_step_wh * share, pv_spread_wh * sun_share)) AS pv_wh,
        CASE
            WHEN count(coalesce(import_counter_wh, import_spread_wh)) > 0
            THEN sum(coalesce(import_counter_wh, import_spread_wh) * share)
            ELSE sum(import_power_wh * share)
        END AS import_wh,
        CASE
            WHEN count(coalesce(export_counter_wh, export_spread_wh)) > 0
            THEN sum(coalesce(export_counter_wh * share, export_spread_wh * sun_share))
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
        max(CASE WHEN spread_h IS NOT NULL THEN 1 ELSE 0 END) = 1 AS energy_spread,
        least(sum(covered_step_s * share), 300) AS covered_s
    FROM slots
    WHERE bucket_ts >= {{ window_start }} AND bucket_ts < {{ window_end }}
    GROUP BY device_id, bucket_ts
),
metered AS (
    -- A meter's interval energy, split evenly over the buckets of its interval.
    SELECT
        device_id,
        bucket_ts,
        max(vendor) AS vendor,
        max(CASE WHEN meter = 'Production' THEN wh END) AS pv_wh,
        max(CASE WHEN meter = 'Purchased' THEN wh END) AS import_wh,
        max(CASE WHEN meter = 'FeedIn' THEN wh END) AS export_wh,
        max(CASE WHEN meter = 'Consumption' THEN wh END) AS load_wh
    FROM (
        SELECT
            m.vendor,
            m.device_id,
            m.meter,
            {{ plus_seconds('m.start_ts', 'steps.step * 300') }} AS bucket_ts,
            m.energy_wh * 300.0 / m.seconds AS wh
        FROM {{ ref('int_solar_meter_energy') }} AS m
        CROSS JOIN (
            SELECT 0 AS step UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3
            UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7
            UNION ALL SELECT 8 UNION ALL SELECT 9 UNION ALL SELECT 10 UNION ALL SELECT 11
        ) AS steps
        WHERE steps.step * 300 < m.seconds
            AND m.start_ts >= {{ plus_seconds(window_start, '-3600') }}
            AND m.start_ts < {{ window_end }}
    ) AS split
    WHERE bucket_ts >= {{ window_start }} AND bucket_ts < {{ window_end }}
    GROUP BY device_id, bucket_ts
)
SELECT
    coalesce(b.bucket_ts, m.bucket_ts) AS "timestamp",
    coalesce(b.device_id, m.device_id) AS device_id,
    coalesce(b.vendor, m.vendor) AS vendor,
    b.pv_watts,
    b.grid_import,
    b.grid_export,
    b.load_watts,
    b.battery_watts,
    b.battery_soc,
    coalesce(m.pv_wh, b.pv_wh) AS pv_wh,
    coalesce(m.import_wh, b.import_wh) AS import_wh,
    coalesce(m.export_wh, b.export_wh) AS export_wh,
    coalesce(m.load_wh, b.load_wh) AS load_wh,
    b.battery_charge_wh,
    b.battery_discharge_wh,
    b.pv_kwh,
    b.import_kwh,
    b.export_kwh,
    coalesce(b.samples, 0) AS samples,
    coalesce(b.outlier_samples, 0) AS outlier_samples,
    coalesce(b.outlier_samples > 0, FALSE) AS is_outlier,
    coalesce(b.counter_reset, FALSE) AS counter_reset,
    coalesce(b.energy_spread, FALSE) AS energy_spread,
    m.device_id IS NOT NULL AS metered,
    100.0 * coalesce(b.covered_s, 0) / 300 AS coverage_pct,
    300 - coalesce(b.covered_s, 0) AS gap_s
FROM buckets AS b
FULL OUTER JOIN metered AS m ON m.device_id = b.device_id AND m.bucket_ts = b.bucket_ts
