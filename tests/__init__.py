"""Tests of Home Energy Lake."""
