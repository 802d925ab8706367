"""Models of one house: heat-pump COP and next-day forecasts of PV, heat pump, load, grid.

One module per model (``cop``, ``pv``, ``heatpump``, ``load``, ``grid``), each with its
``fit``, its predictions and its documented ``FEATURES``; ``consensus`` merges the three
weather APIs; ``forecasting`` trains and forecasts, ``backtest`` scores the forecasts,
``runs`` are the ``train``, ``predict`` and ``backtest`` commands. Nothing here imports
Home Assistant.
"""
