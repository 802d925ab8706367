-- SolarEdge Monitoring API, /site/{id}/currentPowerFlow: one row per answer.
-- stream: solar/solaredge/power_flow
-- refused: unsupported when payload.siteCurrentPowerFlow.unit IS NULL
-- refused: bad_units when lower(replace(trim(payload.siteCurrentPowerFlow.unit), ' ', '')) NOT IN ('w', 'kw', 'mw')
-- payload: STRUCT(siteCurrentPowerFlow STRUCT(unit VARCHAR, connections STRUCT("from" VARCHAR, "to" VARCHAR)[], GRID STRUCT(status VARCHAR, currentPower DOUBLE), LOAD STRUCT(status VARCHAR, currentPower DOUBLE), PV STRUCT(status VARCHAR, currentPower DOUBLE), STORAGE STRUCT(status VARCHAR, currentPower DOUBLE, chargeLevel DOUBLE)))
-- As solaredge.parse_power_flow (a contract test runs both on every real fixture): every
-- currentPower is a magnitude in the answer's unit (W, kW or MW), rounded to mW after
-- conversion; the grid imports when a connection comes from GRID and none goes to it,
-- exports in the opposite case (Load and LOAD are one element); the battery discharges
-- (+) when it is a source or its status is Discharging, charges (-) when it is a sink
-- or Charging. Without a clear direction only 0 W is certain. An answer with an unknown
-- unit, or the empty object of a site without a meter, gives no row (the parser raises).
-- The sample is dated when it was fetched: the answer carries no time.
WITH answers AS (
    SELECT
        device_id,
        fetched_at,
        payload.siteCurrentPowerFlow AS flow,
        CASE lower(replace(trim(payload.siteCurrentPowerFlow.unit), ' ', ''))
            WHEN 'w' THEN 1.0 WHEN 'kw' THEN 1e3 WHEN 'mw' THEN 1e6
        END AS scale,
        list_transform(
            coalesce(payload.siteCurrentPowerFlow.connections, []), lambda c: lower(c."from")
        ) AS sources,
        list_transform(
            coalesce(payload.siteCurrentPowerFlow.connections, []), lambda c: lower(c."to")
        ) AS sinks,
        filename AS _source_file
    FROM {{ bronze }}
),
directed AS (
    SELECT
        *,
        round(flow.GRID.currentPower * scale, 3) AS grid_mag,
        round(flow.STORAGE.currentPower * scale, 3) AS battery_mag,
        list_contains(sources, 'grid') AS grid_out,
        list_contains(sinks, 'grid') AS grid_in,
        list_contains(sources, 'storage') OR lower(coalesce(flow.STORAGE.status, '')) = 'discharging'
            AS battery_out,
        list_contains(sinks, 'storage') OR lower(coalesce(flow.STORAGE.status, '')) = 'charging'
            AS battery_in
    FROM answers
    -- A connection without from/to makes the parser refuse the whole answer.
    WHERE NOT list_contains(list_transform(sources, lambda s: s IS NULL), TRUE)
        AND NOT list_contains(list_transform(sinks, lambda s: s IS NULL), TRUE)
)
SELECT
    device_id,
    fetched_at AS ts,
    fetched_at,
    round(flow.PV.currentPower * scale, 3) AS pv_w,
    CASE
        WHEN grid_out AND NOT grid_in THEN grid_mag
        WHEN grid_in AND NOT grid_out THEN -grid_mag
        WHEN grid_mag = 0 THEN 0.0
    END AS grid_w,
    round(flow.LOAD.currentPower * scale, 3) AS load_w,
    CASE
        WHEN battery_out AND NOT battery_in THEN battery_mag
        WHEN battery_in AND NOT battery_out THEN -battery_mag
        WHEN battery_mag = 0 THEN 0.0
    END AS battery_w,
    flow.STORAGE.chargeLevel AS battery_soc,
    _source_file
FROM directed
