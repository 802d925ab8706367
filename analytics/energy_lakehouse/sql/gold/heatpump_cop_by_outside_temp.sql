-- COP against the outside temperature: energy in each {{ bin_k }} K bin over all running 5-minute
-- intervals of the history, COP as Σheat / Σelectricity. One row per outside_bin_c.
-- materialized: table
WITH running AS (
    SELECT *
    FROM {{ ref('heatpump_readings') }}
    WHERE running_s > 0 AND outside_temp IS NOT NULL
)
SELECT
    floor(outside_temp / {{ bin_k }}) * {{ bin_k }} AS outside_bin_c,
    floor(outside_temp / {{ bin_k }}) * {{ bin_k }} + {{ bin_k }} AS outside_bin_high_c,
    sum(elec_wh) AS elec_wh,
    sum(heat_wh) AS heat_wh,
    CASE WHEN sum(elec_wh) > 0 THEN sum(heat_wh) / sum(elec_wh) END AS cop,
    count(*) AS intervals,
    100.0 * sum(heat_wh) / sum(sum(heat_wh)) OVER () AS share_of_heat_pct,
    sum(heat_wh) >= {{ min_bin_heat_wh }} AS enough_data
FROM running
GROUP BY floor(outside_temp / {{ bin_k }}) * {{ bin_k }}
