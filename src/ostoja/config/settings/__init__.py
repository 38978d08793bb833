"""Settings in layers: base → dev / test / prod. Pick one with DJANGO_SETTINGS_MODULE."""
