-- Fronius Solar API v1, GetPowerFlowRealtimeData: one row per answer.
-- stream: solar/fronius/powerflow
-- refused: malformed when payload.Head.Status.Code IS NULL
-- refused: vendor_error when payload.Head.Status.Code <> 0
-- payload: STRUCT(Body STRUCT(Data STRUCT(Site STRUCT(P_PV DOUBLE, P_Grid DOUBLE, P_Load DOUBLE, P_Akku DOUBLE, E_Total DOUBLE), Inverters MAP(VARCHAR, STRUCT(P DOUBLE, SOC DOUBLE, Battery_Mode VARCHAR)))), Head STRUCT("Timestamp" VARCHAR, Status STRUCT(Code INTEGER)))
-- The same rules as the integration's fronius.parse_powerflow (a contract test runs
-- both on every real fixture): P_Grid > 0 imports, P_Akku > 0 discharges, P_Load is
-- negative while the house consumes; PV and load are never negative. A null P_PV is
-- 0 W only when every inverter reports P = 0 (a sleeping SnapINverter). The state of
-- charge is the first inverter's (by id) whose battery is not "disabled".
SELECT
    device_id,
    coalesce(CAST(head."Timestamp" AS TIMESTAMPTZ), fetched_at) AS ts,
    fetched_at,
    CASE
        WHEN site.P_PV IS NOT NULL THEN greatest(site.P_PV, 0)
        WHEN len(map_values(inverters)) > 0
            AND list_bool_and(list_transform(map_values(inverters), lambda i: i.P = 0))
        THEN 0.0
    END AS pv_w,
    site.P_Grid AS grid_w,
    CASE WHEN site.P_Load IS NOT NULL THEN greatest(-site.P_Load, 0) END AS load_w,
    site.P_Akku AS battery_w,
    list_filter(
        list_sort(map_entries(inverters)),
        lambda e: e.value.SOC IS NOT NULL AND coalesce(e.value.Battery_Mode, '') <> 'disabled'
    )[1].value.SOC AS battery_soc,
    site.E_Total AS pv_total_wh,
    _source_file
FROM (
    SELECT
        device_id,
        fetched_at,
        payload.Head AS head,
        payload.Body.Data.Site AS site,
        coalesce(payload.Body.Data.Inverters, MAP {}) AS inverters,
        filename AS _source_file
    FROM {{ bronze }}
) AS answers
