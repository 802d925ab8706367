"""Tests of the Home Assistant integration, in the pytest-homeassistant-custom-component harness."""
