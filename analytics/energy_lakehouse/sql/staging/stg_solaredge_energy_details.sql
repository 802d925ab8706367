-- SolarEdge Monitoring API, /site/{id}/energyDetails: energy per meter and interval.
-- stream: solar/solaredge/energy_details
-- refused: malformed when payload.energyDetails IS NULL
-- refused: malformed when list_bool_or(list_transform(payload.energyDetails.meters, lambda m: m."type" IS NULL OR list_bool_or(list_transform(m."values", lambda v: try_strptime(v."date", '%Y-%m-%d %H:%M:%S') IS NULL))))
-- refused: bad_units when lower(replace(trim(coalesce(payload.energyDetails.unit, 'Wh')), ' ', '')) NOT IN ('wh', 'kwh', 'mwh')
-- payload: STRUCT(energyDetails STRUCT(timeUnit VARCHAR, unit VARCHAR, meters STRUCT("type" VARCHAR, "values" STRUCT("date" VARCHAR, "value" DOUBLE)[])[]))
-- As solaredge.parse_energy_details (a contract test runs both on every real fixture):
-- one row per meter (Production, Consumption, SelfConsumption, FeedIn, Purchased) and
-- interval, in Wh (the answer's unit: Wh, kWh or MWh); an interval without a value yet
-- is NULL, never 0. The interval starts at start_local, the site's local time without a
-- zone (int_solar_meter_energy reads it in the site's zone), and lasts timeUnit. ts is
-- the fetch time, so the build window covers the hour the integration captures.
SELECT
    device_id,
    fetched_at AS ts,
    fetched_at,
    upper(coalesce(time_unit, '')) AS time_unit,
    meter."type" AS meter,
    strptime(v."date", '%Y-%m-%d %H:%M:%S') AS start_local,
    v."value" * scale AS energy_wh,
    _source_file
FROM (
    SELECT
        device_id,
        fetched_at,
        payload.energyDetails.timeUnit AS time_unit,
        CASE lower(replace(trim(coalesce(payload.energyDetails.unit, 'Wh')), ' ', ''))
            WHEN 'wh' THEN 1.0 WHEN 'kwh' THEN 1e3 WHEN 'mwh' THEN 1e6
        END AS scale,
        unnest(coalesce(payload.energyDetails.meters, [])) AS meter,
        filename AS _source_file
    FROM {{ bronze }}
) AS meters,
    unnest(coalesce(meter."values", [])) AS t(v)
