"""The top floor: ``load_demo_data`` loads every app's demo in dependency order."""
