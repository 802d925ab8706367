-- Fronius Solar API v1, GetMeterRealtimeData (Scope=System): the grid meter's counters.
-- stream: solar/fronius/meter
-- payload: STRUCT(Body STRUCT(Data MAP(VARCHAR, STRUCT(EnergyReal_WAC_Sum_Consumed DOUBLE, EnergyReal_WAC_Sum_Produced DOUBLE, PowerReal_P_Sum DOUBLE, Meter_Location_Current DOUBLE, "TimeStamp" BIGINT))), Head STRUCT(Timestamp VARCHAR, Status STRUCT(Code INTEGER)))
-- Only the meter at the feed-in point (Meter_Location_Current = 0) counts grid energy:
-- "Consumed" is what the house drew from the grid, "Produced" what it fed in, both Wh.
SELECT
    device_id,
    coalesce(to_timestamp(meter."TimeStamp"), CAST(head_ts AS TIMESTAMPTZ), fetched_at) AS ts,
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
        unnest(map_values(payload.Body.Data)) AS meter,
        filename AS _source_file
    FROM {{ bronze }}
    WHERE http_status = 200
        AND payload IS NOT NULL
        AND coalesce(payload.Head.Status.Code, 0) = 0
) AS meters
WHERE coalesce(meter.Meter_Location_Current, 0) = 0
