"""Tests of the source clients against real example answers served on loopback."""
