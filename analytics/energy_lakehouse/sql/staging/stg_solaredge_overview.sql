-- SolarEdge Monitoring API, /site/{id}/overview: lifetime PV energy and current PV power.
-- stream: solar/solaredge/overview
-- refused: malformed when payload.overview IS NULL
-- refused: malformed when try_strptime(payload.overview.lastUpdateTime, '%Y-%m-%d %H:%M:%S') IS NULL AND payload.overview.lastUpdateTime IS NOT NULL
-- payload: STRUCT(overview STRUCT(lastUpdateTime VARCHAR, lifeTimeData STRUCT(energy DOUBLE), currentPower STRUCT(power DOUBLE)))
-- As solaredge.parse_overview (a contract test runs both on every real fixture):
-- lifeTimeData.energy is Wh, currentPower.power W. The reading's time is lastUpdateTime,
-- written in the site's local time without a zone; it stays local here
-- (updated_local) and int_solar_samples reads it in the zone of the site's latest
-- details answer (stg_solaredge_details), as the integration does, or in UTC when the
-- lake holds none. ts is the fetch time, so the build window always covers the answer.
SELECT
    device_id,
    fetched_at AS ts,
    fetched_at,
    try_strptime(payload.overview.lastUpdateTime, '%Y-%m-%d %H:%M:%S') AS updated_local,
    payload.overview.currentPower.power AS pv_w,
    payload.overview.lifeTimeData.energy AS pv_total_wh,
    filename AS _source_file
FROM {{ bronze }}
