-- Each SolarEdge site's time zone: the zone of its latest details answer that names one
-- DuckDB knows. The integration reads the site's local times in it (UTC until it knows).
-- materialized: view
SELECT device_id, max_by(time_zone, fetched_at) AS time_zone
FROM {{ ref('stg_solaredge_details') }}
WHERE time_zone IS NOT NULL
GROUP BY device_id
