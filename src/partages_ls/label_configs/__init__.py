"""label_configs."""
