-- COP against the flow temperature: energy in each {{ bin_k }} K bin over all running 5-minute
-- intervals of the history, COP as Σheat / Σelectricity. One row per flow_bin_c.
-- materialized: table
WITH running AS (
    SELECT *
    FROM {{ ref('heatpump_readings') }}
    WHERE running_s > 0 AND flow_temp IS NOT NULL
)
SELECT
    floor(flow_temp / {{ bin_k }}) * {{ bin_k }} AS flow_bin_c,
    floor(flow_temp / {{ bin_k }}) * {{ bin_k }} + {{ bin_k }} AS flow_bin_high_c,
    sum(elec_wh) AS elec_wh,
    sum(heat_wh) AS heat_wh,
    CASE WHEN sum(elec_wh) > 0 THEN sum(heat_wh) / sum(elec_wh) END AS cop,
    count(*) AS intervals,
    100.0 * sum(heat_wh) / sum(sum(heat_wh)) OVER () AS share_of_heat_pct,
    sum(heat_wh) >= {{ min_bin_heat_wh }} AS enough_data
FROM running
GROUP BY floor(flow_temp / {{ bin_k }}) * {{ bin_k }}
