-- Fronius Solar API v1, GetPowerFlowRealtimeData: one row per answer.
-- stream: solar/fronius/powerflow
-- payload: STRUCT(Body STRUCT(Data STRUCT(Site STRUCT(P_PV DOUBLE, P_Grid DOUBLE, P_Load DOUBLE, P_Akku DOUBLE, E_Total DOUBLE), Inverters MAP(VARCHAR, STRUCT(SOC DOUBLE)))), Head STRUCT(Timestamp VARCHAR, Status STRUCT(Code INTEGER)))
-- Signs follow the vendor and the normalized readings alike: P_Grid > 0 imports,
-- P_Akku > 0 discharges; P_Load is negative while the house consumes.
-- A null P_PV (Symo at night) is 0 W: the inverter is asleep, not unmeasured.
SELECT
    device_id,
    coalesce(CAST(payload.Head."Timestamp" AS TIMESTAMPTZ), fetched_at) AS ts,
    fetched_at,
    coalesce(payload.Body.Data.Site.P_PV, 0.0) AS pv_w,
    payload.Body.Data.Site.P_Grid AS grid_w,
    -payload.Body.Data.Site.P_Load AS load_w,
    payload.Body.Data.Site.P_Akku AS battery_w,
    payload.Body.Data.Inverters['1'].SOC AS battery_soc,
    payload.Body.Data.Site.E_Total AS pv_total_wh,
    filename AS _source_file
FROM {{ bronze }}
WHERE http_status = 200
    AND payload IS NOT NULL
    AND coalesce(payload.Head.Status.Code, 0) = 0
