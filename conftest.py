"""Import our custom_components before any plugin can shadow it.

pytest-homeassistant-custom-component ships a package of its own named
``custom_components``; whichever is imported first wins. This root conftest runs
before the plugin's fixtures import anything, so ours is the one HA's loader sees.
"""

import custom_components.home_energy_lake  # noqa: F401
