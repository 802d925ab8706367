"""Drive a real Home Assistant from scripts: the one-command demo and the end-to-end test."""
