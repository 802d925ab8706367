-- Fronius Solar API v1, GetMeterRealtimeData (Scope=System): the grid meter's counters.
-- stream: solar/fronius/meter
-- refused: malformed when payload.Head.Status.Code IS NULL
-- refused: vendor_error when payload.Head.Status.Code <> 0
-- payload: STRUCT(Body STRUCT(Data MAP(VARCHAR, STRUCT(EnergyReal_WAC_Sum_Consumed DOUBLE, EnergyReal_WAC_Sum_Produced DOUBLE, PowerReal_P_Sum DOUBLE, Meter_Location_Current DOUBLE))), Head STRUCT("Timestamp" VARCHAR, Status STRUCT(Code INTEGER)))
-- As fronius.parse_meter: the first meter (by id) at the feed-in point
-- (Meter_Location_Current = 0) counts grid energy; "Consumed" is what the house drew
-- from the grid, "Produced" what it fed in, both Wh. Answers without one give no row.
SELECT
    device_id,
    coalesce(CAST(head_ts AS TIMESTAMPTZ), fetched_at) AS ts,
    fetched_at,
    meter.PowerReal_P_Sum AS grid_w,
    meter.EnergyReal_WAC_Sum_Consumed AS import_total_wh,
    meter.EnergyReal_WAC_Sum_Produced AS export_total_wh,
    _source_file
FROM (
    SELECT
        device_id,
        fetched_at,
        payload.Head."Timestamp" AS head_ts,
        list_filter(
            list_sort(map_entries(payload.Body.Data)),
            lambda e: e.value.Meter_Location_Current = 0
        )[1].value AS meter,
        filename AS _source_file
    FROM {{ bronze }}
) AS answers
WHERE meter IS NOT NULL
